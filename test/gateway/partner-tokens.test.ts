import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, type AuthConfig } from '../../lib/config.js';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { TokenVerifier } from '../../lib/tokens.js';
import { AUTH, tokenFor } from './helpers.js';

// The gateway trusts two issuers: its own (sandbox HS256 here) for customers, staff and sandbox partners, and the
// bank's authorisation server for partners, whose keys it fetches from a JWKS URL (here a real HTTP server on port 0
// serving keys generated for the test). The token's `iss` picks the keys; an issuer it does not know is refused.

const AS_ISSUER = 'http://authorisation-server.test';

interface SigningKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly jwk: JWK;
}

async function signingKey(alg: string, kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

let jwksServer: Server;
let jwksUrl: string;
let served: JWK[] = [];
let fetches = 0;
let keys: Record<'es256' | 'ps256' | 'rs256' | 'unlisted', SigningKey>;
let config: AuthConfig;
let verifier: TokenVerifier;

beforeAll(async () => {
  keys = {
    es256: await signingKey('ES256', 'as-es256'),
    ps256: await signingKey('PS256', 'as-ps256'),
    rs256: await signingKey('RS256', 'as-rs256'),
    unlisted: await signingKey('ES256', 'as-unlisted'),
  };
  served = [keys.es256.jwk, keys.ps256.jwk, keys.rs256.jwk];
  jwksServer = createServer((req, res) => {
    fetches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: served }));
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/jwks`;
  config = authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: jwksUrl });
  verifier = new TokenVerifier(config, { rememberTokens: 0 });
});
afterAll(async () => {
  await new Promise<void>((resolve) => jwksServer?.close(() => resolve()));
});

/** An access token as the authorisation server issues it (contract: client_id, scope, sub, bankgraph:kind...). */
function asToken(
  key: SigningKey,
  claims: Record<string, unknown> = {},
  build: (jwt: SignJWT) => SignJWT = (jwt) => jwt,
): Promise<string> {
  return build(
    new SignJWT({ client_id: 'budget-app', scope: 'accounts:basic balances:read', 'bankgraph:kind': 'partner', ...claims })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .setSubject('cust-0001')
      .setIssuer(AS_ISSUER)
      .setAudience(config.audience)
      .setIssuedAt()
      .setExpirationTime('5m'),
  ).sign(key.privateKey);
}

async function refusal(token: string, v: TokenVerifier = verifier): Promise<BankError> {
  const err = await v.verifyToken(token).then(
    (p) => new Error(`expected a refusal, got ${JSON.stringify(p)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BankError);
  return err as BankError;
}

describe('tokens of the authorisation server', () => {
  it('verifies ES256, PS256 and RS256 tokens against its JWKS: client_id is the partner, the consent id is carried', async () => {
    for (const key of [keys.es256, keys.ps256, keys.rs256]) {
      const token = await asToken(key, { 'bankgraph:consent_id': 'aac-0b1d' });
      expect(await verifier.verifyToken(token), key.alg).toEqual({
        principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic', 'balances:read'], consent: null },
        consentId: 'aac-0b1d',
        authorisedBy: 'cust-0001',
      });
    }
    // A client-credentials token: sub is the client, no consent.
    const cc = await asToken(keys.es256, { scope: 'accounts payments' }, (j) => j.setSubject('budget-app'));
    expect(await verifier.verifyToken(cc)).toEqual({
      principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts', 'payments'], consent: null },
      consentId: null,
      authorisedBy: null,
    });
  });

  it('takes the consent from RFC 9396 authorization_details when the token has no bankgraph:consent_id', async () => {
    const detail = (consent_id: unknown, type = 'openbanking_account_access_consent') => ({ type, consent_id });
    const bound = await asToken(keys.es256, { authorization_details: [{ type: 'payment_initiation' }, detail('aac-rar')] });
    expect((await verifier.verifyToken(bound)).consentId).toBe('aac-rar');
    const payment = await asToken(keys.es256, { authorization_details: [detail('pdc-1', 'openbanking_payment_consent')] });
    expect((await verifier.verifyToken(payment)).consentId).toBe('pdc-1');
    expect((await verifier.verifyToken(await asToken(keys.es256, { authorization_details: [] }))).consentId).toBeNull();
    expect((await refusal(await asToken(keys.es256, { authorization_details: [detail('aac-1'), detail('aac-2')] }))).message).toMatch(/more than one consent/);
    expect((await refusal(await asToken(keys.es256, { authorization_details: [detail(7)] }))).message).toMatch(/consent_id/);
    expect((await refusal(await asToken(keys.es256, { authorization_details: 'aac-1' }))).message).toMatch(/must be a list/);
  });

  it('fetches the key set once and keeps it (jose caches it)', async () => {
    const v = new TokenVerifier(config, { rememberTokens: 0 });
    const before = fetches;
    for (let i = 0; i < 5; i++) await v.verifyToken(await asToken(keys.es256));
    expect(fetches - before).toBe(1);
  });

  it('still verifies first-party tokens (customers, staff, sandbox partners) with the sandbox secret', async () => {
    expect(await verifier.verify(await tokenFor({ customer: 'cust-0001' }))).toEqual({ kind: 'customer', customerId: 'cust-0001' });
    expect(await verifier.verify(await tokenFor({ staff: 'operations' }))).toMatchObject({ kind: 'staff', role: 'operations' });
    expect(await verifier.verifyToken(await tokenFor({ partner: 'budget-app', scopes: ['accounts:basic'], consentId: 'consent-budget-cust-0001' }))).toEqual({
      principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic'], consent: null },
      consentId: 'consent-budget-cust-0001',
      authorisedBy: null,
    });
  });

  it('refuses a token of an issuer it does not know, before fetching any key', async () => {
    const before = fetches;
    const stranger = await asToken(keys.es256, {}, (j) => j.setIssuer('http://evil.test'));
    const err = await refusal(stranger);
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/issuer this gateway does not trust/);
    const noIssuer = await new SignJWT({ 'bankgraph:kind': 'partner', client_id: 'budget-app' })
      .setProtectedHeader({ alg: 'ES256', kid: keys.es256.kid })
      .setSubject('budget-app')
      .setAudience(config.audience)
      .setExpirationTime('5m')
      .sign(keys.es256.privateKey);
    expect((await refusal(noIssuer)).message).toMatch(/"iss"/);
    expect(fetches).toBe(before);
  });

  it("refuses an HS256 token claiming the server's issuer, even signed with the sandbox secret, and the server's keys for the first-party issuer", async () => {
    const hs = await new SignJWT({ 'bankgraph:kind': 'partner', client_id: 'budget-app' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('budget-app')
      .setIssuer(AS_ISSUER)
      .setAudience(config.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(AUTH.jwtSecret));
    expect((await refusal(hs)).message).toMatch(/algorithm/);
    // The server's key does not sign first-party tokens (customers, staff): their issuer takes HS256 only here.
    const customer = await asToken(keys.es256, { 'bankgraph:kind': 'customer' }, (j) => j.setIssuer(AUTH.issuer));
    expect((await refusal(customer)).message).toMatch(/algorithm/);
  });

  it('refuses a token of the server standing for a customer or staff, without client_id, or signed by a key not in its JWKS', async () => {
    expect((await refusal(await asToken(keys.es256, { 'bankgraph:kind': 'customer' }))).message).toMatch(/partners only/);
    expect((await refusal(await asToken(keys.es256, { 'bankgraph:kind': undefined }))).message).toMatch(/partners only/);
    expect((await refusal(await asToken(keys.es256, { client_id: undefined }))).message).toMatch(/"client_id"/);
    expect((await refusal(await asToken(keys.es256, { client_id: 'a b' }))).message).toMatch(/"client_id"/);
    expect((await refusal(await asToken(keys.unlisted))).message).toMatch(/key this gateway does not know/);
    // The right kid with another key's signature.
    const forged = await asToken({ ...keys.unlisted, kid: keys.es256.kid });
    expect((await refusal(forged)).message).toMatch(/signature/);
    expect((await refusal(await asToken(keys.es256, {}, (j) => j.setAudience('another-bank')))).message).toMatch(/audience/);
    expect((await refusal(await asToken(keys.es256, {}, (j) => j.setExpirationTime(Math.floor(Date.now() / 1000) - 120)))).message).toMatch(/expired/);
  });

  it('answers UPSTREAM_UNAVAILABLE, not UNAUTHENTICATED, when the JWKS cannot be fetched', async () => {
    const down = createServer();
    await new Promise<void>((resolve) => down.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(down.address() as AddressInfo).port}/jwks`;
    await new Promise<void>((resolve) => down.close(() => resolve()));
    const v = new TokenVerifier(authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: url }));
    const err = await refusal(await asToken(keys.es256), v);
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.extensions.service).toBe('authorisation-server');
    // First-party tokens do not depend on it.
    expect(await v.verify(await tokenFor({ customer: 'cust-0001' }))).toEqual({ kind: 'customer', customerId: 'cust-0001' });
  });
});

describe('authConfig: the authorisation server', () => {
  it('trusts no authorisation server by default in production, only the one configured', async () => {
    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-at-least-32-bytes!',
      INTERNAL_CONTEXT_PRIVATE_KEY: JSON.stringify({ ...(await exportJWK(privateKey)), kid: 'prod-1' }),
    };
    expect(authConfig(production).partnerTokens).toBeUndefined();
    expect(authConfig({ ...production, PARTNER_TOKEN_ISSUER: 'https://as.bank.example', PARTNER_JWKS_URL: 'https://as.bank.example/jwks' }).partnerTokens).toEqual({
      issuer: 'https://as.bank.example',
      jwksUrl: 'https://as.bank.example/jwks',
    });
  });

  it('takes PARTNER_TOKEN_ISSUER and PARTNER_JWKS_URL together, and refuses one alone or the first-party issuer', () => {
    // Neither: the sandbox's authorisation server (npm start), its keys read on loopback.
    expect(authConfig({}).partnerTokens).toEqual({ issuer: 'http://localhost:4110', jwksUrl: 'http://127.0.0.1:4110/jwks' });
    expect(authConfig({ AUTHORISATION_SERVER_ISSUER: 'http://as.test', AUTHORISATION_SERVER_PORT: '4999' }).partnerTokens).toEqual({
      issuer: 'http://as.test',
      jwksUrl: 'http://127.0.0.1:4999/jwks',
    });
    expect(authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: 'http://127.0.0.1:4110/jwks' }).partnerTokens).toEqual({
      issuer: AS_ISSUER,
      jwksUrl: 'http://127.0.0.1:4110/jwks',
    });
    expect(() => authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER })).toThrow(/set both or neither/);
    expect(() => authConfig({ PARTNER_JWKS_URL: 'http://127.0.0.1:4110/jwks' })).toThrow(/set both or neither/);
    expect(() => authConfig({ PARTNER_TOKEN_ISSUER: 'bankgraph-sandbox', PARTNER_JWKS_URL: 'http://x/jwks' })).toThrow(/must differ from JWT_ISSUER/);
    expect(() => authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: 'not a url' })).toThrow(/absolute URL/);
  });
});
