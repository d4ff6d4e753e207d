import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, SANDBOX_SECRETS } from '../../../lib/config.js';
import { ContextSigner } from '../../../lib/context.js';
import type { Principal } from '../../../lib/principal.js';
import { startStack, type Stack } from '../../support/stack.js';

/**
 * The consent routes of the journeys subgraph over real HTTP: the partner-facing OB v4 routes (with the gateway's
 * signed context, as the gateway forwards them), every bad input refused 4xx with an OB error body carrying our code,
 * and the authorisation server's routes (CONSENT_AUTHORISATION_TOKEN).
 */

type Json = Record<string, unknown> & { Data?: Record<string, unknown>; code?: string; Errors?: { ErrorCode: string; Message: string }[] };

const budget: Principal = { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic', 'balances:read'], consent: null };
const payroll: Principal = { kind: 'partner', clientId: 'payroll-app', scopes: ['accounts:basic', 'payments:initiate'], consent: null };
const AISP = '/open-banking/v4.0/aisp/account-access-consents';
const PISP = '/open-banking/v4.0/pisp/domestic-payment-consents';
const TOKEN = SANDBOX_SECRETS.consentAuthorisationToken;
const future = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

describe('consent routes of the journeys subgraph', () => {
  let stack: Stack;
  let base: string;
  const signer = new ContextSigner(authConfig({ NODE_ENV: 'test' }).internalContextKey);
  beforeAll(async () => {
    stack = await startStack();
    base = stack.subgraphs.journeys.url.replace(/\/graphql$/, '');
  });
  afterAll(() => stack?.stop());

  async function call(method: string, path: string, principal: Principal | null, body?: unknown, raw?: string, extra: Record<string, string> = {}): Promise<{ status: number; body: Json; headers: Headers }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extra };
    if (principal) headers['x-bankgraph-context'] = await signer.sign({ principal, requestId: 'req-consents' }, { audience: 'journeys', expiresAtMs: Date.now() + 10_000 });
    const res = await fetch(`${base}${path}`, { method, headers, ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Json, headers: res.headers };
  }
  const authorisation = (method: 'GET' | 'POST', id: string, opts: { token?: string; customer?: string; body?: unknown } = {}) =>
    fetch(`${base}/internal/consents/${id}/authorisation${method === 'GET' ? `?customer=${opts.customer ?? 'cust-0001'}` : ''}`, {
      method,
      headers: { authorization: `Bearer ${opts.token ?? TOKEN}`, 'content-type': 'application/json' },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: { code: string } } }));

  const create = (body: unknown = { Data: { Permissions: ['ReadAccountsBasic', 'ReadBalances'], ExpirationDateTime: future(30) } }) => call('POST', AISP, budget, body);

  describe('account-access-consents', () => {
    it('creates one AwaitingAuthorisation in OB shape, reads it back, and deletes it (Rejected before authorisation)', async () => {
      const created = await create({
        Data: {
          Permissions: ['ReadAccountsBasic', 'ReadBalances', 'ReadBalances'],
          ExpirationDateTime: '2099-01-01T00:00:00+01:00',
          TransactionFromDateTime: '2024-01-01T00:00:00Z',
          TransactionToDateTime: '2024-12-31T23:59:59Z',
          AccountIds: ['acc-5001'],
          FrequencyPerDay: 2,
        },
      });
      expect(created.status).toBe(201);
      const id = created.body.Data?.ConsentId as string;
      expect(id).toMatch(/^aac-[0-9a-f-]{36}$/);
      expect(created.headers.get('location')).toBe(`${AISP}/${id}`);
      expect(created.body).toEqual({
        Data: {
          ConsentId: id,
          Status: 'AwaitingAuthorisation',
          StatusUpdateDateTime: expect.any(String),
          CreationDateTime: expect.any(String),
          Permissions: ['ReadAccountsBasic', 'ReadBalances'],
          ExpirationDateTime: '2098-12-31T23:00:00.000Z',
          TransactionFromDateTime: '2024-01-01T00:00:00.000Z',
          TransactionToDateTime: '2024-12-31T23:59:59.000Z',
          AccountIds: ['acc-5001'],
          FrequencyPerDay: 2,
          RecurringIndicator: true,
        },
        Links: { Self: `${AISP}/${id}` },
        Meta: {},
      });
      const read = await call('GET', `${AISP}/${id}`, budget);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(created.body);
      expect((await stack.journeys.consents.get(id))?.permissions).toEqual(['accounts:basic', 'balances:read']);

      const deleted = await call('DELETE', `${AISP}/${id}`, budget);
      expect(deleted.status).toBe(204);
      expect((await call('GET', `${AISP}/${id}`, budget)).body.Data?.Status).toBe('Rejected');
      // Deleting again: nothing left to end.
      const again = await call('DELETE', `${AISP}/${id}`, budget);
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('CONSENT_STATE_CONFLICT');
    });

    it('deletes an authorised one as Revoked, audited as the partner', async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      expect((await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001'] } })).status).toBe(200);
      expect((await call('DELETE', `${AISP}/${id}`, budget)).status).toBe(204);
      expect((await stack.journeys.consents.get(id))?.status).toBe('Revoked');
      const events = (stack.audit as unknown as { events: { consentId?: string; who: string; outcome: string; previousStatus?: string }[] }).events.filter((e) => e.consentId === id);
      expect(events.map((e) => [e.who, e.previousStatus ?? null, e.outcome])).toEqual([
        ['partner:budget-app', null, 'AwaitingAuthorisation'],
        ['authorisation-server:cust-0001', 'AwaitingAuthorisation', 'Authorised'],
        ['partner:budget-app', 'Authorised', 'Revoked'],
      ]);
    });

    const bad: [string, unknown, number, string, string?][] = [
      ['no body', undefined, 400, 'CONSENT_INVALID', 'Data'],
      ['no Data', { Permissions: ['ReadBalances'] }, 400, 'CONSENT_INVALID', 'Data'],
      ['Data not an object', { Data: [] }, 400, 'CONSENT_INVALID'],
      ['no Permissions', { Data: {} }, 400, 'CONSENT_INVALID', 'Data.Permissions'],
      ['empty Permissions', { Data: { Permissions: [] } }, 400, 'CONSENT_INVALID'],
      ['Permissions not a list', { Data: { Permissions: 'ReadBalances' } }, 400, 'CONSENT_INVALID'],
      ['an unknown permission', { Data: { Permissions: ['ReadBalances', 'ReadEverything'] } }, 400, 'CONSENT_INVALID', 'Data.Permissions'],
      ['a permission that is not text', { Data: { Permissions: [42] } }, 400, 'CONSENT_INVALID'],
      ['a permission not granted to the partner', { Data: { Permissions: ['ReadParty'] } }, 403, 'CONSENT_SCOPE_NOT_GRANTED', 'Data.Permissions'],
      ['an expiry in the past', { Data: { Permissions: ['ReadBalances'], ExpirationDateTime: '2001-01-01T00:00:00Z' } }, 400, 'CONSENT_INVALID', 'Data.ExpirationDateTime'],
      ['an expiry without a zone', { Data: { Permissions: ['ReadBalances'], ExpirationDateTime: '2099-01-01T00:00:00' } }, 400, 'CONSENT_INVALID'],
      ['an expiry that is no date', { Data: { Permissions: ['ReadBalances'], ExpirationDateTime: 'tomorrow' } }, 400, 'CONSENT_INVALID'],
      ['a window the wrong way round', { Data: { Permissions: ['ReadBalances'], TransactionFromDateTime: '2024-02-01T00:00:00Z', TransactionToDateTime: '2024-01-01T00:00:00Z' } }, 400, 'CONSENT_INVALID'],
      ['AccountIds not ids', { Data: { Permissions: ['ReadBalances'], AccountIds: ['acc 1; drop'] } }, 400, 'CONSENT_INVALID', 'Data.AccountIds'],
      ['FrequencyPerDay zero', { Data: { Permissions: ['ReadBalances'], FrequencyPerDay: 0 } }, 400, 'CONSENT_INVALID'],
      ['FrequencyPerDay a fraction', { Data: { Permissions: ['ReadBalances'], FrequencyPerDay: 1.5 } }, 400, 'CONSENT_INVALID'],
      ['RecurringIndicator not a boolean', { Data: { Permissions: ['ReadBalances'], RecurringIndicator: 'yes' } }, 400, 'CONSENT_INVALID'],
      ['a one-off consent asking for more than one access a day', { Data: { Permissions: ['ReadBalances'], RecurringIndicator: false, FrequencyPerDay: 4 } }, 400, 'CONSENT_INVALID'],
    ];
    for (const [what, body, status, code, path] of bad) {
      it(`refuses ${what} with ${status} ${code} in an OB error body`, async () => {
        const answer = await call('POST', AISP, budget, body);
        expect(answer.status).toBe(status);
        expect(answer.body).toMatchObject({ Code: expect.stringMatching(new RegExp(`^${status} `)), code, Errors: [{ ErrorCode: expect.stringMatching(/^UK\.OBIE\./), Message: expect.any(String) }] });
        if (path) expect(answer.body.Errors?.[0]).toMatchObject({ Path: path });
      });
    }

    it('refuses malformed JSON with 400 and an OB body, and no signed context with 401', async () => {
      const malformed = await call('POST', AISP, budget, undefined, '{"Data": ');
      expect(malformed.status).toBe(400);
      expect(malformed.body).toMatchObject({ code: 'BAD_REQUEST', Errors: [{ ErrorCode: 'UK.OBIE.Resource.InvalidFormat' }] });
      const huge = await call('POST', AISP, budget, undefined, JSON.stringify({ Data: { Permissions: ['ReadBalances'], Padding: 'x'.repeat(1_100_000) } }));
      expect(huge.status).toBe(413);
      expect(huge.body.code).toBe('BAD_REQUEST');
      const anonymous = await call('POST', AISP, null, { Data: { Permissions: ['ReadBalances'] } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('UNAUTHENTICATED');
      const customer = await call('POST', AISP, { kind: 'customer', customerId: 'cust-0001' }, { Data: { Permissions: ['ReadBalances'] } });
      expect(customer.status).toBe(403);
      expect(customer.body.code).toBe('FORBIDDEN');
      const unregistered = await call('POST', AISP, { ...budget, clientId: 'nobody-app' }, { Data: { Permissions: ['ReadBalances'] } });
      expect(unregistered.status).toBe(403);
    });

    it("answers another partner's consent, an unknown id, a tampered id and a payment consent's id with 404 CONSENT_NOT_FOUND", async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      const payment = (await call('POST', PISP, payroll, paymentRequest())).body.Data?.ConsentId as string;
      for (const [principal, path] of [
        [payroll, `${AISP}/${id}`],
        [budget, `${AISP}/aac-00000000-0000-4000-8000-000000000000`],
        [budget, `${AISP}/${id.slice(0, -1)}${id.endsWith('a') ? 'b' : 'a'}`],
        [budget, `${AISP}/${encodeURIComponent('../../internal')}`],
        [budget, `${AISP}/%E0%A4%A`],
        [payroll, `${AISP}/${payment}`],
      ] as const) {
        for (const method of ['GET', 'DELETE']) {
          const answer = await call(method, path, principal);
          expect(answer.status, `${method} ${path}`).toBe(404);
          expect(answer.body).toMatchObject({ code: 'CONSENT_NOT_FOUND', Errors: [{ ErrorCode: 'UK.OBIE.Resource.NotFound' }] });
        }
      }
      // Nothing was changed by the other partner's DELETE.
      expect((await call('GET', `${AISP}/${id}`, budget)).body.Data?.Status).toBe('AwaitingAuthorisation');
      expect((await call('PUT', `${AISP}/${id}`, budget)).status).toBe(405);
      expect((await call('GET', AISP, budget)).status).toBe(405);
      expect((await call('GET', '/open-banking/v4.0/aisp/accounts', budget)).status).toBe(404);
    });
  });

  function paymentRequest(over: Record<string, unknown> = {}) {
    return {
      Data: {
        Initiation: {
          InstructedAmount: { Amount: '12.5', Currency: 'EUR' },
          CreditorAccount: { SchemeName: 'UK.OBIE.IBAN', Identification: 'DE75 5121 0800 1245 1261 99', Name: 'Jane Beneficiary' },
          RemittanceInformation: { Reference: 'invoice 42' },
          DebtorAccount: { Identification: 'acc-5001' },
          ...over,
        },
      },
    };
  }

  describe('domestic-payment-consents', () => {
    it('makes one consent per x-idempotency-key: a retry or a burst gets it, another body with the key is refused', async () => {
      const key = `idem-${Date.now()}`;
      const body = { Data: { Permissions: ['ReadAccountsBasic'], ExpirationDateTime: future(30) } };
      const burst = await Promise.all(Array.from({ length: 5 }, () => call('POST', AISP, budget, body, undefined, { 'x-idempotency-key': key })));
      expect(burst.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
      const ids = new Set(burst.map((r) => r.body.Data?.ConsentId));
      expect(ids.size).toBe(1);
      const retry = await call('POST', AISP, budget, body, undefined, { 'x-idempotency-key': key });
      expect(retry.body.Data?.ConsentId).toBe([...ids][0]);
      const other = await call('POST', AISP, budget, { Data: { Permissions: ['ReadBalances'] } }, undefined, { 'x-idempotency-key': key });
      expect([other.status, other.body.code]).toEqual([400, 'IDEMPOTENCY_KEY_REUSED']);
      // The key is the partner's own: another partner's same key is another request.
      const theirs = await call('POST', AISP, payroll, body, undefined, { 'x-idempotency-key': key });
      expect(theirs.body.Data?.ConsentId).not.toBe([...ids][0]);
      expect((await call('POST', AISP, budget, body, undefined, { 'x-idempotency-key': 'a b' })).status).toBe(400);
    });

    it('gives a one-off consent (RecurringIndicator false) one access a day', async () => {
      const created = await create({ Data: { Permissions: ['ReadAccountsBasic'], RecurringIndicator: false } });
      expect(created.status).toBe(201);
      expect(created.body.Data).toMatchObject({ RecurringIndicator: false, FrequencyPerDay: 1 });
    });

    it('creates one for the payment it describes, normalised, and reads it back', async () => {
      const created = await call('POST', PISP, payroll, paymentRequest());
      expect(created.status).toBe(201);
      const id = created.body.Data?.ConsentId as string;
      expect(id).toMatch(/^pdc-/);
      expect(created.body.Data).toMatchObject({
        Status: 'AwaitingAuthorisation',
        Initiation: {
          InstructedAmount: { Amount: '12.50', Currency: 'EUR' },
          CreditorAccount: { SchemeName: 'UK.OBIE.IBAN', Identification: 'DE75512108001245126199', Name: 'Jane Beneficiary' },
          RemittanceInformation: { Reference: 'invoice 42' },
          DebtorAccount: { Identification: 'acc-5001' },
        },
      });
      expect((await call('GET', `${PISP}/${id}`, payroll)).body).toEqual(created.body);
      expect((await stack.journeys.consents.get(id))).toMatchObject({ kind: 'payment', permissions: ['payments:initiate'], requestedAccountIds: ['acc-5001'], recurringIndicator: false });
    });

    const bad: [string, Record<string, unknown>][] = [
      ['no amount', { InstructedAmount: undefined }],
      ['a negative amount', { InstructedAmount: { Amount: '-1.00', Currency: 'EUR' } }],
      ['a zero amount', { InstructedAmount: { Amount: '0.00', Currency: 'EUR' } }],
      ['too many decimals', { InstructedAmount: { Amount: '1.001', Currency: 'EUR' } }],
      ['an amount as a number', { InstructedAmount: { Amount: 12.5, Currency: 'EUR' } }],
      ['an unknown currency', { InstructedAmount: { Amount: '1.00', Currency: 'XYZ' } }],
      ['no creditor', { CreditorAccount: undefined }],
      ['a creditor without a name', { CreditorAccount: { Identification: 'DE75512108001245126199' } }],
      ['a creditor account that is no IBAN', { CreditorAccount: { Identification: 'not an iban', Name: 'X' } }],
      // What the payment journey would refuse, so that a consent to it could be authorised, spent and never paid.
      ['an IBAN with a typo (check digits)', { CreditorAccount: { Identification: 'DE75512108001245126198', Name: 'X' } }],
      ['one of our account ids as the creditor', { CreditorAccount: { SchemeName: 'Bankgraph.AccountId', Identification: 'acc-5002', Name: 'X' } }],
      ['a debtor account that is no id', { DebtorAccount: { Identification: 'a b' } }],
      ['a reference too long', { RemittanceInformation: { Reference: 'x'.repeat(141) } }],
    ];
    for (const [what, over] of bad) {
      it(`refuses ${what} with 400 CONSENT_INVALID`, async () => {
        const answer = await call('POST', PISP, payroll, paymentRequest(over));
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ code: 'CONSENT_INVALID', Errors: [{ ErrorCode: 'UK.OBIE.Field.Invalid', Path: expect.stringMatching(/^Data\.Initiation/) }] });
      });
    }

    it('refuses a partner not granted payments:initiate with 403 CONSENT_SCOPE_NOT_GRANTED', async () => {
      const answer = await call('POST', PISP, budget, paymentRequest());
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('CONSENT_SCOPE_NOT_GRANTED');
    });
  });

  describe('the authorisation routes', () => {
    it("shows the consent, the partner, the permissions and the customer's own accounts, then approves with the accounts chosen", async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      const shown = await authorisation('GET', id);
      expect(shown.status).toBe(200);
      expect(shown.body).toMatchObject({
        consent: { id, status: 'AwaitingAuthorisation', partner: 'budget-app', customerId: null },
        partnerName: 'Budget App (sandbox)',
        permissions: [
          { scope: 'accounts:basic', text: expect.any(String) },
          { scope: 'balances:read', text: 'Balances of the consented accounts.' },
        ],
      });
      const accounts = shown.body.accounts as { id: string; name: string; currency: string; maskedNumber: string }[];
      expect(accounts.map((a) => a.id)).toEqual(expect.arrayContaining(['acc-5001', 'acc-5002']));
      expect(accounts.map((a) => a.id)).not.toContain('acc-5004');
      expect(accounts[0]).toEqual({ id: 'acc-5001', name: 'Everyday Current', currency: 'EUR', maskedNumber: expect.stringMatching(/^…\d{4}$/) });

      const approved = await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001', 'acc-5002'] } });
      expect(approved).toEqual({ status: 200, body: { status: 'Authorised' } });
      expect(await stack.journeys.consents.get(id)).toMatchObject({ status: 'Authorised', customerId: 'cust-0001', accountIds: ['acc-5001', 'acc-5002'] });
      // Twice: the consent no longer awaits authorisation.
      const twice = await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001'] } });
      expect(twice.status).toBe(409);
      expect(twice.body.error?.code).toBe('CONSENT_STATE_CONFLICT');
      expect((await authorisation('GET', id)).status).toBe(409);
    });

    it('declines (Rejected), and refuses to decide twice', async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      expect(await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'decline' } })).toEqual({ status: 200, body: { status: 'Rejected' } });
      expect((await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'decline' } })).status).toBe(409);
    });

    it("refuses another customer's account, an account the partner did not ask for, no accounts, a bad decision, with 400 CONSENT_INVALID", async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      const limited = (await create({ Data: { Permissions: ['ReadBalances'], AccountIds: ['acc-5001'] } })).body.Data?.ConsentId as string;
      for (const [consent, body] of [
        [id, { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5004'] }],
        [id, { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001', 'acc-9999'] }],
        [id, { customer: 'cust-0001', decision: 'approve', accountIds: [] }],
        [id, { customer: 'cust-0001', decision: 'approve' }],
        [id, { customer: 'cust-0001', decision: 'maybe', accountIds: ['acc-5001'] }],
        [id, { decision: 'approve', accountIds: ['acc-5001'] }],
        [limited, { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5002'] }],
      ] as const) {
        const answer = await authorisation('POST', consent, { body });
        expect(answer.status, JSON.stringify(body)).toBe(400);
        expect(answer.body.error?.code).toBe('CONSENT_INVALID');
      }
      expect((await stack.journeys.consents.get(id))?.status).toBe('AwaitingAuthorisation');
      // Only what was asked for is shown.
      expect(((await authorisation('GET', limited)).body.accounts as { id: string }[]).map((a) => a.id)).toEqual(['acc-5001']);
    });

    it('refuses a wrong or missing token with 401, an unknown consent with 404', async () => {
      const id = (await create()).body.Data?.ConsentId as string;
      for (const token of ['wrong', '', `${TOKEN}x`]) {
        expect((await authorisation('GET', id, { token })).status).toBe(401);
        expect((await authorisation('POST', id, { token, body: { customer: 'cust-0001', decision: 'decline' } })).status).toBe(401);
      }
      // The gateway's signed context is no way in either.
      const signed = await call('GET', `/internal/consents/${id}/authorisation?customer=cust-0001`, budget);
      expect(signed.status).toBe(401);
      expect((await stack.journeys.consents.get(id))?.status).toBe('AwaitingAuthorisation');
      expect((await authorisation('GET', '%E0%A4%A')).status).toBe(404);
      const unknown = await authorisation('GET', 'aac-00000000-0000-4000-8000-000000000000');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error?.code).toBe('CONSENT_NOT_FOUND');
    });

    it('shows a payment consent with the accounts it can pay from and takes exactly one', async () => {
      const id = (await call('POST', PISP, payroll, paymentRequest({ DebtorAccount: undefined }))).body.Data?.ConsentId as string;
      const shown = await authorisation('GET', id);
      expect(shown.body.permissions).toEqual([{ scope: 'payments:initiate', text: expect.any(String) }]);
      expect((await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001', 'acc-5002'] } })).status).toBe(400);
      expect((await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001'] } })).body).toEqual({ status: 'Authorised' });
    });
  });

  describe('the access check', () => {
    it('answers the standing and the consent as the principal carries it, counting live accesses', async () => {
      const id = (await create({ Data: { Permissions: ['ReadAccountsBasic'], FrequencyPerDay: 1 } })).body.Data?.ConsentId as string;
      const access = (principal: Principal, body: unknown) => call('POST', `/internal/consents/${id}/access`, principal, body);
      expect((await access(budget, { customerPresent: false })).body).toEqual({ standing: 'awaiting-authorisation', consent: null, accessesToday: 0 });
      await authorisation('POST', id, { body: { customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001'] } });
      expect((await access(budget, { customerPresent: false })).body).toEqual({
        standing: 'live',
        accessesToday: 1,
        consent: { id, kind: 'account-access', customerId: 'cust-0001', accountIds: ['acc-5001'], expiresAt: null, permissions: ['accounts:basic'], transactionFrom: null, transactionTo: null, payment: null },
      });
      expect((await access(budget, { customerPresent: false })).body).toEqual({ standing: 'frequency-exceeded', consent: null, accessesToday: 1 });
      expect((await access(budget, { customerPresent: true })).body).toMatchObject({ standing: 'live', accessesToday: 2 });
      expect((await access(payroll, { customerPresent: true })).body).toMatchObject({ standing: 'other-partner', consent: null });
      // Refusals: a body that is not {customerPresent: boolean}, a customer's context, none at all.
      expect((await access(budget, {})).status).toBe(400);
      expect((await access(budget, { customerPresent: 'no' })).body).toMatchObject({ error: { code: 'CONSENT_INVALID' } });
      expect((await access({ kind: 'customer', customerId: 'cust-0001' }, { customerPresent: true })).status).toBe(403);
      expect((await call('POST', `/internal/consents/${id}/access`, null, { customerPresent: true })).status).toBe(401);
      expect((await call('GET', `/internal/consents/${id}/access`, budget)).status).toBe(405);
      expect((await call('POST', '/internal/consents/x/other', budget, {})).status).toBe(404);
      expect((await call('POST', `/internal/consents/${encodeURIComponent('a b')}/access`, budget, { customerPresent: true })).body).toMatchObject({ standing: 'missing' });
      expect((await call('POST', '/internal/consents/%E0%A4%A/access', budget, { customerPresent: true })).body).toMatchObject({ standing: 'missing' });
    });
  });
});
