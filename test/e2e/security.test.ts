import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';

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
    expect(JSON.stringify(account.body)).not.toContain('"amount"');

    const customer = await stack.graphql('{ customer(id: "cust-0002") { profile { email } } }', {}, token);
    expect(customer.body.data?.customer ?? null).toBeNull();
    expect(customer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(JSON.stringify(customer.body)).not.toContain('@example.com');

    const card = await stack.graphql('{ card(id: "crd_000101") { last4 } }', {}, await stack.customerToken('cust-0003'));
    expect(card.body.data?.card ?? null).toBeNull();
    expect(card.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
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
