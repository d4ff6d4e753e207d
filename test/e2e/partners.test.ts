import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig } from '../../lib/config.js';
import { ConsentStore } from '../../lib/consents.js';
import { MemoryStore } from '../../lib/store/index.js';
import { TokenVerifier } from '../../lib/tokens.js';
import { DASHBOARD } from '../support/operations.js';
import { startStack, type GraphQLAnswer, type Stack } from '../support/stack.js';

// Partners end to end: the token script's partner tokens, persisted operations from the committed manifests, and
// the consent asked of the journeys' consent registry on every request (revoked or expired: refused from the next
// request on, with CONSENT_REVOKED / CONSENT_EXPIRED).

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The id of a committed persisted operation, by manifest and operation name. */
function idOf(manifest: string, operation: string): string {
  const entries = Object.entries(JSON.parse(readFileSync(`${ROOT}schema/persisted/${manifest}.json`, 'utf8')) as Record<string, string>);
  const found = entries.find(([, doc]) => new RegExp(`^(query|mutation) ${operation}\\b`, 'm').test(doc));
  if (!found) throw new Error(`no operation ${operation} in schema/persisted/${manifest}.json`);
  return found[0];
}

const token = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, JWT_SECRET: '', JWKS_URL: '' },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr, token: stdout.trim().split('\n').at(-1) ?? '' }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr, token: '' }),
  );

const verifier = new TokenVerifier(authConfig({ NODE_ENV: 'test' }));

describe('scripts/token.ts for partners', () => {
  it("prints a token with the partner's granted scopes and its sandbox consent; --scope narrows, --consent chooses", async () => {
    const [budget, narrowed, chosen, payroll] = await Promise.all([
      token(['--partner', 'budget-app']),
      token(['--partner', 'budget-app', '--scope', 'balances:read']),
      token(['--partner', 'budget-app', '--consent', 'consent-other']),
      token(['--partner', 'payroll-app', '--expires', '15m']),
    ]);
    expect(budget.code).toBe(0);
    expect(await verifier.verifyToken(budget.token)).toEqual({
      principal: {
        kind: 'partner',
        clientId: 'budget-app',
        scopes: ['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read'],
        consent: null,
      },
      consentId: 'consent-budget-cust-0001',
      // A sandbox token stands for the partner alone: no customer's authorisation code behind it.
      authorisedBy: null,
    });
    expect(budget.stdout).toMatch(/partner budget-app .*under consent consent-budget-cust-0001/);
    expect((await verifier.verifyToken(narrowed.token)).principal).toMatchObject({ scopes: ['balances:read'] });
    expect((await verifier.verifyToken(chosen.token)).consentId).toBe('consent-other');
    expect(await verifier.verifyToken(payroll.token)).toMatchObject({
      principal: { clientId: 'payroll-app', scopes: ['accounts:basic', 'payments:initiate'] },
      consentId: 'consent-payroll-cust-0001',
    });
  });

  it('refuses an unknown partner and scopes beyond the grant (exit 2)', async () => {
    const [unknown, beyond] = await Promise.all([
      token(['--partner', 'stranger-app']),
      token(['--partner', 'payroll-app', '--scope', 'accounts:basic transactions:read']),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--partner expects a partner of schema\/partners.json \(budget-app, payroll-app\), got "stranger-app"/);
    expect(beyond.code).toBe(2);
    expect(beyond.stderr).toMatch(/not granted: transactions:read/);
  });
});

describe('partners at the gateway (end to end)', () => {
  // COORDINATOR (after B1): consents live in the journeys' store, which the gateway asks on every request; create and
  // revoke them with B1's registry API on this store.
  const store = new MemoryStore();
  const consents = new ConsentStore(store);
  let stack: Stack;
  let budget: string;
  let payroll: string;

  beforeAll(async () => {
    stack = await startStack({ store });
    [budget, payroll] = await Promise.all([token(['--partner', 'budget-app']), token(['--partner', 'payroll-app'])]).then((t) =>
      t.map((r) => r.token),
    );
  });
  afterAll(() => stack?.stop());

  async function persisted(id: string, variables: Record<string, unknown>, as: string): Promise<GraphQLAnswer> {
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` },
      body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLAnswer['body'] };
  }

  const codes = (a: GraphQLAnswer) => (a.body.errors ?? []).map((e) => e.extensions?.code);
  const accountIds = (a: GraphQLAnswer) =>
    ((a.body.data?.customer as { accounts?: { id: string }[] | null } | null)?.accounts ?? []).map((x) => x.id);

  it("runs budget-app's AccountsOverview by id: cust-0001's consented accounts, no others", async () => {
    const answer = await persisted(idOf('budget-app', 'AccountsOverview'), { customerId: 'cust-0001' }, budget);
    expect(answer.status).toBe(200);
    expect(codes(answer).filter((c) => String(c).startsWith('PERSISTED_OPERATION'))).toEqual([]);
    expect(answer.body.errors).toBeUndefined();
    expect(accountIds(answer)).toEqual(['acc-5001', 'acc-5002']);
    expect(JSON.stringify(answer.body)).toMatch(/"2450.75"/);
  });

  it("runs RecentTransactions on a consented account only", async () => {
    const id = idOf('budget-app', 'RecentTransactions');
    const consented = await persisted(id, { accountId: 'acc-5001', first: 3 }, budget);
    expect(consented.body.errors).toBeUndefined();
    const account = consented.body.data?.account as { id: string; transactions: { nodes: unknown[] } };
    expect(account.id).toBe('acc-5001');
    expect(account.transactions.nodes).toHaveLength(3);
    const other = await persisted(id, { accountId: 'acc-5003', first: 3 }, budget);
    expect(other.body.data?.account ?? null).toBeNull();
    expect(codes(other)).toContain('FORBIDDEN');
  });

  it('pays with payroll-app\'s PayEmployee from the consented account; from an account outside the consent it is refused', async () => {
    const id = idOf('payroll-app', 'PayEmployee');
    const input = (sourceAccountId: string) => ({
      sourceAccountId,
      amount: { amount: '10.00', currency: 'EUR' },
      beneficiary: { name: 'Jane Employee', iban: 'DE75512108001245126199', bic: 'DEUTDEFF', country: 'DE' },
      remittance: 'salary',
    });
    const paid = await persisted(id, { idempotencyKey: `payroll-${Date.now()}`, input: input('acc-5001') }, payroll);
    expect(paid.status).toBe(200);
    expect(paid.body.errors).toBeUndefined();
    expect((paid.body.data?.sendInternationalPayment as { journey: { status: string } }).journey.status).toBe('COMPLETED');
    const refused = await persisted(id, { idempotencyKey: `payroll-${Date.now()}-x`, input: input('acc-5002') }, payroll);
    expect(refused.body.data ?? null).toBeNull();
    // Told what is wrong (the consent does not cover that account), not "Only customers can ask for this".
    expect(codes(refused)).toEqual(['ACCOUNT_NOT_IN_CONSENT']);
    const message = (refused.body.errors as { message: string }[])[0]!.message;
    expect(message).toMatch(/consent/i);
    expect(message).toContain('acc-5002');
    expect(message).not.toMatch(/only customers/i);
  });

  it('refuses a free-form document from a partner with PERSISTED_OPERATION_REQUIRED', async () => {
    const answer = await stack.graphql('{ customer(id: "cust-0001") { accounts { id } } }', {}, budget);
    expect(answer.status).toBe(400);
    expect(answer.body.data ?? null).toBeNull();
    expect(codes(answer)).toEqual(['PERSISTED_OPERATION_REQUIRED']);
  });

  it("refuses budget-app's id from payroll-app, and an unknown id, with PERSISTED_OPERATION_NOT_FOUND", async () => {
    const stolen = await persisted(idOf('budget-app', 'AccountsOverview'), { customerId: 'cust-0001' }, payroll);
    expect(stolen.status).toBe(400);
    expect(codes(stolen)).toEqual(['PERSISTED_OPERATION_NOT_FOUND']);
    const unknown = await persisted('f'.repeat(64), {}, budget);
    expect(codes(unknown)).toEqual(['PERSISTED_OPERATION_NOT_FOUND']);
  });

  it('refuses the request after a consent is revoked, or once it has expired, with the code of each, nothing read', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const base = { partner: 'budget-app', customerId: 'cust-0001', accountIds: ['acc-5001'], permissions: ['accounts:basic', 'balances:read'] } as const;
    await consents.create({ ...base, id: 'consent-e2e-revoked', expiresAt });
    await consents.create({ ...base, id: 'consent-e2e-expired', expiresAt: new Date(Date.now() - 1000).toISOString() });
    const overview = idOf('budget-app', 'AccountsOverview');

    const revocable = (await token(['--partner', 'budget-app', '--consent', 'consent-e2e-revoked'])).token;
    const before = await persisted(overview, { customerId: 'cust-0001' }, revocable);
    expect(accountIds(before)).toEqual(['acc-5001']);
    await consents.revoke('consent-e2e-revoked');
    for (const [consent, code] of [['consent-e2e-revoked', 'CONSENT_REVOKED'], ['consent-e2e-expired', 'CONSENT_EXPIRED']] as const) {
      const as = consent === 'consent-e2e-revoked' ? revocable : (await token(['--partner', 'budget-app', '--consent', consent])).token;
      const after = await persisted(overview, { customerId: 'cust-0001' }, as);
      expect(after.status, consent).toBe(403);
      expect(after.body.data ?? null, consent).toBeNull();
      expect(codes(after), consent).toEqual([code]);
      expect(JSON.stringify(after.body)).not.toMatch(/acc-5001|2450/);
    }
  });

  it('still serves first-party documents and first-party ids', async () => {
    const customer = await stack.customerToken('cust-0001');
    const document = await stack.graphql('{ me { accounts { id } } }', {}, customer);
    expect(document.body.errors).toBeUndefined();
    expect((document.body.data?.me as { accounts: unknown[] }).accounts).toHaveLength(3);
    const dashboard = await persisted(idOf('first-party', 'Dashboard'), { currency: 'EUR' }, customer);
    expect(dashboard.status).toBe(200);
    expect(codes(dashboard).filter((c) => String(c).startsWith('PERSISTED_OPERATION'))).toEqual([]);
    expect(dashboard.body.data?.me).toBeTruthy();
    expect(DASHBOARD).toContain('query Dashboard');
  });
});
