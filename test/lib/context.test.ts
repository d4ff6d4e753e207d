import { describe, expect, it } from 'vitest';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import { ContextSigner, ContextVerifier, InvalidContextError } from '../../lib/context.js';
import type { Principal } from '../../lib/principal.js';

/**
 * The signed internal context is signed and verified with node:crypto (lib/context.ts), and must stay a JWT that
 * jose signs and verifies the same way, with the same refusals.
 */

const SECRET = 'a-test-internal-context-secret';
const key = new TextEncoder().encode(SECRET);
const principal: Principal = { kind: 'customer', customerId: 'cust-0001' };
const now = () => Math.floor(Date.now() / 1000);

/** A context as jose would sign it; `header` and `claims` override the defaults, `undefined` removes a claim. */
async function joseContext(claims: Partial<Record<string, unknown>> = {}, header: Record<string, unknown> = {}, secret = key): Promise<string> {
  const all: Record<string, unknown> = { p: principal, rid: 'req-1', iss: 'bankgraph-gateway', aud: 'bankgraph-subgraph', iat: now(), exp: now() + 60, ...claims };
  for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
  return new SignJWT(all as JWTPayload).setProtectedHeader({ alg: 'HS256', typ: 'bankgraph-context+jwt', ...header }).sign(secret);
}

async function refusal(token: string, verifier = new ContextVerifier(SECRET)): Promise<string> {
  const err = await verifier.verify(token).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InvalidContextError);
  return (err as Error).message;
}

describe('the signed internal context', () => {
  it('is a JWT jose verifies with the checks subgraphs apply', async () => {
    const token = await new ContextSigner(SECRET, 60).sign({ principal, requestId: 'req-1' });
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      issuer: 'bankgraph-gateway',
      audience: 'bankgraph-subgraph',
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'iat'],
    });
    expect(protectedHeader).toEqual({ alg: 'HS256', typ: 'bankgraph-context+jwt' });
    expect(payload).toMatchObject({ p: principal, rid: 'req-1' });
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(60);
  });

  it('verifies what jose signs, and what it signs itself', async () => {
    const verifier = new ContextVerifier(SECRET);
    expect(await verifier.verify(await joseContext())).toEqual({ principal, requestId: 'req-1' });
    expect(await verifier.verify(await joseContext({ aud: ['other', 'bankgraph-subgraph'] }))).toEqual({ principal, requestId: 'req-1' });
    expect(await verifier.verify(await new ContextSigner(SECRET, 60).sign({ principal, requestId: 'req-2' }))).toEqual({ principal, requestId: 'req-2' });
  });

  it('refuses a missing context, another key, a changed payload and signature, and alg none', async () => {
    await expect(new ContextVerifier(SECRET).verify(undefined)).rejects.toThrow('missing signed context');
    expect(await refusal(await joseContext({}, {}, new TextEncoder().encode('another-secret')))).toBe('invalid signed context');
    const [header, payload, signature] = (await joseContext()).split('.') as [string, string, string];
    const staff = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), p: { kind: 'staff', staffId: 'x', role: 'operations' } })).toString('base64url');
    expect(await refusal(`${header}.${staff}.${signature}`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}.${signature.slice(0, -2)}`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}.${signature}!`)).toBe('invalid signed context');
    expect(await refusal(`${header}.${payload}`)).toBe('invalid signed context');
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    expect(await refusal(`${none}.${payload}.`)).toBe('invalid signed context');
    expect(await refusal('not a token')).toBe('invalid signed context');
  });

  it('refuses a header that is not HS256, or that names critical extensions', async () => {
    // Signed by hand with HMAC-SHA256 and the right key, so only the header check can refuse them.
    expect(await verifyForged({ alg: 'HS256', typ: 'JWT' })).toEqual({ principal, requestId: 'r' });
    expect(await refusal(await forged({ alg: 'HS512' }))).toBe('invalid signed context');
    expect(await refusal(await forged({ alg: 'none' }))).toBe('invalid signed context');
    expect(await refusal(await forged({ typ: 'JWT' }))).toBe('invalid signed context');
    expect(await refusal(await forged({ alg: 'HS256', crit: ['x-unknown'], 'x-unknown': 1 }))).toBe('invalid signed context');
  });

  it('refuses the wrong issuer or audience, missing or non-numeric times, and a context not yet valid', async () => {
    for (const claims of [
      { iss: 'someone-else' },
      { iss: undefined },
      { aud: 'bankgraph-gateway' },
      { aud: undefined },
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

  it('refuses an expired context as expired', async () => {
    expect(await refusal(await joseContext({ iat: now() - 120, exp: now() - 60 }))).toBe('expired signed context');
    expect(await refusal(await joseContext({ iat: now() - 60, exp: now() }))).toBe('expired signed context');
  });

  it('remembers a verified context only until it expires', async () => {
    const verifier = new ContextVerifier(SECRET);
    const exp = now() + 2;
    const token = await joseContext({ exp });
    expect(await verifier.verify(token)).toEqual({ principal, requestId: 'req-1' });
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expect(await refusal(token, verifier)).toBe('expired signed context');
  });
});

/** A context with this header, signed by hand with HMAC-SHA256 and the right key. */
async function forged(header: Record<string, unknown>): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const h = Buffer.from(JSON.stringify(header)).toString('base64url');
  const payload = Buffer.from(JSON.stringify({ p: principal, rid: 'r', iss: 'bankgraph-gateway', aud: 'bankgraph-subgraph', iat: now(), exp: now() + 60 })).toString('base64url');
  return `${h}.${payload}.${createHmac('sha256', SECRET).update(`${h}.${payload}`).digest('base64url')}`;
}

async function verifyForged(header: Record<string, unknown>) {
  return new ContextVerifier(SECRET).verify(await forged(header));
}
