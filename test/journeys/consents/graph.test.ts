import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig } from '../../../lib/config.js';
import { principalConsentOf } from '../../../lib/consents.js';
import { ContextSigner } from '../../../lib/context.js';
import type { Principal } from '../../../lib/principal.js';
import { journeyIdOf } from '../../../subgraphs/journeys/engine/ids.js';
import { startStack, type Stack } from '../../support/stack.js';
import { IBAN } from '../support.js';

/**
 * The consents in the graph (Customer.consents, Query.consents, revokeConsent) and payments under a payment consent,
 * asked of the journeys subgraph with the signed context the gateway would send (and me.consents through the gateway).
 */

type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[] };

const customer = (customerId: string): Principal => ({ kind: 'customer', customerId });
const operations: Principal = { kind: 'staff', staffId: 's-ops', role: 'operations' };
const support: Principal = { kind: 'staff', staffId: 's-sup', role: 'support' };
const CONSENT_FIELDS = 'id kind status partner { clientId name } permissions accountIds createdAt statusUpdatedAt expiresAt transactionFrom transactionTo frequencyPerDay lastAccessAt accessesToday payment { amount { amount currency } creditorName creditorAccount reference sourceAccountId }';

describe('consents in the graph', () => {
  let stack: Stack;
  const signer = new ContextSigner(authConfig({ NODE_ENV: 'test' }).internalContextKey);
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  async function ask(principal: Principal, query: string, variables?: Record<string, unknown>): Promise<Answer> {
    const context = await signer.sign({ principal, requestId: 'req-consent-graph' }, { audience: 'journeys', expiresAtMs: Date.now() + 20_000 });
    const res = await fetch(stack.subgraphs.journeys.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-bankgraph-context': context },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Answer;
  }
  const codes = (a: Answer) => (a.errors ?? []).map((e) => e.extensions?.code);
  let n = 0;
  async function authorised(customerId: string, partner = 'budget-app', accountIds = ['acc-5001']): Promise<string> {
    const record = await stack.journeys.consents.request({ kind: 'account-access', partner, permissions: ['accounts:basic', 'balances:read'] }, `partner:${partner}`);
    await stack.journeys.consents.authorise(record.id, customerId, accountIds, `authorisation-server:${customerId}`);
    n++;
    return record.id;
  }

  describe('Customer.consents, Query.consents, revokeConsent', () => {
    it("shows a customer their own consents (the sandbox seeds among them), and another customer's to nobody but operations", async () => {
      const mine = await authorised('cust-0001');
      const theirs = await authorised('cust-0002', 'budget-app', ['acc-5004']);
      const me = await ask(customer('cust-0001'), `{ me { consents { ${CONSENT_FIELDS} } } }`);
      expect(me.errors).toBeUndefined();
      const list = (me.data?.me as { consents: { id: string; status: string; partner: { name: string }; payment: unknown; lastAccessAt: string | null; accessesToday: number }[] }).consents;
      expect(list.map((c) => c.id)).toEqual(expect.arrayContaining([mine, 'consent-budget-cust-0001', 'consent-payroll-cust-0001']));
      expect(list.map((c) => c.id)).not.toContain(theirs);
      expect(list.find((c) => c.id === mine)).toMatchObject({ kind: 'ACCOUNT_ACCESS', status: 'AUTHORISED', partner: { clientId: 'budget-app', name: 'Budget App (sandbox)' }, permissions: ['accounts:basic', 'balances:read'], accountIds: ['acc-5001'], frequencyPerDay: 4, lastAccessAt: null, accessesToday: 0, payment: null });
      await stack.journeys.consents.recordAccess(mine, 'budget-app', true);
      const used = await ask(customer('cust-0001'), '{ me { consents { id lastAccessAt accessesToday } } }');
      expect((used.data?.me as { consents: { id: string; lastAccessAt: string | null; accessesToday: number }[] }).consents.find((c) => c.id === mine)).toMatchObject({ lastAccessAt: expect.any(String), accessesToday: 1 });

      // Through the entity of another customer: refused to a customer and support staff, shown to operations.
      const entity = (id: string) => `{ _entities(representations: [{ __typename: "Customer", id: "${id}" }]) { ... on Customer { consents { id } } } }`;
      expect(codes(await ask(customer('cust-0001'), entity('cust-0002')))).toContain('FORBIDDEN');
      expect(codes(await ask(support, entity('cust-0002')))).toContain('FORBIDDEN');
      const staff = await ask(operations, entity('cust-0002'));
      expect(staff.errors).toBeUndefined();
      expect(JSON.stringify(staff.data)).toContain(theirs);
    });

    it('lets operations staff look consents up by customer, by partner or both, and nobody else', async () => {
      const id = await authorised('cust-0003', 'payroll-app', ['acc-5005']);
      const byCustomer = await ask(operations, '{ consents(customerId: "cust-0003") { id partner { clientId } } }');
      expect(byCustomer.data?.consents).toEqual([{ id, partner: { clientId: 'payroll-app' } }]);
      expect(((await ask(operations, '{ consents(partner: "payroll-app") { id } }')).data?.consents as { id: string }[]).map((c) => c.id)).toContain(id);
      expect((await ask(operations, '{ consents(customerId: "cust-0003", partner: "budget-app") { id } }')).data?.consents).toEqual([]);
      expect(codes(await ask(operations, '{ consents { id } }'))).toEqual(['BAD_USER_INPUT']);
      for (const who of [customer('cust-0003'), support, { kind: 'partner', clientId: 'payroll-app', scopes: ['payments:initiate'], consent: null } satisfies Principal]) {
        const refused = await ask(who, '{ consents(customerId: "cust-0003") { id } }');
        expect(codes(refused)).toEqual(['FORBIDDEN']);
        expect(refused.data ?? null).toBeNull();
      }
    });

    it('never shows a partner consents, not even of the customer it has a consent from', async () => {
      const record = await stack.journeys.consents.get('consent-budget-cust-0001');
      const partner: Principal = { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic'], consent: principalConsentOf(record!) };
      const answer = await ask(partner, '{ _entities(representations: [{ __typename: "Customer", id: "cust-0001" }]) { ... on Customer { consents { id } } } }');
      expect(codes(answer)).toContain('FORBIDDEN');
      expect(JSON.stringify(answer.data ?? null)).not.toContain('consent-');
      expect(codes(await ask(partner, 'mutation { revokeConsent(id: "consent-budget-cust-0001") { id } }'))).toEqual(['FORBIDDEN']);
      expect((await stack.journeys.consents.get('consent-budget-cust-0001'))?.status).toBe('Authorised');
    });

    it('revokes for the consent\'s customer (audited as them), refuses twice, and answers another customer\'s as unknown', async () => {
      const id = await authorised('cust-0001');
      const other = await authorised('cust-0002', 'budget-app', ['acc-5004']);
      const revoke = (who: Principal, consent: string) => ask(who, `mutation { revokeConsent(id: "${consent}") { id status statusUpdatedAt } }`);
      const revoked = await revoke(customer('cust-0001'), id);
      expect(revoked.errors).toBeUndefined();
      expect(revoked.data?.revokeConsent).toMatchObject({ id, status: 'REVOKED' });
      const events = (stack.audit as unknown as { events: { consentId?: string; who: string; outcome: string; previousStatus?: string }[] }).events;
      expect(events.filter((e) => e.consentId === id).at(-1)).toMatchObject({ who: 'customer:cust-0001', previousStatus: 'Authorised', outcome: 'Revoked' });
      expect(codes(await revoke(customer('cust-0001'), id))).toEqual(['CONSENT_STATE_CONFLICT']);
      expect(codes(await revoke(customer('cust-0001'), other))).toEqual(['CONSENT_NOT_FOUND']);
      expect(codes(await revoke(customer('cust-0001'), 'aac-unknown'))).toEqual(['CONSENT_NOT_FOUND']);
      expect(codes(await revoke(support, other))).toEqual(['FORBIDDEN']);
      expect((await stack.journeys.consents.get(other))?.status).toBe('Authorised');
      expect((await revoke(operations, other)).data?.revokeConsent).toMatchObject({ id: other, status: 'REVOKED' });
      expect(events.filter((e) => e.consentId === other).at(-1)).toMatchObject({ who: 'staff:operations:s-ops', outcome: 'Revoked' });
    });

    it('serves me.consents through the gateway to the signed-in customer', async () => {
      const answer = await stack.graphql('{ me { consents { id status } } }', {}, await stack.customerToken('cust-0001'));
      expect(answer.body.errors).toBeUndefined();
      expect(JSON.stringify(answer.body.data)).toContain('consent-budget-cust-0001');
    });
  });

  describe('payments under a payment consent', () => {
    const SEND = 'mutation Send($key: String!, $input: InternationalPaymentInput!) { sendInternationalPayment(idempotencyKey: $key, input: $input) { journey { id status } } }';
    const input = (over: Record<string, unknown> = {}, beneficiary: Record<string, unknown> = {}) => ({
      sourceAccountId: 'acc-5001',
      amount: { amount: '12.50', currency: 'EUR' },
      beneficiary: { name: 'Jane Beneficiary', iban: IBAN.DE, bic: 'DEUTDEFF', country: 'DE', ...beneficiary },
      remittance: 'invoice 42',
      ...over,
    });
    async function paymentConsent(): Promise<{ id: string; principal: Principal }> {
      const record = await stack.journeys.consents.request(
        {
          kind: 'payment',
          partner: 'payroll-app',
          permissions: ['payments:initiate'],
          requestedAccountIds: ['acc-5001'],
          payment: { amount: '12.50', currency: 'EUR', creditorName: 'Jane Beneficiary', creditorAccount: IBAN.DE, reference: 'invoice 42', sourceAccountId: 'acc-5001' },
        },
        'partner:payroll-app',
      );
      const authorisedRecord = await stack.journeys.consents.authorise(record.id, 'cust-0001', ['acc-5001'], 'authorisation-server:cust-0001');
      return { id: record.id, principal: { kind: 'partner', clientId: 'payroll-app', scopes: ['payments:initiate', 'accounts:basic'], consent: principalConsentOf(authorisedRecord) } };
    }
    const journeyOf = (a: Answer) => (a.data?.sendInternationalPayment as { journey: { id: string; status: string } } | undefined)?.journey;

    it('spends the consent on one journey: the same key replays it, another key is CONSENT_CONSUMED', async () => {
      const { id, principal } = await paymentConsent();
      const first = await ask(principal, SEND, { key: `pc-1-${id}`, input: input({ consentId: id }) });
      expect(first.errors).toBeUndefined();
      const journey = journeyOf(first)!;
      expect(journey.id).toBe(journeyIdOf(principal, `pc-1-${id}`));
      expect(await stack.journeys.consents.get(id)).toMatchObject({ status: 'Consumed', consumedBy: journey.id });
      const replay = await ask(principal, SEND, { key: `pc-1-${id}`, input: input({ consentId: id }) });
      expect(replay.errors).toBeUndefined();
      expect(journeyOf(replay)?.id).toBe(journey.id);
      const second = await ask(principal, SEND, { key: `pc-2-${id}`, input: input({ consentId: id }) });
      expect(codes(second)).toEqual(['CONSENT_CONSUMED']);
      expect(await stack.journeys.engine.get(journeyIdOf(principal, `pc-2-${id}`))).toBeNull();
      const audit = (stack.audit as unknown as { events: { consentId?: string; who: string; outcome: string }[] }).events.filter((e) => e.consentId === id);
      expect(audit.at(-1)).toMatchObject({ who: 'partner:payroll-app', outcome: 'Consumed' });
    });

    const mismatches: [string, ReturnType<typeof input>][] = [
      ['another amount', input({ amount: { amount: '12.51', currency: 'EUR' } })],
      ['another currency', input({ amount: { amount: '12.50', currency: 'USD' } })],
      ['another creditor account', input({}, { iban: IBAN.GB, bic: 'NWBKGB2L', country: 'GB' })],
      ['another creditor name', input({}, { name: 'John Other' })],
      ['another source account', input({ sourceAccountId: 'acc-5002' })],
      ['another reference', input({ remittance: 'invoice 43' })],
    ];
    for (const [what, paid] of mismatches) {
      it(`refuses a payment with ${what} than consented, spending nothing`, async () => {
        const { id, principal } = await paymentConsent();
        const answer = await ask(principal, SEND, { key: `pc-mm-${id}`, input: { ...paid, consentId: id } });
        // The other source account is outside the consent's accounts: the permission rule says so first.
        expect(codes(answer)).toEqual([what === 'another source account' ? 'ACCOUNT_NOT_IN_CONSENT' : 'CONSENT_PAYMENT_MISMATCH']);
        expect((await stack.journeys.consents.get(id))?.status).toBe('Authorised');
        expect(await stack.journeys.engine.get(journeyIdOf(principal, `pc-mm-${id}`))).toBeNull();
      });
    }

    it('refuses a payment its journey would refuse (a BIC that is not one) before spending the consent: the corrected payment goes through', async () => {
      const { id, principal } = await paymentConsent();
      const bad = await ask(principal, SEND, { key: `pc-bic-${id}`, input: input({ consentId: id }, { bic: 'NOT A BIC' }) });
      expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
      expect((await stack.journeys.consents.get(id))?.status).toBe('Authorised');
      const fixed = await ask(principal, SEND, { key: `pc-bic-fixed-${id}`, input: input({ consentId: id }) });
      expect(fixed.errors).toBeUndefined();
      expect((await stack.journeys.consents.get(id))?.status).toBe('Consumed');
    });

    it('wants the consent named, and named right (CONSENT_TOKEN_MISMATCH); a revoked one in the store is refused', async () => {
      const { id, principal } = await paymentConsent();
      expect(codes(await ask(principal, SEND, { key: `pc-none-${id}`, input: input() }))).toEqual(['CONSENT_TOKEN_MISMATCH']);
      expect(codes(await ask(principal, SEND, { key: `pc-other-${id}`, input: input({ consentId: 'pdc-someone-else' }) }))).toEqual(['CONSENT_TOKEN_MISMATCH']);
      expect((await stack.journeys.consents.get(id))?.status).toBe('Authorised');
      await stack.journeys.consents.revoke(id, 'customer:cust-0001');
      expect(codes(await ask(principal, SEND, { key: `pc-rev-${id}`, input: input({ consentId: id }) }))).toEqual(['CONSENT_REVOKED']);
    });

    it("keeps today's payments under payroll-app's account-access sandbox consent, and refuses consentId from a customer", async () => {
      const record = await stack.journeys.consents.get('consent-payroll-cust-0001');
      const partner: Principal = { kind: 'partner', clientId: 'payroll-app', scopes: ['payments:initiate', 'accounts:basic'], consent: principalConsentOf(record!) };
      const paid = await ask(partner, SEND, { key: `pc-aac-${Date.now()}`, input: input() });
      expect(paid.errors).toBeUndefined();
      expect(journeyOf(paid)?.status).toMatch(/COMPLETED|RUNNING/);
      expect((await stack.journeys.consents.get('consent-payroll-cust-0001'))?.status).toBe('Authorised');
      const wrong = await ask(partner, SEND, { key: `pc-aac-w-${Date.now()}`, input: input({ consentId: 'pdc-x' }) });
      expect(codes(wrong)).toEqual(['CONSENT_TOKEN_MISMATCH']);
      const own = await ask(customer('cust-0001'), SEND, { key: `pc-cust-${Date.now()}`, input: input({ consentId: 'pdc-x' }) });
      expect(codes(own)).toEqual(['BAD_USER_INPUT']);
    });
  });
});
