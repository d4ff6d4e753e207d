import { runSimulator } from '../http.js';
import { createNotifierSimulator } from './server.js';

/**
 * Runs the notifier simulator as a process (NOTIFIER_PORT, default 4106; HOST, default loopback).
 * NOTIFIER_FAILURE_RATE (0..1, default 0.2) sets its flakiness; NOTIFIER_SEED makes the failures repeatable.
 */
const port = Number(process.env.NOTIFIER_PORT ?? 4106);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`NOTIFIER_PORT must be a port number, got "${process.env.NOTIFIER_PORT}"`);
}
const rawRate = process.env.NOTIFIER_FAILURE_RATE;
const failureRate = rawRate === undefined || rawRate === '' ? undefined : Number(rawRate);
if (failureRate !== undefined && !(failureRate >= 0 && failureRate <= 1)) {
  throw new Error(`NOTIFIER_FAILURE_RATE must be a number from 0 to 1, got "${rawRate}"`);
}
const rawSeed = process.env.NOTIFIER_SEED;
const seed = rawSeed === undefined || rawSeed === '' ? undefined : Number(rawSeed);
if (seed !== undefined && !Number.isInteger(seed)) throw new Error(`NOTIFIER_SEED must be an integer, got "${rawSeed}"`);

await runSimulator(
  createNotifierSimulator({ ...(failureRate !== undefined ? { failureRate } : {}), ...(seed !== undefined ? { seed } : {}) }),
  port,
  host,
);
