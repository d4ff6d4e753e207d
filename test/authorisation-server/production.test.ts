import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv, SANDBOX_SIGNING_KEY } from '../../legacy/authorisation-server/config.js';

/**
 * NODE_ENV=production refuses every published sandbox secret of the authorisation server: its signing key, the
 * sandbox partners' keys in the partner registry, the sandbox customers and the sandbox registry token.
 */
describe('the authorisation server in production', () => {
  let dir: string;
  let env: Record<string, string>;
  const partnersWith = (jwk: Record<string, unknown>): string => {
    const path = join(dir, `partners-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify({ 'own-app': { name: 'Own App', scopes: ['accounts:basic'], rateLimit: { capacity: 1, refillPerSecond: 1 }, jwks: { keys: [jwk] } } }));
    return path;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bankgraph-as-prod-'));
    const signing = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
    const partner = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    const customers = join(dir, 'customers.json');
    writeFileSync(customers, JSON.stringify({ customers: { 'cust-0001': { name: 'A', password: 'own-password' } } }));
    env = {
      NODE_ENV: 'production',
      AUTHORISATION_SERVER_SIGNING_KEYS: JSON.stringify({ keys: [{ ...signing, kid: 'own-1', alg: 'ES256' }] }),
      AUTHORISATION_SERVER_COOKIE_KEYS: 'cookie-key-1',
      AUTHORISATION_SERVER_CUSTOMERS_PATH: customers,
      CONSENT_AUTHORISATION_TOKEN: 'own-registry-token',
      PARTNERS_PATH: partnersWith({ ...partner, kid: 'own-app-1' }),
    };
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts with keys, customers and tokens of its own', () => {
    const config = configFromEnv(env);
    expect(config.signingKeys[0]?.kid).toBe('own-1');
    expect([...config.partners.keys()]).toEqual(['own-app']);
    // Its login page does not tell how the sandbox customers log in.
    expect(config.sandboxCustomers).toBe(false);
  });

  it('refuses the sandbox signing key, set or by default', () => {
    const { AUTHORISATION_SERVER_SIGNING_KEYS: _unset, ...withoutKeys } = env;
    expect(() => configFromEnv(withoutKeys)).toThrow(/refuses the published sandbox signing key/);
    const sandbox = JSON.stringify({ keys: [{ ...SANDBOX_SIGNING_KEY, kid: 'renamed' }] });
    expect(() => configFromEnv({ ...env, AUTHORISATION_SERVER_SIGNING_KEYS: sandbox })).toThrow(/refuses the published sandbox signing key/);
  });

  it('refuses a partner registered with a sandbox partner key (schema/partners.json as committed, or one key copied)', () => {
    const sandboxPartners = new URL('../../schema/partners.json', import.meta.url);
    expect(() => configFromEnv({ ...env, PARTNERS_PATH: sandboxPartners.pathname })).toThrow(/partner "budget-app" is registered with a published sandbox key/);
    const sandboxKeys = JSON.parse(readFileSync(new URL('../../schema/sandbox-partner-keys.json', import.meta.url), 'utf8')) as Record<string, { keys: Record<string, unknown>[] }>;
    const { d: _private, ...publicHalf } = sandboxKeys['payroll-app']?.keys[0] ?? {};
    expect(() => configFromEnv({ ...env, PARTNERS_PATH: partnersWith({ ...publicHalf, kid: 'looks-new' }) })).toThrow(/partner "own-app" is registered with a published sandbox key/);
  });

  it('refuses the sandbox customers, the sandbox registry token and random cookie keys', () => {
    const { AUTHORISATION_SERVER_CUSTOMERS_PATH: _c, ...noCustomers } = env;
    expect(() => configFromEnv(noCustomers)).toThrow(/refuses the sandbox customers/);
    const { CONSENT_AUTHORISATION_TOKEN: _t, ...noToken } = env;
    expect(() => configFromEnv(noToken)).toThrow(/CONSENT_AUTHORISATION_TOKEN must be set/);
    expect(() => configFromEnv({ ...env, CONSENT_AUTHORISATION_TOKEN: 'sandbox-consent-authorisation-token' })).toThrow(/CONSENT_AUTHORISATION_TOKEN/);
    const { AUTHORISATION_SERVER_COOKIE_KEYS: _k, ...noCookies } = env;
    expect(() => configFromEnv(noCookies)).toThrow(/AUTHORISATION_SERVER_COOKIE_KEYS must be set/);
  });

  it('refuses a signing key set that is not private, without echoing it', () => {
    const secretish = '{"keys":[{"kty":"EC","crv":"P-256","x":"abc","y":"def"}]}';
    expect(() => configFromEnv({ ...env, AUTHORISATION_SERVER_SIGNING_KEYS: secretish })).toThrow(/of private keys/);
    let message = '';
    try {
      configFromEnv({ ...env, AUTHORISATION_SERVER_SIGNING_KEYS: 'not json d=very-secret' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/of private keys/);
    expect(message).not.toContain('very-secret');
  });

  it('outside production the sandbox defaults stand', () => {
    const config = configFromEnv({});
    expect(config.signingKeys).toEqual([SANDBOX_SIGNING_KEY]);
    expect(config.partners.get('budget-app')?.jwks.keys[0]?.kid).toBe('budget-app-sandbox-1');
    expect(config.consentsUrl).toBe('http://127.0.0.1:4205');
    expect(config.issuer).toBe('http://localhost:4110');
    expect(config.sandboxCustomers).toBe(true);
  });
});
