import { describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, type JWTVerifyGetKey } from 'jose';
import { authConfig } from '../../lib/config.js';
import { BankError } from '../../lib/errors.js';
import { TokenVerifier } from '../../lib/tokens.js';

/**
 * TokenVerifier remembers the tokens it verified (lib/tokens.ts): the same token is verified once, not once per
 * request, and yet refused as soon as jose would refuse it. The key source below is a real local JWKS; it counts how
 * often jose asked it for a key, i.e. how many verifications really ran.
 */

const AUTH = authConfig({ NODE_ENV: 'test' });
const { publicKey, privateKey } = await generateKeyPair('ES256');
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] });

function countingKeys(): { keys: JWTVerifyGetKey; calls: () => number } {
  let calls = 0;
  const keys: JWTVerifyGetKey = (header, token) => {
    calls++;
    return jwks(header, token);
  };
  return { keys, calls: () => calls };
}

async function tokenOf(sub: string, exp: number | string = '5m', claims: Record<string, unknown> = { 'bankgraph:kind': 'customer' }): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setSubject(sub)
    .setIssuer(AUTH.issuer)
    .setAudience(AUTH.audience)
    .setExpirationTime(exp)
    .sign(privateKey);
}

async function refusal(verifier: TokenVerifier, token: string): Promise<string> {
  const err = await verifier.verify(token).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(BankError);
  return (err as BankError).message;
}

describe('TokenVerifier remembering verified tokens', () => {
  it('verifies a token once however often it is sent, and never serves another token text from memory', async () => {
    const { keys, calls } = countingKeys();
    const verifier = new TokenVerifier(AUTH, { keys });
    const token = await tokenOf('cust-0001');
    for (let i = 0; i < 5; i++) expect(await verifier.verify(token)).toEqual({ kind: 'customer', customerId: 'cust-0001' });
    expect(calls()).toBe(1);
    // The same claims with a broken signature are another text: verified, and refused.
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const broken = `${header}.${payload}.${signature.slice(0, -4)}AAAA`;
    expect(await refusal(verifier, broken)).toMatch(/signature/);
    expect(calls()).toBe(2);
  });

  it('refuses a remembered token once it expires, as jose would', async () => {
    const { keys, calls } = countingKeys();
    const verifier = new TokenVerifier(AUTH, { keys, clockToleranceSeconds: 0 });
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await tokenOf('cust-0001', exp);
    expect(await verifier.verify(token)).toEqual({ kind: 'customer', customerId: 'cust-0001' });
    expect(await verifier.verify(token)).toEqual({ kind: 'customer', customerId: 'cust-0001' });
    expect(calls()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    expect(await refusal(verifier, token)).toBe('The bearer token has expired.');
    expect(await refusal(verifier, token)).toBe('The bearer token has expired.');
  });

  it('forgets the least recently used token beyond its bound, and remembers nothing with rememberTokens 0', async () => {
    const { keys, calls } = countingKeys();
    const verifier = new TokenVerifier(AUTH, { keys, rememberTokens: 2 });
    const [a, b, c] = await Promise.all([tokenOf('cust-a'), tokenOf('cust-b'), tokenOf('cust-c')]);
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recently used
    await verifier.verify(c); // b goes
    expect(calls()).toBe(3);
    await verifier.verify(a);
    expect(calls()).toBe(3);
    await verifier.verify(b);
    expect(calls()).toBe(4);

    const none = countingKeys();
    const forgetful = new TokenVerifier(AUTH, { keys: none.keys, rememberTokens: 0 });
    await forgetful.verify(a);
    await forgetful.verify(a);
    expect(none.calls()).toBe(2);
  });

  it('hands out a copy: changing a principal does not change what the next request gets', async () => {
    const verifier = new TokenVerifier(AUTH, { keys: countingKeys().keys });
    const token = await tokenOf('client-1', '5m', { 'bankgraph:kind': 'partner', scope: 'accounts:basic balances:read' });
    const first = await verifier.verifyToken(token);
    if (first.principal.kind !== 'partner') throw new Error('expected a partner');
    (first.principal.scopes as string[]).push('payments:initiate');
    const second = await verifier.verifyToken(token);
    expect(second.principal).toEqual({ kind: 'partner', clientId: 'client-1', scopes: ['accounts:basic', 'balances:read'], consent: null });
  });
});
