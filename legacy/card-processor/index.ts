import { runSimulator } from '../http.js';
import { createCardProcessorSimulator } from './server.js';

/** Runs the card processor simulator as a process (CARD_PROCESSOR_PORT, default 4102; HOST, default 127.0.0.1). */
const port = Number(process.env.CARD_PROCESSOR_PORT ?? 4102);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`CARD_PROCESSOR_PORT must be a port number, got "${process.env.CARD_PROCESSOR_PORT}"`);
}

await runSimulator(createCardProcessorSimulator(), port, host);
