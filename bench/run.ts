/** `npm run bench`: every benchmark, one after another, printed as Markdown tables (copied into the README). */
import { runDashboardBench } from './dashboard.js';

console.log(await runDashboardBench());
