import { runSimulator } from '../http.js';
import { createCoreBankingSimulator } from './server.js';

const port = Number(process.env.CORE_BANKING_PORT ?? 4101);
const host = process.env.HOST ?? '127.0.0.1';

await runSimulator(createCoreBankingSimulator(), port, host);
