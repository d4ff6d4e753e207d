import { runSimulator } from '../http.js';
import { createKycProviderSimulator } from './server.js';

/**
 * Runs the KYC provider (Onfido) simulator as a process. The API token and the webhook token default to the public
 * sandbox ones in server.ts; KYC_PROVIDER_WEBHOOK_URL, when set, is where it POSTs its signed webhook events.
 */
const port = Number(process.env.KYC_PROVIDER_PORT ?? 4103);
const host = process.env.HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`KYC_PROVIDER_PORT must be a port number, got "${process.env.KYC_PROVIDER_PORT}"`);
// The vendor's rate limit (requests per second) before it answers 429; benchmarks raise it to measure bankgraph.
const rate = process.env.KYC_PROVIDER_RATE_PER_SECOND ? Number(process.env.KYC_PROVIDER_RATE_PER_SECOND) : undefined;
if (rate !== undefined && !(rate > 0)) throw new Error(`KYC_PROVIDER_RATE_PER_SECOND must be positive, got "${process.env.KYC_PROVIDER_RATE_PER_SECOND}"`);
const webhookUrl = process.env.KYC_PROVIDER_WEBHOOK_URL?.trim();
if (webhookUrl && !/^https?:\/\//.test(webhookUrl)) throw new Error(`KYC_PROVIDER_WEBHOOK_URL must be an http(s) URL, got "${webhookUrl}"`);

await runSimulator(
  createKycProviderSimulator({
    ...(process.env.KYC_API_TOKEN ? { apiToken: process.env.KYC_API_TOKEN } : {}),
    ...(rate !== undefined ? { ratePerSecond: rate } : {}),
    ...(webhookUrl ? { webhook: { url: webhookUrl, token: process.env.KYC_WEBHOOK_TOKEN || 'sandbox-kyc-webhook-token' } } : {}),
  }),
  port,
  host,
);
