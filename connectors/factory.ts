import { legacyCredentials, legacyTimeoutMs, legacyUrl, SANDBOX_SECRETS } from '../lib/config.js';
import { legacyMetrics } from '../lib/metrics/legacy.js';
import { CardProcessorConnector, type CardProductConfig } from './card-processor/index.js';
import { CoreBankingConnector } from './core-banking/index.js';
import { SANDBOX_INSTALLATION, SAVINGS_PRODUCTS, type FineractInstallation, type SavingsProduct } from './core-banking/dialect.js';
import { FxWalletConnector } from './fx-wallet/index.js';
import { KycProviderConnector, type Ledger } from './kyc-provider/index.js';
import { KycApplicantDirectory } from './kyc-provider/sandbox.js';
import { NotifierConnector } from './notifier/index.js';
import { createSandboxRails, Iso20022RailConnector, type PaymentRail } from './payment-rail/index.js';
import { RiskScoringConnector } from './risk-scoring/index.js';
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

/**
 * The Fineract installation's own ids: CORE_BANKING_SAVINGS_PRODUCTS, JSON `{"EUR_CURRENT": 1, "GBP_SAVER": 2,
 * "USD_ACCOUNT": 3}` (every product bankgraph opens, each a savings product id), and
 * CORE_BANKING_CLIENT_CLOSURE_REASON_ID (the ClientClosureReason code value of "onboarding not completed"), and
 * CORE_BANKING_PAYMENT_TYPE_ID (the payment type, GET /paymenttypes, of the journeys' deposits and withdrawals: their
 * reference is its receipt number). Unset, the sandbox's; anything else stops the start with a message that says what
 * is wrong.
 */
export function fineractInstallationOf(env: Env = process.env): FineractInstallation {
  const products = env.CORE_BANKING_SAVINGS_PRODUCTS?.trim();
  const reason = env.CORE_BANKING_CLIENT_CLOSURE_REASON_ID?.trim();
  const paymentType = env.CORE_BANKING_PAYMENT_TYPE_ID?.trim();
  const positive = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  let savingsProductIds = SANDBOX_INSTALLATION.savingsProductIds;
  if (products) {
    const expected = `expected {${SAVINGS_PRODUCTS.map((p) => `"${p}": <savings product id>`).join(', ')}}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(products);
    } catch {
      throw new RangeError(`CORE_BANKING_SAVINGS_PRODUCTS is not JSON; ${expected}`);
    }
    const given = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as Record<string, unknown>;
    const wrong = [...SAVINGS_PRODUCTS.filter((p) => !positive(given[p])), ...Object.keys(given).filter((k) => !(SAVINGS_PRODUCTS as string[]).includes(k))];
    if (wrong.length) throw new RangeError(`CORE_BANKING_SAVINGS_PRODUCTS is wrong for ${wrong.join(', ')}; ${expected}`);
    savingsProductIds = given as Record<SavingsProduct, number>;
  }
  let clientClosureReasonId = SANDBOX_INSTALLATION.clientClosureReasonId;
  if (reason) {
    if (!/^[1-9]\d{0,9}$/.test(reason)) throw new RangeError(`CORE_BANKING_CLIENT_CLOSURE_REASON_ID must be a code value id (a positive whole number), not "${reason}"`);
    clientClosureReasonId = Number(reason);
  }
  let paymentTypeId = SANDBOX_INSTALLATION.paymentTypeId;
  if (paymentType) {
    if (!/^[1-9]\d{0,9}$/.test(paymentType)) throw new RangeError(`CORE_BANKING_PAYMENT_TYPE_ID must be a payment type id (a positive whole number), not "${paymentType}"`);
    paymentTypeId = Number(paymentType);
  }
  return { savingsProductIds, clientClosureReasonId, paymentTypeId };
}

export function createCoreBankingConnector(env: Env = process.env, o: ConnectorOverrides = {}): CoreBankingConnector {
  const creds = legacyCredentials(env);
  return measured(new CoreBankingConnector({
    ...o,
    baseUrl: o.baseUrl ?? `${legacyUrl('core-banking', env)}`,
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('core-banking', env),
    credentials: { user: creds.coreBankingUser, password: creds.coreBankingPassword, tenant: creds.coreBankingTenant },
    installation: fineractInstallationOf(env),
  }));
}

/** The sandbox program's card products (legacy/card-processor): our product code, Marqeta's token, the scheme. */
export const SANDBOX_CARD_PRODUCTS: readonly CardProductConfig[] = [
  { code: 'DEBIT_CLASSIC', token: 'sandbox-debit-classic', scheme: 'VISA' },
  { code: 'DEBIT_VIRTUAL', token: 'sandbox-debit-virtual', scheme: 'VISA' },
  { code: 'CREDIT_GOLD', token: 'sandbox-credit-gold', scheme: 'MASTERCARD' },
];

/**
 * CARD_PROCESSOR_CARD_PRODUCTS: the installation's Marqeta card products, as JSON
 * `{"DEBIT_CLASSIC": {"token": "<card product token>", "scheme": "VISA"}, ...}`; unset, the sandbox's. Anything
 * else stops the start with a message that says what is wrong.
 */
export function cardProductsOf(env: Env = process.env): readonly CardProductConfig[] {
  const raw = env.CARD_PROCESSOR_CARD_PRODUCTS?.trim();
  if (!raw) return SANDBOX_CARD_PRODUCTS;
  const fail = (why: string) => new RangeError(`CARD_PROCESSOR_CARD_PRODUCTS ${why}; expected {"DEBIT_CLASSIC": {"token": "...", "scheme": "VISA"}, ...}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw fail('is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || Object.keys(parsed).length === 0) throw fail('is not a JSON object of products');
  return Object.entries(parsed as Record<string, unknown>).map(([code, value]) => {
    const v = value as { token?: unknown; scheme?: unknown } | null;
    if (!/^[A-Z][A-Z0-9_]{1,31}$/.test(code)) throw fail(`has a product code "${code}" that is not UPPER_SNAKE`);
    if (typeof v?.token !== 'string' || !/^[A-Za-z0-9_.-]{1,36}$/.test(v.token)) throw fail(`gives ${code} no Marqeta token (1 to 36 characters)`);
    if (v.scheme !== 'VISA' && v.scheme !== 'MASTERCARD') throw fail(`gives ${code} a scheme other than VISA or MASTERCARD`);
    return { code, token: v.token, scheme: v.scheme };
  });
}

export function createCardProcessorConnector(env: Env = process.env, o: ConnectorOverrides = {}): CardProcessorConnector {
  // The sandbox tokens outside production; in production missing or published ones stop the start (lib/config.ts).
  const creds = legacyCredentials(env);
  return measured(new CardProcessorConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('card-processor', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('card-processor', env),
    applicationToken: creds.cardProcessorApplicationToken,
    accessToken: creds.cardProcessorAccessToken,
    products: cardProductsOf(env),
  }));
}

export function createKycProviderConnector(env: Env = process.env, o: ConnectorOverrides = {}): KycProviderConnector {
  const creds = legacyCredentials(env);
  return measured(new KycProviderConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('kyc-provider', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('kyc-provider', env),
    apiToken: creds.kycApiToken,
  }));
}

/**
 * Bankgraph's customer -> Onfido applicant mapping over `ledger` (the journeys' store). With the sandbox API token
 * (the simulator), the sandbox customers' applicants are known too (kyc-provider/sandbox.ts); production refuses
 * that token, so it never sees them.
 */
export function createKycApplicantDirectory(ledger: Ledger, env: Env = process.env): KycApplicantDirectory {
  return new KycApplicantDirectory(ledger, legacyCredentials(env).kycApiToken === SANDBOX_SECRETS.kycApiToken);
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

/** The bank's own risk-scoring system: RISK_SCORING_URL, RISK_SCORING_API_KEY (refused in production when published). */
export function createRiskScoringConnector(env: Env = process.env, o: ConnectorOverrides = {}): RiskScoringConnector {
  const creds = legacyCredentials(env);
  return measured(new RiskScoringConnector({
    ...o,
    baseUrl: o.baseUrl ?? legacyUrl('risk-scoring', env),
    timeoutMs: o.timeoutMs ?? legacyTimeoutMs('risk-scoring', env),
    apiKey: creds.riskScoringApiKey,
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
