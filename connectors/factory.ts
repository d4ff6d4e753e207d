import { legacyCredentials, legacyTimeoutMs, legacyUrl } from '../lib/config.js';
import { legacyMetrics } from '../lib/metrics/legacy.js';
import { CardProcessorConnector } from './card-processor/index.js';
import { CoreBankingConnector } from './core-banking/index.js';
import { FxWalletConnector } from './fx-wallet/index.js';
import { KycProviderConnector } from './kyc-provider/index.js';
import { NotifierConnector } from './notifier/index.js';
import { createSandboxRails, Iso20022RailConnector, type PaymentRail } from './payment-rail/index.js';
import { onLegacyCall, type BreakerOptions, type LegacyHttpClient, type RetryOptions } from './http.js';

/**
 * Connectors built from configuration (lib/config.ts): where each legacy system is, its timeout and credentials.
 * Subgraph processes, `npm start` and the tests all build connectors here, so they are configured one way, and
 * measured one way: every connector built here shows in the process's /metrics (lib/metrics/legacy.ts: its calls by
 * route and outcome, and its breaker).
 */

type Env = Record<string, string | undefined>;

export interface ConnectorOverrides {
  readonly baseUrl?: string;
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

export function createCoreBankingConnector(env: Env = process.env, o: ConnectorOverrides = {}): CoreBankingConnector {
  const creds = legacyCredentials(env);
  return measured(new CoreBankingConnector({
    ...o,
    baseUrl: o.baseUrl ?? `${legacyUrl('core-banking', env)}`,
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('core-banking', env),
    credentials: { user: creds.coreBankingUser, password: creds.coreBankingPassword, tenant: creds.coreBankingTenant },
  }));
}

export function createCardProcessorConnector(env: Env = process.env, o: ConnectorOverrides = {}): CardProcessorConnector {
  // The sandbox key outside production; in production a missing or published key stops the start (lib/config.ts).
  const apiKey = legacyCredentials(env).cardProcessorApiKey;
  return measured(new CardProcessorConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('card-processor', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('card-processor', env),
    apiKey,
  }));
}

export function createKycProviderConnector(env: Env = process.env, o: ConnectorOverrides = {}): KycProviderConnector {
  const creds = legacyCredentials(env);
  return measured(new KycProviderConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('kyc-provider', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('kyc-provider', env),
    appToken: creds.kycAppToken,
    hmacSecret: creds.kycHmacSecret,
  }));
}

/**
 * FX_RATES_URL: the reference-rate feed (the ECB's eurofxref-daily.xml or a mirror), read through its own client;
 * unset, the wallet's copy. FX_RATES_TTL_MS: how long the rates are reused; a value that is not a whole number of
 * ms stops the start rather than being ignored.
 */
export function createFxWalletConnector(env: Env = process.env, o: ConnectorOverrides = {}): FxWalletConnector {
  const ttlText = env.FX_RATES_TTL_MS?.trim();
  const ratesTtl = ttlText ? Number(ttlText) : undefined;
  if (ratesTtl !== undefined && !(Number.isInteger(ratesTtl) && ratesTtl >= 0)) {
    throw new RangeError(`FX_RATES_TTL_MS must be a whole number of milliseconds (0 or more), not "${env.FX_RATES_TTL_MS}"`);
  }
  const ratesUrl = env.FX_RATES_URL?.trim();
  return measured(new FxWalletConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('fx-wallet', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('fx-wallet', env),
    ...(ratesTtl !== undefined ? { ratesTtlMs: ratesTtl } : {}),
    ...(ratesUrl ? { ratesUrl } : {}),
  }));
}

/** The payment rails, in order of preference (the sandbox: an instant EUR rail, then correspondent banking). */
export function createPaymentRails(env: Env = process.env, o: ConnectorOverrides = {}): PaymentRail[] {
  const rails = createSandboxRails(o.baseUrl ?? legacyUrl('payment-rail', env), {
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('payment-rail', env),
    ...(o.breaker ? { breaker: o.breaker } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
  });
  for (const rail of rails) if (rail instanceof Iso20022RailConnector) measured(rail);
  return rails;
}

export function createNotifierConnector(env: Env = process.env, o: ConnectorOverrides = {}): NotifierConnector {
  return measured(new NotifierConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('notifier', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('notifier', env),
  }));
}

/**
 * Registers a connector's client with the process's legacy-call metrics: its breaker in the gauge, and (once per
 * process) the listener that times every call.
 */
function measured<T extends { readonly http: LegacyHttpClient; readonly clients?: readonly LegacyHttpClient[] }>(connector: T): T {
  const metrics = legacyMetrics();
  metrics.listen(onLegacyCall);
  for (const client of connector.clients ?? [connector.http]) metrics.track(client);
  return connector;
}
