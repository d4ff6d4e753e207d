import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SignJWT, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { SANDBOX_CONTEXT_KEY_ID, authConfig, contextPublicKeys } from '../../lib/config.js';
import { parsePublicKeys, parseSigningKey, publicKeyOf, type ContextSigningKey } from '../../lib/context-keys.js';
import { ContextSigner, ContextVerifier, InvalidContextError } from '../../lib/context.js';
import type { Principal } from '../../lib/principal.js';

/**
 * The signed internal context (lib/context.ts): signed by the gateway's private key, verified with public keys only,
 * for one subgraph (the audience) and until the fetch's deadline. It is a JWT jose signs and verifies the same way.
 */

/** A fresh key pair, as the gateway's signing key: Ed25519 (EdDSA) unless P-256 (ES256) is asked for. */
function newKey(kid: string, type: 'ed25519' | 'p256' = 'ed25519'): ContextSigningKey {
  const { privateKey } = type === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return parseSigningKey(JSON.stringify(privateKey.export({ format: 'jwk' })), kid);
}

const KEY = newKey('key-2026-12');
const KEYS = { keys: [publicKeyOf(KEY)] };
const principal: Principal = { kind: 'customer', customerId: 'cust-0001' };
const now = () => Math.floor(Date.now() / 1000);
const inTenSeconds = () => ({ audience: 'accounts', expiresAtMs: Date.now() + 10_000 });

/** A context as jose would sign it; `header` and `claims` override the defaults, `undefined` removes a claim. */
async function joseContext(claims: Partial<Record<string, unknown>> = {}, header: Record<string, unknown> = {}, key: ContextSigningKey = KEY): Promise<string> {
  const all: Record<string, unknown> = { p: principal, rid: 'req-1', iss: 'bankgraph-gateway', aud: 'accounts', iat: now(), exp: now() + 10, ...claims };
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  return new SignJWT(all as JWTPayload)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'bankgraph-context+jwt', ...header })
    // jose signs a `crit` extension only when told it is understood.
    .sign(await importJWK(key.jwk, key.alg), header.crit ? { crit: { 'x-unknown': true } } : {});
}

async function refusal(token: string, verifier = new ContextVerifier(KEYS), audience = 'accounts'): Promise<string> {
  const err = await verifier.verify(token, audience).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidContextError);
  return (err as Error).message;
}

describe('the signed internal context', () => {
  it('is a JWT jose verifies with the public key alone: kid, audience, and the deadline as exp', async () => {
    const expiresAtMs = Date.now() + 3_000;
    const token = await new ContextSigner(KEY).sign({ principal, requestId: 'req-1' }, { audience: 'cards', expiresAtMs });
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(publicKeyOf(KEY), 'EdDSA'), {
      issuer: 'bankgraph-gateway',
      audience: 'cards',
      algorithms: ['EdDSA'],
      requiredClaims: ['exp', 'iat'],
    });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: 'key-2026-12', typ: 'bankgraph-context+jwt' });
    expect(payload).toMatchObject({ p: principal, rid: 'req-1', aud: 'cards' });
    expect((payload.exp ?? 0) * 1000).toBe(Math.floor(expiresAtMs));
  });

  it('verifies what jose signs, and what it signs itself, with EdDSA or ES256', async () => {
    const verifier = new ContextVerifier(KEYS);
    expect(await verifier.verify(await joseContext(), 'accounts')).toEqual({ principal, requestId: 'req-1' });
    expect(await verifier.verify(await new ContextSigner(KEY).sign({ principal, requestId: 'req-2' }, inTenSeconds()), 'accounts')).toEqual({ principal, requestId: 'req-2' });
    const p256 = newKey('p256-1', 'p256');
    const token = await new ContextSigner(p256).sign({ principal, requestId: 'req-3' }, inTenSeconds());
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES256', kid: 'p256-1' });
    expect(await new ContextVerifier({ keys: [publicKeyOf(p256)] }).verify(token, 'accounts')).toEqual({ principal, requestId: 'req-3' });
  });

  it('refuses a context for another subgraph, even one it verified for its own audience before', async () => {
    const verifier = new ContextVerifier(KEYS);
    const forCards = await new ContextSigner(KEY).sign({ principal, requestId: 'r' }, { audience: 'cards', expiresAtMs: Date.now() + 10_000 });
    expect(await refusal(forCards, verifier)).toBe('signed context is for another subgraph');
    expect(await verifier.verify(forCards, 'cards')).toEqual({ principal, requestId: 'r' });
    expect(await refusal(forCards, verifier, 'accounts')).toBe('signed context is for another subgraph');
    expect(await refusal(await joseContext({ aud: 'bankgraph-subgraph' }))).toBe('signed context is for another subgraph');
    expect(await refusal(await joseContext({ aud: undefined }))).toBe('signed context is for another subgraph');
  });

  it('refuses a context signed with a key it does not hold: another key under the same kid, or the old shared HS256 secret', async () => {
    expect(await refusal(await joseContext({}, {}, newKey(KEY.kid)))).toBe('invalid signed context');
    expect(await refusal(await joseContext({}, {}, newKey('someone-elses')))).toBe('invalid signed context');
    // What every subgraph could sign before: HS256 with the one shared secret, and the sandbox's published one.
    for (const secret of ['bankgraph-sandbox-internal-context-secret', 'a-test-internal-context-secret']) {
      const hs256 = await new SignJWT({ p: { kind: 'staff', staffId: 'x', role: 'operations' }, rid: 'r', iss: 'bankgraph-gateway', aud: 'accounts', iat: now(), exp: now() + 60 })
        .setProtectedHeader({ alg: 'HS256', kid: KEY.kid, typ: 'bankgraph-context+jwt' })
        .sign(new TextEncoder().encode(secret));
      expect(await refusal(hs256)).toBe('invalid signed context');
    }
  });

  it('refuses a missing context, a changed payload and signature, and alg none', async () => {
    await expect(new ContextVerifier(KEYS).verify(undefined, 'accounts')).rejects.toThrow('missing signed context');
    const [header, payload, signature] = (await joseContext()).split('.') as [string, string, string];
    const staff = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: { kind: 'staff', staffId: 'x', role: 'operations' } })).toString('base64url');
    expect(await refusal(`${header}.${staff}.${signature}`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}.${signature.slice(0, -2)}`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}.${signature}!`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}`)).toBe('invalid signed context');
    const none = Buffer.from(JSON.stringify({ alg: 'none', kid: KEY.kid })).toString('base64url');
    expect(await refusal(`${none}.${payload}.`)).toBe('invalid signed context');
    expect(await refusal('not a token')).toBe('invalid signed context');
  });

  it('refuses another typ, critical extensions, the wrong issuer, missing times, a context not yet valid, no principal', async () => {
    expect(await refusal(await joseContext({}, { typ: 'JWT' }))).toBe('invalid signed context');
    expect(await refusal(await joseContext({}, { crit: ['x-unknown'], 'x-unknown': 1 }))).toBe('invalid signed context');
    for (const claims of [
      { iss: 'someone-else' },
      { iss: undefined },
      { exp: undefined },
      { exp: String(now() + 60) },
      { iat: undefined },
      { nbf: now() + 120 },
      { p: undefined },
      { p: 'customer' },
    ]) {
      const message = await refusal(await joseContext(claims));
      expect(message, JSON.stringify(claims)).toMatch(/^(invalid signed context|signed context carries no principal)$/);
    }
  });

  it('refuses an expired context as expired, to the millisecond', async () => {
    expect(await refusal(await joseContext({ iat: now() - 120, exp: now() - 60 }))).toBe('expired signed context');
    expect(await refusal(await joseContext({ iat: now() - 60, exp: now() }))).toBe('expired signed context');
    // Expired 50 ms ago: jose alone compares whole seconds and would still take it within the second.
    expect(await refusal(await joseContext({ exp: (Date.now() - 50) / 1000 }))).toBe('expired signed context');
  });

  it('accepts both kids while it holds both public keys (a rotation), and only the new one once the old is gone', async () => {
    const next = newKey('key-2027-01');
    const during = new ContextVerifier({ keys: [publicKeyOf(KEY), publicKeyOf(next)] });
    const old = await new ContextSigner(KEY).sign({ principal, requestId: 'old' }, inTenSeconds());
    const fresh = await new ContextSigner(next).sign({ principal, requestId: 'new' }, inTenSeconds());
    expect(await during.verify(old, 'accounts')).toEqual({ principal, requestId: 'old' });
    expect(await during.verify(fresh, 'accounts')).toEqual({ principal, requestId: 'new' });
    const after = new ContextVerifier({ keys: [publicKeyOf(next)] });
    expect(await after.verify(fresh, 'accounts')).toEqual({ principal, requestId: 'new' });
    expect(await refusal(old, after)).toBe('invalid signed context');
  });

  it('remembers a verified context only until it expires', async () => {
    const verifier = new ContextVerifier(KEYS);
    const expiresAtMs = Date.now() + 500;
    const token = await new ContextSigner(KEY).sign({ principal, requestId: 'req-1' }, { audience: 'accounts', expiresAtMs });
    expect(await verifier.verify(token, 'accounts')).toEqual({ principal, requestId: 'req-1' });
    await new Promise((resolve) => setTimeout(resolve, expiresAtMs - Date.now() + 20));
    expect(await refusal(token, verifier)).toBe('expired signed context');
  });

  it('the sandbox: the gateway signs with the published key, the subgraphs verify with its public half', async () => {
    const token = await new ContextSigner(authConfig({}).internalContextKey).sign({ principal, requestId: 'sandbox' }, inTenSeconds());
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'EdDSA', kid: SANDBOX_CONTEXT_KEY_ID });
    expect(contextPublicKeys({}).keys.every((k) => !('d' in k))).toBe(true);
    expect(await new ContextVerifier(contextPublicKeys({})).verify(token, 'accounts')).toEqual({ principal, requestId: 'sandbox' });
  });
});

describe('the context keys', () => {
  const jwk = KEY.jwk;

  it('reads a private key as PKCS8 PEM or as a JWK, with its kid from INTERNAL_CONTEXT_KEY_ID or the JWK', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const fromPem = parseSigningKey(pem, 'k-pem');
    const fromJwk = parseSigningKey(JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: 'k-pem' }), undefined);
    expect(fromPem).toEqual(fromJwk);
    expect(fromPem).toMatchObject({ kid: 'k-pem', alg: 'EdDSA' });
    expect(() => parseSigningKey(pem, undefined)).toThrow(/needs a key id/);
    expect(() => parseSigningKey(JSON.stringify({ ...jwk, kid: 'a' }), 'b')).toThrow(/has kid "a" but INTERNAL_CONTEXT_KEY_ID says "b"/);
    expect(() => parseSigningKey(JSON.stringify(publicKeyOf(KEY)), 'k')).toThrow(/not a private key/);
    expect(() => parseSigningKey(JSON.stringify({ kty: 'oct', k: 'c2VjcmV0', d: 'x' }), 'k')).toThrow(/not a readable private JWK/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(() => parseSigningKey(rsa, 'k')).toThrow(/not an Ed25519 or P-256 key/);
    expect(() => parseSigningKey('bankgraph-sandbox-internal-context-secret', 'k')).toThrow(/neither a PEM key nor JSON/);
  });

  it('reads public keys as a JWKS, and refuses a private key, a key without kid and a repeated kid', () => {
    const pub: JWK = publicKeyOf(KEY);
    expect(parsePublicKeys(JSON.stringify({ keys: [pub] })).keys).toEqual([pub]);
    expect(() => parsePublicKeys(JSON.stringify({ keys: [jwk] }))).toThrow(/private key: subgraphs hold public keys only/);
    expect(() => parsePublicKeys(JSON.stringify({ keys: [{ ...pub, kid: undefined }] }))).toThrow(/has no "kid"/);
    expect(() => parsePublicKeys(JSON.stringify({ keys: [pub, pub] }))).toThrow(/two keys with kid/);
    expect(() => parsePublicKeys(JSON.stringify({ keys: [] }))).toThrow(/at least one key/);
    expect(() => parsePublicKeys(JSON.stringify([pub]))).toThrow(/not a JSON object/);
    expect(() => contextPublicKeys({ INTERNAL_CONTEXT_PUBLIC_KEYS: JSON.stringify({ keys: [jwk] }) })).toThrow(/^INTERNAL_CONTEXT_PUBLIC_KEYS key 0 is a private key/);
  });
});
