import { runSimulator } from '../http.js';
import { createKycProviderSimulator } from './server.js';

/** Runs the KYC provider simulator as a process. The secrets default to the public sandbox ones in server.ts. */
const port = Number(process.env.KYC_PROVIDER_PORT ?? 4103);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`KYC_PROVIDER_PORT must be a port number, got "${process.env.KYC_PROVIDER_PORT}"`);
// The vendor's rate limit (requests per second) before it answers 429; benchmarks raise it to measure bankgraph.
const rate = process.env.KYC_PROVIDER_RATE_PER_SECOND ? Number(process.env.KYC_PROVIDER_RATE_PER_SECOND) : undefined;
if (rate !== undefined && !(rate > 0)) throw new Error(`KYC_PROVIDER_RATE_PER_SECOND must be positive, got "${process.env.KYC_PROVIDER_RATE_PER_SECOND}"`);

await runSimulator(
  createKycProviderSimulator({
    ...(process.env.KYC_APP_TOKEN ? { appToken: process.env.KYC_APP_TOKEN } : {}),
    ...(process.env.KYC_HMAC_SECRET ? { hmacSecret: process.env.KYC_HMAC_SECRET } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
  }),
  port,
  host,
);
