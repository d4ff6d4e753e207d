import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { startStack, type Stack } from '../support/stack.js';
import { authConfig } from '../../lib/config.js';
import { ConsentStore } from '../../lib/consents.js';
import { MemoryStore } from '../../lib/store/index.js';
import { ContextSigner } from '../../lib/context.js';
import type { Consent, Principal } from '../../lib/principal.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import { SUPERGRAPH_PATH } from '../../schema/compose.js';

/**
 * Partner access: a partner sees what its scopes allow (the schema's @scopes), of the consented customer and accounts
 * only, while the consent is live. The subgraphs are the enforcement point, so most of these call them directly with
 * a signed context for a partner principal, as the gateway would; the gateway-level checks make sure nothing outside
 * the consent comes back through the graph whatever the gateway does with partner tokens.
 */

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };

const HOUR = 3_600_000;
const consentFor = (overrides: Partial<Consent> = {}): Consent => ({
  id: 'cns-1',
  customerId: 'cust-0001',
  accountIds: ['acc-5001'],
  expiresAt: new Date(Date.now() + HOUR).toISOString(),
  ...overrides,
});
const partner = (scopes: string[], consent: Consent | null = consentFor()): Principal => ({ kind: 'partner', clientId: 'budget-app', scopes, consent });
const BASIC_AND_BALANCES = ['accounts:basic', 'balances:read'];

/** What must never come back for the basic+balances partner: acc-5002/5003, transactions, profile, cards, other customers. */
const OUTSIDE_CONSENT = /acc-5002|acc-5003|1200\.00|310\.40|000005001|Hartmann|example\.com|1988|crd_|last4|"nodes"|riskScore|pockets|cust-0002/;

describe('partner access', () => {
  let stack: Stack;
  const signer = new ContextSigner(authConfig({ NODE_ENV: 'test' }).internalContextKey);
  // COORDINATOR (after B1): consents live in the journeys' store now, which the gateway asks on every request
  // (POST /internal/consents/{id}/access); create and revoke them with B1's registry API on this store.
  const journeysStore = new MemoryStore();
  const consents = new ConsentStore(journeysStore);
  beforeAll(async () => {
    stack = await startStack({ store: journeysStore });
  });
  afterAll(() => stack?.stop());

  async function ask(subgraph: keyof Stack['subgraphs'], principal: Principal, query: string, variables?: Record<string, unknown>): Promise<Answer> {
    const context = await signer.sign({ principal, requestId: 'req-partner-access' }, { audience: subgraph, expiresAtMs: Date.now() + 10_000 });
    const res = await fetch(stack.subgraphs[subgraph].url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bankgraph-context': context },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer;
  }
  const codes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code);
  const entities = (typename: string, id: string, selection: string) =>
    `{ _entities(representations: [{ __typename: "${typename}", id: "${id}" }]) { ... on ${typename} { ${selection} } } }`;

  describe('in the subgraphs (the enforcement point)', () => {
    it("sees the consented account's balance, and only the consented account in the customer's list", async () => {
      const answer = await ask(
        'accounts',
        partner(BASIC_AND_BALANCES),
        '{ customer(id: "cust-0001") { id accounts { id name currency status balance { amount currency } availableBalance { amount } } } }',
      );
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toEqual({
        customer: {
          id: 'cust-0001',
          accounts: [
            { id: 'acc-5001', name: 'Everyday Current', currency: 'EUR', status: 'ACTIVE', balance: { amount: '2450.75', currency: 'EUR' }, availableBalance: { amount: '2400.75' } },
          ],
        },
      });
      const byId = await ask('accounts', partner(BASIC_AND_BALANCES), '{ account(id: "acc-5001") { id balance { amount } } }');
      expect(byId).toEqual({ data: { account: { id: 'acc-5001', balance: { amount: '2450.75' } } } });
    });

    it('does not see an account of the customer that is not in the consent: not by id, not as an entity', async () => {
      const byId = await ask('accounts', partner(BASIC_AND_BALANCES), '{ account(id: "acc-5002") { id balance { amount } } }');
      expect(byId.data?.account ?? null).toBeNull();
      expect(byId.errors?.[0]).toMatchObject({ message: 'There is no such account of yours.', extensions: { code: 'FORBIDDEN' } });
      // The same answer for an id that does not exist: no oracle of which accounts the customer has.
      const unknown = await ask('accounts', partner(BASIC_AND_BALANCES), '{ account(id: "acc-99999") { id balance { amount } } }');
      expect(unknown).toEqual(byId);

      const entity = await ask('accounts', partner(BASIC_AND_BALANCES), entities('Account', 'acc-5002', 'id balance { amount } name'));
      expect(codes(entity)).toContain('FORBIDDEN');
      expect(JSON.stringify(entity)).not.toMatch(OUTSIDE_CONSENT);
    });

    it('gets FORBIDDEN, naming the missing scope, for fields its scopes do not cover: transactions, account number, profile', async () => {
      const p = partner(BASIC_AND_BALANCES);
      const transactions = await ask('accounts', p, '{ account(id: "acc-5001") { id transactions(first: 5) { nodes { id amount { amount } } } } }');
      expect(transactions.data).toEqual({ account: { id: 'acc-5001', transactions: null } });
      expect(transactions.errors).toEqual([
        expect.objectContaining({ message: 'This field needs the partner scope transactions:read.', path: ['account', 'transactions'], extensions: expect.objectContaining({ code: 'FORBIDDEN' }) }),
      ]);

      const detail = await ask('accounts', p, '{ account(id: "acc-5001") { openedOn } }');
      expect(detail.data).toEqual({ account: { openedOn: null } });
      expect(detail.errors?.[0]?.message).toBe('This field needs the partner scope accounts:detail.');

      const profile = await ask('accounts', p, '{ customer(id: "cust-0001") { profile { displayName email phone dateOfBirth } } }');
      expect(profile.data).toEqual({ customer: { profile: null } });
      expect(profile.errors?.[0]).toMatchObject({ message: 'This field needs the partner scope party:read.', extensions: { code: 'FORBIDDEN' } });
      expect(JSON.stringify(profile)).not.toMatch(OUTSIDE_CONSENT);
    });

    it('with party:read sees the whole profile, with transactions:read the transactions of the consented account', async () => {
      const p = partner([...BASIC_AND_BALANCES, 'party:read', 'transactions:read']);
      const answer = await ask(
        'accounts',
        p,
        '{ customer(id: "cust-0001") { profile { displayName email dateOfBirth } accounts { id transactions(first: 2) { totalCount nodes { id } } } } }',
      );
      expect(answer.errors).toBeUndefined();
      const customer = answer.data?.customer as { profile: unknown; accounts: { id: string; transactions: { totalCount: number; nodes: unknown[] } }[] };
      expect(customer.profile).toEqual({ displayName: 'Amelia Hartmann', email: 'amelia.hartmann@example.com', dateOfBirth: '1988-04-12' });
      expect(customer.accounts.map((a) => a.id)).toEqual(['acc-5001']);
      expect(customer.accounts[0]?.transactions.totalCount).toBe(30);
      expect(customer.accounts[0]?.transactions.nodes).toHaveLength(2);
    });

    it('sees nothing of cards, KYC or wallet (no scope opens them)', async () => {
      const p = partner(['accounts:basic', 'accounts:detail', 'balances:read', 'transactions:read', 'party:read', 'payments:initiate']);
      const answers = await Promise.all([
        ask('cards', p, entities('Customer', 'cust-0001', 'cards { id last4 status }')),
        ask('cards', p, '{ card(id: "crd_000101") { id last4 } }'),
        ask('kyc', p, entities('Customer', 'cust-0001', 'kyc { status riskScore }')),
        ask('wallet', p, entities('Customer', 'cust-0001', 'wallet { id pockets { amount currency } }')),
        ask('wallet', p, '{ fxRate(from: "EUR", to: "USD") { rate } }'),
        ask('accounts', p, '{ me { id } }'),
      ]);
      for (const answer of answers) {
        expect(codes(answer)).toContain('FORBIDDEN');
        expect(JSON.stringify(answer.data ?? null)).not.toMatch(/crd_|\d{4}"|CLEARED|riskScore":\d|amount|rate":"/);
      }
      expect(answers[1]?.data?.card ?? null).toBeNull();
    });

    it('sees nothing of another customer', async () => {
      const p = partner([...BASIC_AND_BALANCES, 'party:read']);
      const byId = await ask('accounts', p, '{ customer(id: "cust-0002") { id profile { displayName } accounts { id } } }');
      expect(byId.data?.customer ?? null).toBeNull();
      expect(byId.errors?.[0]).toMatchObject({ message: 'This customer is not within your consent.', extensions: { code: 'FORBIDDEN' } });
      const entity = await ask('accounts', p, entities('Customer', 'cust-0002', 'profile { displayName } accounts { id balance { amount } }'));
      expect(codes(entity)).toContain('FORBIDDEN');
      expect(JSON.stringify(entity.data)).not.toMatch(/acc-|displayName":"/);
      // Even an account id listed in the consent is refused when it belongs to someone else.
      const crossed = partner(BASIC_AND_BALANCES, consentFor({ accountIds: ['acc-5001', 'acc-5004'] }));
      const other = await ask('accounts', crossed, '{ account(id: "acc-5004") { id balance { amount } } }');
      expect(other.data?.account ?? null).toBeNull();
      expect(codes(other)).toEqual(['FORBIDDEN']);
    });

    it('sees nothing with an expired consent or without one (revoked resolves to null)', async () => {
      const query = '{ customer(id: "cust-0001") { id accounts { id balance { amount } } } account(id: "acc-5001") { id balance { amount } } }';
      for (const consent of [consentFor({ expiresAt: new Date(Date.now() - 1000).toISOString() }), null]) {
        const answer = await ask('accounts', partner(BASIC_AND_BALANCES, consent), query);
        expect(codes(answer).length).toBeGreaterThan(0);
        expect(codes(answer).every((c) => c === 'FORBIDDEN')).toBe(true);
        expect(answer.errors?.[0]?.message).toBe('There is no live consent: it is missing, expired or revoked.');
        expect(JSON.stringify(answer.data ?? null)).not.toMatch(/acc-5001|2450|amount/);
      }
    });

    it('may not start a payment without payments:initiate, nor from an account outside the consent', async () => {
      const mutation = `mutation($input: InternationalPaymentInput!) { sendInternationalPayment(idempotencyKey: "k-1", input: $input) { journey { id } } }`;
      const input = (sourceAccountId: string) => ({
        input: { sourceAccountId, amount: { amount: '10.00', currency: 'EUR' }, beneficiary: { name: 'A', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', country: 'DE' } },
      });
      const noScope = await ask('journeys', partner(BASIC_AND_BALANCES), mutation, input('acc-5001'));
      expect(noScope.errors?.[0]).toMatchObject({ message: 'This field needs the partner scope payments:initiate.', extensions: { code: 'FORBIDDEN' } });
      const outside = await ask('journeys', partner(['payments:initiate']), mutation, input('acc-5002'));
      expect(codes(outside)).toEqual(['ACCOUNT_NOT_IN_CONSENT']); // told what is wrong: the consent does not cover it
      expect(outside.data ?? null).toBeNull();
    });

    it('leaves customers and staff as they were', async () => {
      const customer = await ask('accounts', { kind: 'customer', customerId: 'cust-0001' }, '{ me { accounts { id } } }');
      expect(customer).toEqual({ data: { me: { accounts: [{ id: 'acc-5001' }, { id: 'acc-5002' }, { id: 'acc-5003' }] } } });
      const support = await ask('accounts', { kind: 'staff', staffId: 's-1', role: 'support' }, '{ customer(id: "cust-0001") { profile { email dateOfBirth } } }');
      expect(support).toEqual({ data: { customer: { profile: { email: 'a***@example.com', dateOfBirth: null } } } });
      const notStaff = await ask('accounts', { kind: 'customer', customerId: 'cust-0001' }, '{ customer(id: "cust-0001") { id } }');
      expect(codes(notStaff)).toEqual(['FORBIDDEN']);
    });
  });

  describe('through the gateway (persisted operations of schema/persisted/budget-app.json)', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../schema/persisted/budget-app.json', import.meta.url), 'utf8')) as Record<string, string>;
    const idOf = (name: string) => {
      const id = Object.keys(manifest).find((k) => manifest[k]?.includes(`query ${name}(`));
      if (!id) throw new Error(`no ${name} in the budget-app manifest`);
      return id;
    };
    async function run(name: string, variables: Record<string, unknown>, token: string): Promise<Answer> {
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: idOf(name) } } }),
      });
      return (await res.json()) as Answer;
    }
    const tokenFor = async (consentId: string) => mintSandboxToken({ partner: 'budget-app', scopes: BASIC_AND_BALANCES, consentId });
    const consentRecord = (id: string) => ({
      id,
      partner: 'budget-app',
      customerId: 'cust-0001',
      accountIds: ['acc-5001'],
      permissions: ['accounts:basic' as const, 'balances:read' as const, 'transactions:read' as const],
      expiresAt: new Date(Date.now() + HOUR).toISOString(),
    });

    it("sees the consented account's balance and nothing else; revoking the consent shuts it out at once", async () => {
      await consents.create(consentRecord('cns-e2e-1'));
      const token = await tokenFor('cns-e2e-1');
      const overview = await run('AccountsOverview', { customerId: 'cust-0001' }, token);
      expect(overview.errors).toBeUndefined();
      expect(overview.data).toEqual({
        customer: {
          accounts: [
            { id: 'acc-5001', name: 'Everyday Current', currency: 'EUR', status: 'ACTIVE', balance: { amount: '2450.75', currency: 'EUR' }, availableBalance: { amount: '2400.75', currency: 'EUR' } },
          ],
        },
      });

      // The token asked for basic and balances only: no transactions, whatever the consent allows.
      const transactions = await run('RecentTransactions', { accountId: 'acc-5001' }, token);
      expect(transactions.data).toEqual({ account: { id: 'acc-5001', currency: 'EUR', transactions: null } });
      expect(codes(transactions)).toEqual(['FORBIDDEN']);

      for (const [name, variables] of [['RecentTransactions', { accountId: 'acc-5002' }], ['AccountsOverview', { customerId: 'cust-0002' }]] as const) {
        const outside = await run(name, variables, token);
        expect(codes(outside)).toContain('FORBIDDEN');
        expect(JSON.stringify(outside.data ?? null)).not.toMatch(OUTSIDE_CONSENT);
      }

      await consents.revoke('cns-e2e-1');
      const revoked = await run('AccountsOverview', { customerId: 'cust-0001' }, token);
      expect(codes(revoked)).toEqual(['CONSENT_REVOKED']);
      expect(revoked.data ?? null).toBeNull();
      expect(JSON.stringify(revoked)).not.toMatch(/acc-5001|2450/);
    });

    it("answers 400 OPERATION_RESOLUTION_FAILURE, not 500, to its own persisted id with another operation's name", async () => {
      await consents.create(consentRecord('cns-e2e-3'));
      const res = await fetch(stack.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('cns-e2e-3')}` },
        body: JSON.stringify({
          operationName: 'PayrollAccounts',
          variables: { customerId: 'cust-0001' },
          extensions: { persistedQuery: { version: 1, sha256Hash: idOf('AccountsOverview') } },
        }),
      });
      expect(res.status).toBe(400);
      const answer = (await res.json()) as Answer;
      expect(answer.data).toBeUndefined();
      expect(codes(answer)).toEqual(['OPERATION_RESOLUTION_FAILURE']);
      expect(answer.errors?.[0]?.message).toBe('The document has no operation named "PayrollAccounts" (it has: AccountsOverview).');
    });

    it('sees nothing under an expired consent', async () => {
      await consents.create({ ...consentRecord('cns-e2e-2'), expiresAt: new Date(Date.now() - 1000).toISOString() });
      const answer = await run('AccountsOverview', { customerId: 'cust-0001' }, await tokenFor('cns-e2e-2'));
      expect(codes(answer)).toEqual(['CONSENT_EXPIRED']);
      expect(answer.data ?? null).toBeNull();
      expect(JSON.stringify(answer)).not.toMatch(/acc-5001|2450/);
    });
  });

  it('the supergraph keeps @scopes through composition', () => {
    const sdl = readFileSync(SUPERGRAPH_PATH, 'utf8');
    expect(sdl).toContain('@link(url: "https://bankgraph.dev/scopes/v1.0", import: ["@scopes"])');
    expect(sdl).toMatch(/directive @scopes\(requires: \[String!\]!\) on FIELD_DEFINITION/);
    const account = /\ntype Account\b[^{]*\{([\s\S]*?)\n\}/.exec(sdl)?.[1] ?? '';
    expect(account).toMatch(/\n\s*balance: Money\b[^\n]*@scopes\(requires: \["balances:read"\]\)/);
    expect(account).toMatch(/\n\s*number: String![^\n]*@scopes\(requires: \["accounts:detail"\]\)/);
    expect(sdl).toMatch(/sendInternationalPayment\([^)]*\): InternationalPaymentPayload![^\n]*@scopes\(requires: \["payments:initiate"\]\)/);
  });
});
