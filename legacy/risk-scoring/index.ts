import { runSimulator } from '../http.js';
import { createRiskScoringSimulator } from './server.js';

/**
 * Runs the risk-scoring simulator as a process (RISK_SCORING_PORT, default 4107; HOST, default loopback).
 * RISK_SCORING_API_KEY is the key it accepts (the same variable the connector sends; the sandbox key in server.ts
 * unset). RISK_SCORING_RATE_PER_SECOND sets its rate limit (default 200); benchmarks raise it to measure bankgraph.
 */
const port = Number(process.env.RISK_SCORING_PORT ?? 4107);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`RISK_SCORING_PORT must be a port number, got "${process.env.RISK_SCORING_PORT}"`);
}
const rawRate = process.env.RISK_SCORING_RATE_PER_SECOND;
const rate = rawRate === undefined || rawRate === '' ? undefined : Number(rawRate);
if (rate !== undefined && !(rate > 0 && Number.isFinite(rate))) throw new Error(`RISK_SCORING_RATE_PER_SECOND must be positive, got "${rawRate}"`);

await runSimulator(
  createRiskScoringSimulator({
    ...(process.env.RISK_SCORING_API_KEY ? { apiKey: process.env.RISK_SCORING_API_KEY } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
  }),
  port,
  host,
);
