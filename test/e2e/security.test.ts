import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';
import { authConfig, SANDBOX_SECRETS } from '../../lib/config.js';
import { ContextSigner } from '../../lib/context.js';
import { mintSandboxToken } from '../../lib/tokens.js';

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

describe('who may see what (end to end)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('refuses a request straight to a subgraph port without the gateway signed context (401)', async () => {
    for (const sub of Object.values(stack.subgraphs)) {
      const res = await fetch(sub.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ me { id } }' }),
      });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { data?: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0]?.extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a subgraph call whose context was signed with another key', async () => {
    const forged = await new SignJWT({ p: { kind: 'staff', staffId: 'x', role: 'operations' }, rid: 'r' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('bankgraph-gateway')
      .setAudience('bankgraph-subgraph')
      .setIssuedAt()
      .setExpirationTime('1m')
      .sign(new TextEncoder().encode('not-the-internal-key'));
    const res = await fetch(stack.subgraphs.accounts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bankgraph-context': forged },
      body: JSON.stringify({ query: '{ customer(id: "cust-0001") { profile { email } } }' }),
    });
    expect(res.status).toBe(401);
  });

  it('refuses, in every subgraph, a staff context signed with the shared secret every subgraph used to hold', async () => {
    // Before, one HS256 secret signed and verified the context everywhere: whoever read any subgraph's environment
    // (here, the sandbox's published one) could mint staff:operations for all of them.
    for (const [name, sub] of Object.entries(stack.subgraphs)) {
      for (const audience of ['bankgraph-subgraph', name]) {
        const minted = await new SignJWT({ p: { kind: 'staff', staffId: 'x', role: 'operations' }, rid: 'r' })
          .setProtectedHeader({ alg: 'HS256', typ: 'bankgraph-context+jwt' })
          .setIssuer('bankgraph-gateway')
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode('bankgraph-sandbox-internal-context-secret'));
        const res = await fetch(sub.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-bankgraph-context': minted },
          body: JSON.stringify({ query: '{ __typename }' }),
        });
        expect(res.status, `${name} (aud ${audience})`).toBe(401);
      }
    }
  });

  it('answers UNAUTHENTICATED with no data for expired, forged and alg=none tokens', async () => {
    const key = new TextEncoder().encode(SANDBOX_SECRETS.jwt);
    const base = () =>
      new SignJWT({ 'bankgraph:kind': 'customer' }).setSubject('cust-0001').setIssuer('bankgraph-sandbox').setAudience('bankgraph');
    const expired = await base().setProtectedHeader({ alg: 'HS256' }).setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_060).sign(key);
    const forged = await base().setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('guess'));
    const now = Math.floor(Date.now() / 1000);
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'cust-0001', 'bankgraph:kind': 'customer', iss: 'bankgraph-sandbox', aud: 'bankgraph', iat: now, exp: now + 3600 })}.`;
    for (const token of [expired, forged, none, 'not-a-jwt']) {
      const answer = await stack.graphql(DASHBOARD, {}, token);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      expect(answer.body.data ?? null).toBeNull();
    }
    const anonymous = await stack.graphql(DASHBOARD, {});
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it("never gives a customer another customer's account, profile or card", async () => {
    const token = await stack.customerToken('cust-0001');
    const staff = await stack.staffToken('operations');
    const other = await stack.graphql('query($id: ID!) { customer(id: $id) { accounts { id } } }', { id: 'cust-0002' }, staff);
    const otherAccount = (other.body.data as { customer: { accounts: { id: string }[] } }).customer.accounts[0]?.id;
    expect(otherAccount).toBeTruthy();

    const account = await stack.graphql('query($id: ID!) { account(id: $id) { id balance { amount } } }', { id: otherAccount }, token);
    expect(account.body.data?.account ?? null).toBeNull();
    expect(account.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(account.body.errors?.[0]?.message).toBe('There is no such account of yours.');
    expect(JSON.stringify(account.body)).not.toContain('"amount"');

    const customer = await stack.graphql('{ customer(id: "cust-0002") { profile { email } } }', {}, token);
    expect(customer.body.data?.customer ?? null).toBeNull();
    expect(customer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(customer.body)).not.toContain('@example.com');

    const card = await stack.graphql('{ card(id: "crd_000101") { last4 } }', {}, await stack.customerToken('cust-0003'));
    expect(card.body.data?.card ?? null).toBeNull();
    expect(card.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(card.body.errors?.[0]?.message).toBe('There is no such card of yours.');
  });

  it('answers a customer the same for an account or card that does not exist as for one of someone else (no existence oracle)', async () => {
    const token = await stack.customerToken('cust-0001');
    const strip = (a: { body: unknown }) => JSON.stringify(a.body);
    const accountOf = (id: string) => stack.graphql('query($id: ID!) { account(id: $id) { id } }', { id }, token);
    const [elsewhere, unknown, malformed] = await Promise.all([accountOf('acc-5004'), accountOf('acc-99999'), accountOf('nonsense')]);
    expect(strip(unknown)).toBe(strip(elsewhere));
    expect(strip(malformed)).toBe(strip(elsewhere));
    expect(elsewhere.body.errors?.[0]).toMatchObject({ message: 'There is no such account of yours.', extensions: { code: 'FORBIDDEN' } });

    const cardOf = (id: string) => stack.graphql('query($id: ID!) { card(id: $id) { id } }', { id }, token);
    const [othersCard, noCard] = await Promise.all([cardOf('crd_000301'), cardOf('crd_999999')]);
    expect(strip(noCard)).toBe(strip(othersCard));
    expect(othersCard.body.errors?.[0]).toMatchObject({ message: 'There is no such card of yours.', extensions: { code: 'FORBIDDEN' } });

    // Staff may see any account or card anyway: for them an unknown id is simply null.
    const staff = await stack.staffToken('support');
    const forStaff = await stack.graphql('{ account(id: "acc-99999") { id } card(id: "crd_999999") { id } }', {}, staff);
    expect(forStaff.body).toEqual({ data: { account: null, card: null } });
  });

  it('refuses a partner on the full graph (PERSISTED_OPERATION_REQUIRED, 400), whatever its consent: no customer, account or card data', async () => {
    const partner = await mintSandboxToken({
      partner: 'budget-app',
      scopes: ['accounts:basic', 'balances:read', 'transactions:read'],
      consentId: 'consent-budget-cust-0001',
    });
    const queries = [
      DASHBOARD,
      '{ customer(id: "cust-0001") { profile { displayName email } accounts { id balance { amount } } cards { last4 } } }',
      '{ account(id: "acc-5001") { id balance { amount } transactions(first: 5) { nodes { id } } } }',
      '{ card(id: "crd_000101") { last4 status } }',
    ];
    for (const query of queries) {
      const answer = await stack.graphql(query, {}, partner);
      expect(answer.status).toBe(400);
      expect(answer.body.data ?? null).toBeNull();
      expect(answer.body.errors).toHaveLength(1);
      expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: 'PERSISTED_OPERATION_REQUIRED' } });
      expect(JSON.stringify(answer.body)).not.toMatch(/Hartmann|acc-5001"|2450|1111/);
    }
  });

  it('denies a partner in the subgraphs too, should a partner context ever reach one', async () => {
    const consent = { id: 'cns-2', customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: new Date(Date.now() + 3_600_000).toISOString() };
    const principal = { kind: 'partner' as const, clientId: 'budget-app', scopes: ['accounts', 'balances'], consent };
    const signer = new ContextSigner(authConfig({ NODE_ENV: 'test' }).internalContextKey);
    const ask = async (subgraph: 'accounts' | 'cards', query: string) => {
      const context = await signer.sign({ principal, requestId: 'req-partner' }, { audience: subgraph, expiresAtMs: Date.now() + 10_000 });
      const res = await fetch(stack.subgraphs[subgraph].url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-bankgraph-context': context }, body: JSON.stringify({ query }) });
      return (await res.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
    };
    const account = await ask('accounts', '{ account(id: "acc-5001") { id balance { amount } } }');
    expect(account.data?.account ?? null).toBeNull();
    expect(account.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const card = await ask('cards', '{ card(id: "crd_000101") { last4 } }');
    expect(card.data?.card ?? null).toBeNull();
    expect(card.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const entity = await ask(
      'accounts',
      '{ _entities(representations: [{ __typename: "Customer", id: "cust-0001" }]) { ... on Customer { profile { displayName } accounts { id } } } }',
    );
    expect(JSON.stringify(entity)).not.toMatch(/Hartmann|acc-5001/);
    expect(entity.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('masks contact details for support staff and hides the date of birth', async () => {
    const answer = await stack.graphql(
      '{ customer(id: "cust-0001") { profile { email phone dateOfBirth displayName } } }',
      {},
      await stack.staffToken('support'),
    );
    expect(answer.body.errors).toBeUndefined();
    expect((answer.body.data as { customer: { profile: unknown } }).customer.profile).toEqual({
      email: 'a***@example.com',
      phone: '***4567',
      dateOfBirth: null,
      displayName: 'Amelia Hartmann',
    });
  });
});
