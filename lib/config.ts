import { parsePublicKeys, parseSigningKey, publicKeyOf, sameKey, type ContextPublicKeys, type ContextSigningKey } from './context-keys.js';

/**
 * Configuration from the environment, read in one place. Every variable is documented in README "Configuration".
 * Defaults are the sandbox: `npm start` runs with none set. In production (NODE_ENV=production) the sandbox secrets
 * are refused, so a forgotten variable fails the start instead of signing real tokens with a published key.
 */

export const LEGACY_SYSTEMS = ['core-banking', 'card-processor', 'kyc-provider', 'fx-wallet', 'payment-rail', 'notifier', 'risk-scoring'] as const;
export type LegacySystem = (typeof LEGACY_SYSTEMS)[number];

export const SUBGRAPHS = ['accounts', 'cards', 'kyc', 'wallet', 'journeys'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Default ports: clear of PostgreSQL 5432, MySQL 3306, Redis 6379, AMQP 5672, MQTT 1883 and NATS 4222. */
export const DEFAULT_PORTS = {
  gateway: 4000,
  'core-banking': 4101,
  'card-processor': 4102,
  'kyc-provider': 4103,
  'fx-wallet': 4104,
  'payment-rail': 4105,
  notifier: 4106,
  'risk-scoring': 4107,
  /** The sandbox's stand-in for the bank's OAuth 2.0 authorisation server (legacy/authorisation-server/). */
  'authorisation-server': 4110,
  accounts: 4201,
  cards: 4202,
  kyc: 4203,
  wallet: 4204,
  journeys: 4205,
} as const satisfies Record<'gateway' | 'authorisation-server' | LegacySystem | SubgraphName, number>;

/** The sandbox secrets. Public on purpose (they are in the README); refused in production. */
export const SANDBOX_SECRETS = {
  jwt: 'bankgraph-sandbox-jwt-secret-do-not-use-in-production',
  /** The gateway's key for the signed internal context (an Ed25519 private JWK); subgraphs hold its public half. */
  internalContextPrivateKey:
    '{"kty":"OKP","crv":"Ed25519","x":"PGzwhGt7g9Rb5zK-lif22wIddY5gd2RJ4VAKI1tYzNo","d":"w6msCIuQ1yh7OpaS_tyn4xVwkVqOjMwAVzXDkFbi0s4","kid":"bankgraph-sandbox-1"}',
  /** Onfido's API token (`Authorization: Token token=…`) and the token its webhooks are signed with. */
  kycApiToken: 'sandbox-kyc-api-token',
  kycWebhookToken: 'sandbox-kyc-webhook-token',
  coreBankingUser: 'mifos',
  coreBankingPassword: 'password',
  cardProcessorApplicationToken: 'sandbox-card-application-token',
  cardProcessorAccessToken: 'sandbox-card-admin-access-token',
  riskScoringApiKey: 'sandbox-risk-scoring-api-key',
  /** What the payment rail sends with its pushed reports (`Authorization: Bearer`), and the journeys expect. */
  paymentRailReportToken: 'sandbox-payment-rail-report-token',
  /** What the authorisation server sends (`Authorization: Bearer`) to the journeys' consent authorisation route. */
  consentAuthorisationToken: 'sandbox-consent-authorisation-token',
} as const;

type Env = Record<string, string | undefined>;

function envName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

function int(env: Env, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** true/1 or false/0 (any case); unset or empty: `fallback`; anything else is a configuration error, not a guess. */
function flag(env: Env, key: string, fallback: boolean): boolean {
  const raw = env[key]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new Error(`${key} must be true or false, got "${env[key]}"`);
}

/** GATEWAY_COLLAPSE_QUERIES: identical in-flight queries of one principal share a subgraph fetch (gateway/datasource.ts). */
/** GRAPHIQL=true|false decides whether the gateway serves its explorer; unset, on unless NODE_ENV=production. */
export function graphiqlEnabled(env: Env = process.env): boolean {
  return flag(env, 'GRAPHIQL', !isProduction(env));
}

/**
 * CONSOLE=true|false decides whether the gateway serves the operations console at /console (gateway/plugins/console.ts);
 * unset, on unless NODE_ENV=production. The page itself holds no data: everything it shows needs an operations token.
 */
export function consoleEnabled(env: Env = process.env): boolean {
  return flag(env, 'CONSOLE', !isProduction(env));
}

export function collapseQueriesEnabled(env: Env = process.env): boolean {
  return flag(env, 'GATEWAY_COLLAPSE_QUERIES', true);
}

/**
 * AUDIT_FAIL_CLOSED: a read whose audit event cannot be recorded is refused (AUDIT_UNAVAILABLE) instead of answered
 * with a warning in the log (gateway/plugins/audit.ts). Unset, on in production and off elsewhere.
 */
export function auditFailClosed(env: Env = process.env): boolean {
  return flag(env, 'AUDIT_FAIL_CLOSED', isProduction(env));
}

export function isProduction(env: Env = process.env): boolean {
  return env.NODE_ENV === 'production';
}

/** Port a service listens on: `<NAME>_PORT` (PORT for the gateway), else its default. */
export function portOf(service: keyof typeof DEFAULT_PORTS, env: Env = process.env): number {
  const key = service === 'gateway' ? 'PORT' : `${envName(service)}_PORT`;
  return int(env, key, DEFAULT_PORTS[service]);
}

/** Host every service binds to. Loopback by default: the sandbox should not be reachable from the network. */
export function bindHost(env: Env = process.env): string {
  return env.HOST ?? '127.0.0.1';
}

/** Base URL of a legacy system: `<SYSTEM>_URL`, else the local simulator. */
export function legacyUrl(system: LegacySystem, env: Env = process.env): string {
  return env[`${envName(system)}_URL`] ?? `http://127.0.0.1:${portOf(system, env)}`;
}

/** GraphQL URL of a subgraph: `SUBGRAPH_<NAME>_URL`, else the local default. */
export function subgraphUrl(name: SubgraphName, env: Env = process.env): string {
  return env[`SUBGRAPH_${envName(name)}_URL`] ?? `http://127.0.0.1:${portOf(name, env)}/graphql`;
}

/**
 * The URL to use instead of the one written in the supergraph, if any: `SUBGRAPH_<NAME>_URL`, or the local port
 * when `<NAME>_PORT` is set (a local run on other ports). Otherwise undefined: the supergraph's own URL stands, so
 * any composed supergraph can be served as it is.
 */
export function subgraphUrlOverride(name: SubgraphName, env: Env = process.env): string | undefined {
  const explicit = env[`SUBGRAPH_${envName(name)}_URL`];
  if (explicit) return explicit;
  return env[`${envName(name)}_PORT`] ? `http://127.0.0.1:${portOf(name, env)}/graphql` : undefined;
}

/** Timeout of one call to a legacy system, per system: `<SYSTEM>_TIMEOUT_MS`, else LEGACY_TIMEOUT_MS, else 2000. */
export function legacyTimeoutMs(system: LegacySystem, env: Env = process.env): number {
  return int(env, `${envName(system)}_TIMEOUT_MS`, int(env, 'LEGACY_TIMEOUT_MS', 2000));
}

/** How much longer the gateway waits for the journeys subgraph than a journey mutation waits for its steps. */
export const JOURNEY_ANSWER_MARGIN_MS = 5_000;

/** The longest delay a Node timer takes; above it, setTimeout fires after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A duration in ms that a timer can keep: 1 to 2^31-1. Zero is refused rather than read as "no limit". */
function durationMs(env: Env, key: string, fallback: number): number {
  const ms = int(env, key, fallback);
  if (ms < 1 || ms > MAX_TIMER_MS) throw new Error(`${key} must be from 1 to ${MAX_TIMER_MS} ms, got "${env[key]}"`);
  return ms;
}

/**
 * How long the gateway waits for one subgraph fetch: `<NAME>_SUBGRAPH_TIMEOUT_MS`, else SUBGRAPH_TIMEOUT_MS, else
 * 10000; for journeys the default is the larger of that and JOURNEY_WAIT_MS + 5 s, so that a journey mutation's
 * RUNNING answer (given once its wait is over) arrives while the gateway still listens. The gateway also tells the
 * subgraph its deadline (lib/deadline.ts), so a journeys subgraph configured with a longer wait than the gateway
 * knows of still answers in time.
 */
export function subgraphTimeoutMs(name: string, env: Env = process.env): number {
  const general = durationMs(env, 'SUBGRAPH_TIMEOUT_MS', 10_000);
  const key = `${envName(name)}_SUBGRAPH_TIMEOUT_MS`;
  if (name !== 'journeys') return durationMs(env, key, general);
  return durationMs(env, key, Math.max(general, journeyWaitMs(env) + JOURNEY_ANSWER_MARGIN_MS));
}

/** Every value the README or this file publishes: none of them may sign or authenticate anything in production. */
const PUBLISHED_SECRETS: ReadonlySet<string> = new Set<string>(Object.values(SANDBOX_SECRETS));

/** The sandbox's context key id, and its key pair: what `npm start` signs and verifies with when nothing is set. */
export const SANDBOX_CONTEXT_KEY_ID = 'bankgraph-sandbox-1';
const SANDBOX_CONTEXT_KEY: ContextSigningKey = parseSigningKey(SANDBOX_SECRETS.internalContextPrivateKey, undefined);
const SANDBOX_CONTEXT_PUBLIC_KEYS: ContextPublicKeys = { keys: [publicKeyOf(SANDBOX_CONTEXT_KEY)] };

/** The shortest symmetric key production accepts, in bytes (HS256 wants a key at least as long as its hash). */
export const MIN_SYMMETRIC_SECRET_BYTES = 32;

/**
 * Reads secrets and collects, rather than throws, what production refuses: a missing value, a published sandbox
 * value, or (for a symmetric key) fewer than 32 bytes. `check()` then names every offending variable in one error,
 * so an operator fixes them all in one go instead of one per failed start.
 */
class SecretReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  read(key: string, sandbox: string, options: { symmetric?: boolean } = {}): string {
    const value = this.env[key];
    if (!isProduction(this.env)) return value || sandbox;
    if (!value) this.problems.push(`${key} is not set`);
    else if (PUBLISHED_SECRETS.has(value)) this.problems.push(`${key} is a published sandbox value`);
    else if (options.symmetric && Buffer.byteLength(value, 'utf8') < MIN_SYMMETRIC_SECRET_BYTES) {
      this.problems.push(`${key} is shorter than ${MIN_SYMMETRIC_SECRET_BYTES} bytes`);
    }
    return value ?? '';
  }

  /** A problem found by the caller's own checks, reported with the others. */
  refuse(problem: string): void {
    if (isProduction(this.env)) this.problems.push(problem);
  }

  check(): void {
    if (this.problems.length > 0) {
      throw new Error(`refusing to start in production: ${this.problems.join('; ')} (the sandbox defaults are public)`);
    }
  }
}

/** The issuer of the sandbox's authorisation server (legacy/authorisation-server/), as its tokens' `iss` says. */
export const SANDBOX_AUTHORISATION_SERVER_ISSUER = 'http://localhost:4110';

export interface AuthConfig {
  /** HS256 key for sandbox tokens. Ignored when jwksUrl is set. */
  jwtSecret: string;
  /** JWKS endpoint of the identity provider (production). */
  jwksUrl: string | undefined;
  issuer: string;
  audience: string;
  /**
   * The bank's OAuth 2.0 authorisation server, whose access tokens partners present (PARTNER_TOKEN_ISSUER, its `iss`;
   * PARTNER_JWKS_URL, its `jwks_uri`). Both or neither; neither: the sandbox's server outside production, none in it.
   * Its tokens are verified with its own keys (ES256, PS256, RS256 only) and never stand for customers or staff.
   */
  partnerTokens: { issuer: string; jwksUrl: string } | undefined;
  /**
   * The gateway's private key for the signed internal context (INTERNAL_CONTEXT_PRIVATE_KEY, INTERNAL_CONTEXT_KEY_ID).
   * Only the gateway reads it; subgraphs read contextPublicKeys().
   */
  internalContextKey: ContextSigningKey;
}

export function authConfig(env: Env = process.env): AuthConfig {
  const jwksUrl = env.JWKS_URL || undefined;
  const secrets = new SecretReader(env);
  const config: AuthConfig = {
    jwtSecret: jwksUrl ? '' : secrets.read('JWT_SECRET', SANDBOX_SECRETS.jwt, { symmetric: true }),
    jwksUrl,
    issuer: env.JWT_ISSUER ?? 'bankgraph-sandbox',
    audience: env.JWT_AUDIENCE ?? 'bankgraph',
    partnerTokens: partnerTokens(env),
    internalContextKey: contextSigningKey(env, secrets),
  };
  secrets.check();
  return config;
}

/**
 * PARTNER_TOKEN_ISSUER + PARTNER_JWKS_URL, both set or both unset; an issuer equal to JWT_ISSUER is refused (ambiguous).
 * Both unset: outside production, the sandbox's authorisation server of `npm start` (issuer AUTHORISATION_SERVER_ISSUER,
 * else http://localhost:4110; its keys at /jwks on AUTHORISATION_SERVER_PORT, else 4110, on loopback); in production,
 * none (partners then need first-party tokens).
 */
function partnerTokens(env: Env): AuthConfig['partnerTokens'] {
  const issuer = env.PARTNER_TOKEN_ISSUER || undefined;
  const jwksUrl = env.PARTNER_JWKS_URL || undefined;
  if (!issuer && !jwksUrl) {
    if (isProduction(env)) return undefined;
    const sandboxIssuer = env.AUTHORISATION_SERVER_ISSUER || SANDBOX_AUTHORISATION_SERVER_ISSUER;
    if (sandboxIssuer === (env.JWT_ISSUER ?? 'bankgraph-sandbox')) return undefined;
    return { issuer: sandboxIssuer, jwksUrl: `http://127.0.0.1:${int(env, 'AUTHORISATION_SERVER_PORT', 4110)}/jwks` };
  }
  if (!issuer || !jwksUrl) throw new Error('PARTNER_TOKEN_ISSUER and PARTNER_JWKS_URL go together: set both or neither');
  if (issuer === (env.JWT_ISSUER ?? 'bankgraph-sandbox')) {
    throw new Error('PARTNER_TOKEN_ISSUER must differ from JWT_ISSUER: the issuer picks the keys a token is verified with');
  }
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new Error(`PARTNER_JWKS_URL must be an absolute URL, got "${jwksUrl}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`PARTNER_JWKS_URL must be http(s), got "${jwksUrl}"`);
  return { issuer, jwksUrl };
}

/**
 * INTERNAL_CONTEXT_PRIVATE_KEY (PKCS8 PEM or JWK, Ed25519 or P-256) with its kid (INTERNAL_CONTEXT_KEY_ID or the JWK's);
 * unset: the sandbox key. A malformed key stops the start anywhere; production also refuses the sandbox key, in any
 * form (the same key as PEM is still the published key).
 */
function contextSigningKey(env: Env, secrets: SecretReader): ContextSigningKey {
  const raw = env.INTERNAL_CONTEXT_PRIVATE_KEY;
  if (!raw) {
    secrets.refuse('INTERNAL_CONTEXT_PRIVATE_KEY is not set');
    return SANDBOX_CONTEXT_KEY;
  }
  let key: ContextSigningKey;
  try {
    key = parseSigningKey(raw, env.INTERNAL_CONTEXT_KEY_ID || undefined);
  } catch (err) {
    throw new Error(`INTERNAL_CONTEXT_PRIVATE_KEY ${(err as Error).message}`);
  }
  if (sameKey(key.jwk, SANDBOX_CONTEXT_KEY.jwk)) secrets.refuse('INTERNAL_CONTEXT_PRIVATE_KEY is the published sandbox key');
  return key;
}

/**
 * The public keys a subgraph verifies the signed internal context with: INTERNAL_CONTEXT_PUBLIC_KEYS, a JWKS
 * (`{"keys": [...]}`, each key with its kid; two during a key rotation); unset: the sandbox key's public half.
 * Production refuses it unset or holding the sandbox key (anyone can sign with its published private half). A
 * subgraph with the private key in its environment does not start, anywhere: it would be a key to every subgraph.
 */
export function contextPublicKeys(env: Env = process.env): ContextPublicKeys {
  if (env.INTERNAL_CONTEXT_PRIVATE_KEY) {
    throw new Error("INTERNAL_CONTEXT_PRIVATE_KEY is in a subgraph's environment: only the gateway may hold it");
  }
  const secrets = new SecretReader(env);
  const raw = env.INTERNAL_CONTEXT_PUBLIC_KEYS;
  let keys = SANDBOX_CONTEXT_PUBLIC_KEYS;
  if (!raw) {
    secrets.refuse('INTERNAL_CONTEXT_PUBLIC_KEYS is not set');
  } else {
    try {
      keys = parsePublicKeys(raw);
    } catch (err) {
      throw new Error(`INTERNAL_CONTEXT_PUBLIC_KEYS ${(err as Error).message}`);
    }
    if (keys.keys.some((k) => sameKey(k, SANDBOX_CONTEXT_KEY.jwk))) secrets.refuse('INTERNAL_CONTEXT_PUBLIC_KEYS holds the published sandbox key');
  }
  secrets.check();
  return keys;
}

export interface LegacyCredentials {
  /** Onfido's API token (KYC_API_TOKEN). */
  kycApiToken: string;
  coreBankingUser: string;
  coreBankingPassword: string;
  coreBankingTenant: string;
  /** HTTP Basic to the card processor (Marqeta): the application token (CARD_PROCESSOR_APPLICATION_TOKEN)... */
  cardProcessorApplicationToken: string;
  /** ...and an admin access token (CARD_PROCESSOR_ACCESS_TOKEN). */
  cardProcessorAccessToken: string;
  /** The bank's API key for its risk-scoring system, sent as a bearer token (RISK_SCORING_API_KEY). */
  riskScoringApiKey: string;
}

export function legacyCredentials(env: Env = process.env): LegacyCredentials {
  const secrets = new SecretReader(env);
  const credentials: LegacyCredentials = {
    kycApiToken: secrets.read('KYC_API_TOKEN', SANDBOX_SECRETS.kycApiToken),
    coreBankingUser: secrets.read('CORE_BANKING_USER', SANDBOX_SECRETS.coreBankingUser),
    coreBankingPassword: secrets.read('CORE_BANKING_PASSWORD', SANDBOX_SECRETS.coreBankingPassword),
    coreBankingTenant: env.CORE_BANKING_TENANT ?? 'default',
    cardProcessorApplicationToken: secrets.read('CARD_PROCESSOR_APPLICATION_TOKEN', SANDBOX_SECRETS.cardProcessorApplicationToken),
    cardProcessorAccessToken: secrets.read('CARD_PROCESSOR_ACCESS_TOKEN', SANDBOX_SECRETS.cardProcessorAccessToken),
    riskScoringApiKey: secrets.read('RISK_SCORING_API_KEY', SANDBOX_SECRETS.riskScoringApiKey),
  };
  secrets.check();
  return credentials;
}

export interface JourneyConfig {
  /** How long a journey mutation waits for its critical steps before answering with the journey RUNNING. */
  waitMs: number;
  /** The bank's FX wallet that cross-currency payments convert through. */
  treasuryWalletId: string;
  /** The bank as debtor on payouts. */
  bank: { name: string; bic: string; iban: string };
  /** How far a re-quote may move against the bank, in basis points. */
  requoteToleranceBp: number;
  /**
   * How long a worker's lease on a journey lasts without renewal: how soon another worker takes over the journeys of
   * one that died. Renewed every third of it, so keep it well above a store round trip.
   */
  leaseMs: number;
  /**
   * The first wait before a payout's settlement is checked again (pacs.028), doubled per check up to 3 minutes. With
   * the rail pushing its reports, a report wakes the check at once and this is only the fallback's pace.
   */
  settlementFirstCheckMs: number;
  /** The first wait before the KYC checks are read again, doubled per read up to 3 minutes; a webhook wakes it sooner. */
  kycFirstCheckMs: number;
  /** How long a person's action on a parked journey waits for a second person's approval before it expires. */
  actionApprovalTtlMs: number;
}

/** JOURNEY_WAIT_MS: read by the journeys subgraph for its wait and by the gateway for its journeys deadline. */
function journeyWaitMs(env: Env): number {
  return int(env, 'JOURNEY_WAIT_MS', 10_000);
}

export function journeyConfig(env: Env = process.env): JourneyConfig {
  return {
    waitMs: journeyWaitMs(env),
    treasuryWalletId: env.TREASURY_WALLET_ID ?? 'wal_treasury',
    bank: {
      name: env.BANK_NAME ?? 'Bankgraph Sandbox Bank',
      bic: env.BANK_BIC ?? 'BGSBDEFFXXX',
      iban: env.BANK_IBAN ?? 'DE02120300000000202051',
    },
    requoteToleranceBp: int(env, 'REQUOTE_TOLERANCE_BP', 50),
    leaseMs: int(env, 'JOURNEY_LEASE_MS', 15_000),
    settlementFirstCheckMs: int(env, 'PAYMENT_SETTLEMENT_FIRST_CHECK_MS', 250),
    kycFirstCheckMs: int(env, 'KYC_CHECK_FIRST_CHECK_MS', 150),
    actionApprovalTtlMs: int(env, 'JOURNEY_ACTION_APPROVAL_TTL_MS', 4 * 60 * 60 * 1000),
  };
}

export interface InboundConfig {
  /**
   * The bearer token the payment rail's pushed pacs.002 / pacs.004 reports must carry
   * (PAYMENT_RAIL_STATUS_REPORT_TOKEN, the same variable the rail simulator sends). Refused unset or published in production.
   */
  paymentRailReportToken: string;
  /** The token of the KYC vendor's webhook (KYC_WEBHOOK_TOKEN): each event's X-SHA2-Signature is an HMAC with it. */
  kycWebhookToken: string;
}

/** Credentials of what legacy systems push to the journeys (subgraphs/journeys/inbound/). */
export function inboundConfig(env: Env = process.env): InboundConfig {
  const secrets = new SecretReader(env);
  const config: InboundConfig = {
    paymentRailReportToken: secrets.read('PAYMENT_RAIL_STATUS_REPORT_TOKEN', SANDBOX_SECRETS.paymentRailReportToken, { symmetric: true }),
    kycWebhookToken: secrets.read('KYC_WEBHOOK_TOKEN', SANDBOX_SECRETS.kycWebhookToken),
  };
  secrets.check();
  return config;
}

/**
 * The bearer token the authorisation server sends to the journeys' `/internal/consents/{id}/authorisation`
 * (CONSENT_AUTHORISATION_TOKEN, the same variable the authorisation server reads). Refused in production unset,
 * published (the sandbox value) or shorter than 32 bytes.
 */
export function consentAuthorisationToken(env: Env = process.env): string {
  const secrets = new SecretReader(env);
  const token = secrets.read('CONSENT_AUTHORISATION_TOKEN', SANDBOX_SECRETS.consentAuthorisationToken, { symmetric: true });
  secrets.check();
  return token;
}

export function logLevel(env: Env = process.env): string {
  return env.LOG_LEVEL ?? (env.NODE_ENV === 'test' || env.VITEST ? 'silent' : 'info');
}

export interface MetricsConfig {
  /** When set, GET /metrics of every service wants `Authorization: Bearer <token>` (METRICS_TOKEN). */
  token: string | undefined;
  /**
   * Operation names the gateway labels as themselves beyond those of the persisted operations; later names are
   * counted as "(other)" (METRICS_MAX_OPERATIONS).
   */
  maxOperationLabels: number;
}

export function metricsConfig(env: Env = process.env): MetricsConfig {
  return { token: env.METRICS_TOKEN || undefined, maxOperationLabels: int(env, 'METRICS_MAX_OPERATIONS', 50) };
}
