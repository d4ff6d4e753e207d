import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { TokenVerifier, mintSandboxToken } from '../../lib/tokens.js';
import { AUTH, tokenFor } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const verifier = new TokenVerifier(AUTH);
const secretKey = new TextEncoder().encode(AUTH.jwtSecret);

/** The error a verification failed with; fails the test if it succeeded. */
async function refusal(token: string, v: TokenVerifier = verifier): Promise<BankError> {
  const err = await v.verify(token).then(
    (p) => new Error(`expected a refusal, got ${JSON.stringify(p)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BankError);
  return err as BankError;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('mintSandboxToken + TokenVerifier', () => {
  it('round-trips customers, staff and partners into principals', async () => {
    expect(await verifier.verify(await tokenFor({ customer: 'cust-0001' }))).toEqual({
      kind: 'customer',
      customerId: 'cust-0001',
    });
    expect(await verifier.verify(await tokenFor({ staff: 'support', staffId: 's-7' }))).toEqual({
      kind: 'staff',
      staffId: 's-7',
      role: 'support',
    });
    const partner = await verifier.verifyToken(await mintSandboxToken({ partner: 'budget-app', scopes: ['accounts', 'balances'], consentId: 'cons-1' }));
    // The consent is never taken from the token: the gateway asks the registry for it.
    expect(partner).toEqual({ principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts', 'balances'], consent: null }, consentId: 'cons-1', authorisedBy: null });
  });

  it("takes only the id of an older token's embedded consent, never the copy", async () => {
    const embedded = { id: 'cons-old', customerId: 'cust-0002', accountIds: ['acc-5004'], expiresAt: '2099-01-01T00:00:00Z' };
    const token = await new SignJWT({ 'bankgraph:kind': 'partner', scope: 'accounts:basic', 'bankgraph:consent': embedded })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('budget-app')
      .setIssuer(AUTH.issuer)
      .setAudience(AUTH.audience)
      .setExpirationTime('5m')
      .sign(secretKey);
    expect(await verifier.verifyToken(token)).toEqual({
      principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic'], consent: null },
      consentId: 'cons-old',
      authorisedBy: null,
    });
  });

  it('refuses an expired token', async () => {
    const err = await refusal(await tokenFor({ customer: 'cust-0001' }, { expiresIn: '-1h' }));
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/expired/);
  });

  it('refuses a token signed with another secret', async () => {
    const err = await refusal(await tokenFor({ customer: 'cust-0001' }, { secret: 'not-the-gateway-secret' }));
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/signature/);
  });

  it('refuses alg: none', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: 'cust-0001', 'bankgraph:kind': 'customer', iss: AUTH.issuer, aud: AUTH.audience, exp: now + 600 };
    const err = await refusal(`${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`);
    expect(err.code).toBe(ErrorCode.UNAUTHENTICATED);
    expect(err.message).toMatch(/algorithm/);
  });

  it('refuses another audience or issuer, a missing exp, an unknown kind, a staff role outside STAFF_ROLES', async () => {
    expect((await refusal(await tokenFor({ customer: 'c' }, { audience: 'another-bank' }))).message).toMatch(/audience/);
    const sign = (claims: Record<string, unknown>, build: (j: SignJWT) => SignJWT = (j) => j.setExpirationTime('5m')) =>
      build(
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('x-1')
          .setIssuer(AUTH.issuer)
          .setAudience(AUTH.audience),
      ).sign(secretKey);
    const otherIssuer = await new SignJWT({ 'bankgraph:kind': 'customer' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('c')
      .setIssuer('evil-idp')
      .setAudience(AUTH.audience)
      .setExpirationTime('5m')
      .sign(secretKey);
    expect((await refusal(otherIssuer)).message).toMatch(/issuer/);
    expect((await refusal(await sign({ 'bankgraph:kind': 'customer' }, (j) => j))).message).toMatch(/"exp"/);
    expect((await refusal(await sign({ 'bankgraph:kind': 'admin' }))).message).toMatch(/customer, staff or partner/);
    expect((await refusal(await sign({ 'bankgraph:kind': 'staff', 'bankgraph:role': 'root' }))).message).toMatch(
      /support, operations/,
    );
    expect((await refusal('not.a.token')).code).toBe(ErrorCode.UNAUTHENTICATED);
  });

  it('with a JWKS, accepts RS256 from the identity provider and refuses HS256 tokens', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256' };
    const jwksVerifier = new TokenVerifier(AUTH, { keys: createLocalJWKSet({ keys: [jwk] }) });
    const rs256 = await new SignJWT({ 'bankgraph:kind': 'customer' })
      .setProtectedHeader({ alg: 'RS256', kid: 'idp-1' })
      .setSubject('cust-0002')
      .setIssuer(AUTH.issuer)
      .setAudience(AUTH.audience)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await jwksVerifier.verify(rs256)).toEqual({ kind: 'customer', customerId: 'cust-0002' });
    const err = await refusal(await tokenFor({ customer: 'cust-0002' }), jwksVerifier);
    expect(err.message).toMatch(/algorithm/);
  });
});

describe('scripts/token.ts', () => {
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { ...process.env, JWT_SECRET: '', JWKS_URL: '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('prints on its last line a token the verifier accepts; bad arguments exit 2 with a message', async () => {
    const [good, staff, bad, none] = await Promise.all([
      run(['--customer', 'cust-0001', '--expires', '15m']),
      run(['--staff', 'operations']),
      run(['--staff', 'root']),
      run([]),
    ]);
    expect(good.code).toBe(0);
    const lastLine = good.stdout.trim().split('\n').at(-1) ?? '';
    expect(await verifier.verify(lastLine)).toEqual({ kind: 'customer', customerId: 'cust-0001' });
    expect(await verifier.verify(staff.stdout.trim().split('\n').at(-1) ?? '')).toMatchObject({ role: 'operations' });

    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--staff expects one of support, operations, got "root"/);
    expect(bad.stdout).toBe('');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/exactly one of --customer, --staff or --partner/);
  });
});
