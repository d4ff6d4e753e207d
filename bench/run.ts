/**
 * `npm run bench`: every benchmark, one after another, printed as Markdown tables (copied into the README).
 * `npm run bench -- dashboard` or `-- journeys` runs one.
 */
// Imports are hoisted, but loggers are created only when a benchmark starts its systems, so this still applies:
// keep benchmark output to the tables.
process.env.LOG_LEVEL ??= 'warn';
import { runDashboardBench } from './dashboard.js';
import { runJourneysBench } from './journeys.js';

const only = process.argv[2];
if (!only || only === 'dashboard') console.log(`${await runDashboardBench()}\n`);
if (!only || only === 'journeys') console.log(await runJourneysBench());
