import { runSimulator } from '../http.js';
import { createFxWalletSimulator } from './server.js';

/** Runs the FX wallet simulator as a process (FX_WALLET_PORT, default 4104; HOST, default loopback). */
const port = Number(process.env.FX_WALLET_PORT ?? 4104);
const host = process.env.HOST ?? '127.0.0.1';
await runSimulator(createFxWalletSimulator(), port, host);
