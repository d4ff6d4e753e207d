import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { JWK } from 'oidc-provider';

/**
 * The authorisation server's configuration from the environment. Like the other simulators it reads its own
 * variables (legacy/ imports nothing of bankgraph's); the sandbox rules are lib/config.ts's: with nothing set it runs
 * with published sandbox secrets, and with NODE_ENV=production it refuses every one of them, so a forgotten variable
 * fails the start instead of signing real tokens with a key anyone can read.
 *
 *   AUTHORISATION_SERVER_PORT            default 4110 (HOST: default loopback)
 *   AUTHORISATION_SERVER_ISSUER          default http://localhost:<port>
 *   AUTHORISATION_SERVER_SIGNING_KEYS    a private JWKS ({"keys":[...]}, ES256/PS256); default the sandbox key below
 *   AUTHORISATION_SERVER_COOKIE_KEYS     comma-separated keys signing the interaction cookies; default random per process
 *   AUTHORISATION_SERVER_CUSTOMERS_PATH  who can log in; default customers.json here (the sandbox customers)
 *   PARTNERS_PATH                        the partner registry; default schema/partners.json
 *   CONSENTS_URL                         the consent registry (the journeys subgraph); default http://127.0.0.1:4205
 *   CONSENT_AUTHORISATION_TOKEN          bearer token of the registry's internal authorisation routes
 *   JWT_AUDIENCE                         `aud` of the access tokens (the gateway's); default bankgraph
 */

type Env = Record<string, string | undefined>;

/**
 * The sandbox signing key of the authorisation server. PUBLIC ON PURPOSE (anyone can mint sandbox tokens with it,
 * as with the sandbox JWT secret); refused when NODE_ENV=production.
 */
export const SANDBOX_SIGNING_KEY: JWK = {
  kty: 'EC',
  crv: 'P-256',
  x: 'Gxqf-xlWirHVB-7XCFUSrV8Hy6UvzH6hFGbK6O8vt1A',
  y: '7WvNKQ24PFBKK0883TnPxhyJzKaMxbG0nZJpuNKIfDc',
  d: 'BUeg7WtimnQ-NLozaAsNj5tgkuA8q9iNwX24tMSnZyY',
  kid: 'bankgraph-sandbox-authorisation-server-1',
  alg: 'ES256',
  use: 'sig',
};

export const SANDBOX_CONSENT_AUTHORISATION_TOKEN = 'sandbox-consent-authorisation-token';
export const DEFAULT_PORT = 4110;
export const PARTNERS_PATH = new URL('../../schema/partners.json', import.meta.url);
/** The sandbox partners' private keys (public on purpose): what production refuses to find in partners.json. */
export const SANDBOX_PARTNER_KEYS_PATH = new URL('../../schema/sandbox-partner-keys.json', import.meta.url);
export const SANDBOX_CUSTOMERS_PATH = new URL('./customers.json', import.meta.url);

export interface PartnerClient {
  readonly clientId: string;
  readonly name: string;
  /** Our scope names the partner was granted. */
  readonly scopes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly jwks: { readonly keys: readonly JWK[] };
}

export interface SandboxCustomer {
  readonly name: string;
  readonly password: string;
}

export interface AuthorisationServerConfig {
  readonly port: number;
  readonly host: string;
  readonly issuer: string;
  readonly audience: string;
  readonly signingKeys: readonly JWK[];
  readonly cookieKeys: readonly string[];
  readonly partners: ReadonlyMap<string, PartnerClient>;
  readonly customers: ReadonlyMap<string, SandboxCustomer>;
  /** The customers are the published sandbox ones: the login page may say how to log in. */
  readonly sandboxCustomers: boolean;
  readonly consentsUrl: string;
  readonly consentAuthorisationToken: string;
}

function isProduction(env: Env): boolean {
  return env.NODE_ENV === 'production';
}

function readJson(path: URL | string): unknown {
  return JSON.parse(readFileSync(path, 'utf8')) as unknown;
}

/** The same public key, whatever else the two JWKs carry (kid, alg, use, the private part). */
export function sameKey(a: JWK, b: JWK): boolean {
  return a.kty === b.kty && (a.kty === 'RSA' ? a.n === b.n && a.e === b.e : a.crv === b.crv && a.x === b.x && a.y === b.y);
}

/** The sandbox partners' keys (schema/sandbox-partner-keys.json). */
export function sandboxPartnerKeys(): JWK[] {
  const raw = readJson(SANDBOX_PARTNER_KEYS_PATH) as Record<string, { keys?: JWK[] } | string>;
  return Object.values(raw).flatMap((v) => (typeof v === 'object' && Array.isArray(v.keys) ? v.keys : []));
}

/**
 * Reads schema/partners.json's fields this server needs (name, scopes, redirectUris, jwks); the gateway's
 * lib/consents.ts parsePartners reads the same file for the rest. A partner without `jwks` cannot authenticate here.
 */
export function parsePartnerClients(raw: unknown, source = 'partners'): Map<string, PartnerClient> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${source}: expected an object of partners by client id`);
  const out = new Map<string, PartnerClient>();
  for (const [clientId, value] of Object.entries(raw as Record<string, unknown>)) {
    const p = value as { name?: unknown; scopes?: unknown; redirectUris?: unknown; jwks?: { keys?: unknown } };
    if (!Array.isArray(p.scopes) || !p.scopes.every((s) => typeof s === 'string')) throw new Error(`${source}: partner "${clientId}" needs "scopes"`);
    const redirectUris = p.redirectUris ?? [];
    if (!Array.isArray(redirectUris) || !redirectUris.every((u) => typeof u === 'string')) {
      throw new Error(`${source}: partner "${clientId}": "redirectUris" must be a list of URLs`);
    }
    if (p.jwks === undefined) continue;
    const keys = p.jwks.keys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'object' && k !== null && typeof (k as JWK).kty === 'string')) {
      throw new Error(`${source}: partner "${clientId}": "jwks" must be {"keys": [public JWKs]}`);
    }
    if ((keys as JWK[]).some((k) => k.d !== undefined)) throw new Error(`${source}: partner "${clientId}": "jwks" holds a private key; register the public half only`);
    out.set(clientId, {
      clientId,
      name: typeof p.name === 'string' ? p.name : clientId,
      scopes: p.scopes as string[],
      redirectUris: redirectUris as string[],
      jwks: { keys: keys as JWK[] },
    });
  }
  return out;
}

export function parseCustomers(raw: unknown, source = 'customers'): Map<string, SandboxCustomer> {
  const customers = (raw as { customers?: unknown } | null)?.customers;
  if (typeof customers !== 'object' || customers === null) throw new Error(`${source}: expected {"customers": {"cust-0001": {"name", "password"}}}`);
  const out = new Map<string, SandboxCustomer>();
  for (const [id, value] of Object.entries(customers as Record<string, unknown>)) {
    const c = value as { name?: unknown; password?: unknown };
    if (typeof c.name !== 'string' || typeof c.password !== 'string' || c.password === '') throw new Error(`${source}: customer "${id}" needs a name and a password`);
    out.set(id, { name: c.name, password: c.password });
  }
  return out;
}

function parseSigningKeys(raw: string): JWK[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // The value is a private key: never echo it.
    throw new Error('AUTHORISATION_SERVER_SIGNING_KEYS must be a JSON Web Key Set ({"keys":[...]}) of private keys');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'object' && k !== null && typeof (k as JWK).d === 'string')) {
    throw new Error('AUTHORISATION_SERVER_SIGNING_KEYS must be a JSON Web Key Set ({"keys":[...]}) of private keys');
  }
  return keys as JWK[];
}

export function configFromEnv(env: Env = process.env): AuthorisationServerConfig {
  const production = isProduction(env);
  const rawPort = env.AUTHORISATION_SERVER_PORT;
  const port = rawPort === undefined || rawPort === '' ? DEFAULT_PORT : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`AUTHORISATION_SERVER_PORT must be a port number, got "${rawPort}"`);

  const signingKeys = env.AUTHORISATION_SERVER_SIGNING_KEYS ? parseSigningKeys(env.AUTHORISATION_SERVER_SIGNING_KEYS) : [SANDBOX_SIGNING_KEY];
  if (production && signingKeys.some((k) => sameKey(k, SANDBOX_SIGNING_KEY))) {
    throw new Error('NODE_ENV=production: the authorisation server refuses the published sandbox signing key; set AUTHORISATION_SERVER_SIGNING_KEYS to a private JWKS of your own');
  }

  const partnersPath = env.PARTNERS_PATH || PARTNERS_PATH;
  const partners = parsePartnerClients(readJson(partnersPath), String(partnersPath));
  if (production) {
    const sandbox = sandboxPartnerKeys();
    for (const p of partners.values()) {
      if (p.jwks.keys.some((k) => sandbox.some((s) => sameKey(k, s)))) {
        throw new Error(`NODE_ENV=production: partner "${p.clientId}" is registered with a published sandbox key (schema/sandbox-partner-keys.json); register the partner's own public key`);
      }
    }
  }

  const customersPath = env.AUTHORISATION_SERVER_CUSTOMERS_PATH || SANDBOX_CUSTOMERS_PATH;
  if (production && !env.AUTHORISATION_SERVER_CUSTOMERS_PATH) {
    throw new Error('NODE_ENV=production: the authorisation server refuses the sandbox customers and their published passwords; set AUTHORISATION_SERVER_CUSTOMERS_PATH');
  }

  const token = env.CONSENT_AUTHORISATION_TOKEN || SANDBOX_CONSENT_AUTHORISATION_TOKEN;
  if (production && token === SANDBOX_CONSENT_AUTHORISATION_TOKEN) {
    throw new Error('NODE_ENV=production: CONSENT_AUTHORISATION_TOKEN must be set (the sandbox token is published)');
  }

  const cookieKeys = (env.AUTHORISATION_SERVER_COOKIE_KEYS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (production && cookieKeys.length === 0) {
    throw new Error('NODE_ENV=production: AUTHORISATION_SERVER_COOKIE_KEYS must be set (every instance must sign the interaction cookies with the same keys)');
  }

  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    issuer: env.AUTHORISATION_SERVER_ISSUER || `http://localhost:${port}`,
    audience: env.JWT_AUDIENCE || 'bankgraph',
    signingKeys,
    cookieKeys: cookieKeys.length > 0 ? cookieKeys : [randomBytes(32).toString('base64url')],
    partners,
    customers: parseCustomers(readJson(customersPath), String(customersPath)),
    sandboxCustomers: !env.AUTHORISATION_SERVER_CUSTOMERS_PATH,
    consentsUrl: env.CONSENTS_URL || `http://127.0.0.1:${env.JOURNEYS_PORT || 4205}`,
    consentAuthorisationToken: token,
  };
}
