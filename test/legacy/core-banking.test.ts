import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCoreBankingSimulator } from '../../legacy/core-banking/server.js';
import type { RunningSimulator, Simulator } from '../../legacy/http.js';

const API = '/fineract-provider/api/v1';
const AUTH = {
  authorization: `Basic ${Buffer.from('mifos:password').toString('base64')}`,
  'fineract-platform-tenantid': 'default',
};
const NOW = new Date('2026-11-20T09:30:00Z');

let sim: Simulator;
let running: RunningSimulator;

beforeAll(async () => {
  sim = createCoreBankingSimulator({ now: () => NOW });
  running = await sim.listen(0);
});
afterAll(() => running.close());
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

type Json = any; // any: the assertions read arbitrary JSON of the legacy dialect, and a wrong guess fails the test anyway

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = AUTH): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${running.url}${API}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

function expectFineractError(json: Json, status: number, code?: string): void {
  expect(json.httpStatusCode).toBe(String(status));
  expect(typeof json.httpStatusCode).toBe('string');
  expect(typeof json.developerMessage).toBe('string');
  expect(typeof json.defaultUserMessage).toBe('string');
  expect(typeof json.userMessageGlobalisationCode).toBe('string');
  expect(Array.isArray(json.errors)).toBe(true);
  if (code) {
    const codes = [json.userMessageGlobalisationCode, ...json.errors.map((e: Json) => e.userMessageGlobalisationCode)];
    expect(codes).toContain(code);
  }
}

/** A request body with dates in the format it declares. */
const date = (body: Record<string, unknown>) => ({ dateFormat: 'dd MMMM yyyy', locale: 'en', ...body });

describe('core-banking simulator: authentication', () => {
  it('refuses a request without the tenant header (400) or with another tenant (401)', async () => {
    const noTenant = await api('GET', '/clients/1001', undefined, { authorization: AUTH.authorization });
    expect(noTenant.status).toBe(400);
    expectFineractError(noTenant.json, 400);
    const otherTenant = await api('GET', '/clients/1001', undefined, { ...AUTH, 'fineract-platform-tenantid': 'other' });
    expect(otherTenant.status).toBe(401);
    expectFineractError(otherTenant.json, 401);
  });

  it('refuses missing or wrong Basic credentials with 401', async () => {
    const none = await api('GET', '/clients/1001', undefined, { 'fineract-platform-tenantid': 'default' });
    expect(none.status).toBe(401);
    expectFineractError(none.json, 401, 'error.msg.not.authenticated');
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await api('GET', '/clients/1001', undefined, {
      ...AUTH,
      authorization: `Basic ${Buffer.from('mifos:wrong').toString('base64')}`,
    });
    expect(wrong.status).toBe(401);
    const ok = await api('GET', '/clients/1001');
    expect(ok.status).toBe(200);
  });

  it('guards the batch endpoint too', async () => {
    const res = await api('POST', '/batches', [{ requestId: 1, relativeUrl: 'clients/1001', method: 'GET' }], { 'fineract-platform-tenantid': 'default' });
    expect(res.status).toBe(401);
  });
});

describe('core-banking simulator: reads in the Fineract dialect', () => {
  it('answers 404 in the Fineract error shape, httpStatusCode as a string', async () => {
    const res = await api('GET', '/clients/99999');
    expect(res.status).toBe(404);
    expectFineractError(res.json, 404, 'error.msg.client.id.invalid');
    expect(res.json.errors[0]).toMatchObject({ parameterName: 'id' });
    const route = await api('GET', '/no-such-thing');
    expect(route.status).toBe(404);
    expectFineractError(route.json, 404);
  });

  it('shows cust-0001 as client 1001 with date arrays and enum objects', async () => {
    const byId = await api('GET', '/clients/1001');
    const byExternal = await api('GET', '/clients/external-id/cust-0001');
    expect(byExternal.json).toEqual(byId.json);
    expect(byId.json).toMatchObject({
      id: 1001,
      externalId: 'cust-0001',
      firstname: 'Amelia',
      lastname: 'Hartmann',
      emailAddress: 'amelia.hartmann@example.com',
      mobileNo: '+49 30 1234567',
      dateOfBirth: [1988, 4, 12],
      activationDate: [2019, 3, 1],
      status: { id: 300, code: 'clientStatusType.active', value: 'Active' },
    });
  });

  it('lists account summaries with accountBalance directly, floats in major units', async () => {
    const res = await api('GET', '/clients/external-id/cust-0001/accounts');
    const accounts = res.json.savingsAccounts;
    expect(accounts.map((a: Json) => [a.id, a.accountNo, a.productName, a.currency.code, a.accountBalance])).toEqual([
      [5001, '000005001', 'Everyday Current', 'EUR', 2450.75],
      [5002, '000005002', 'Easy Saver', 'GBP', 1200],
      [5003, '000005003', 'Dollar Account', 'USD', 310.4],
    ]);
    expect(accounts[0].status).toMatchObject({ id: 300, code: 'savingsAccountStatusType.active', active: true, closed: false });
    expect(accounts[0].currency).toMatchObject({ code: 'EUR', decimalPlaces: 2 });
    expect((await api('GET', '/clients/external-id/cust-0003/accounts')).json.savingsAccounts).toHaveLength(50);
    expect((await api('GET', '/clients/external-id/cust-0002/accounts')).json.savingsAccounts).toHaveLength(1);
  });

  it('shows a savings account in full, with summary balances and a timeline', async () => {
    const res = await api('GET', '/savingsaccounts/5001');
    expect(res.json).toMatchObject({
      id: 5001,
      clientId: 1001,
      savingsProductName: 'Everyday Current',
      summary: { accountBalance: 2450.75, availableBalance: 2400.75 },
      timeline: { activatedOnDate: [2019, 3, 1] },
      status: { id: 300 },
    });
  });

  it("searches transactions newest first, Fineract's way: {total, content}, offset a page number", async () => {
    const first = await api('GET', '/savingsaccounts/5001/transactions/search?offset=0&limit=2&orderBy=transactionDate&sortOrder=DESC');
    expect(Object.keys(first.json).sort()).toEqual(['content', 'total']);
    expect(first.json.total).toBe(30);
    expect(first.json.content).toHaveLength(2);
    expect(first.json.content[0]).toMatchObject({
      transactionType: { id: 1, code: 'savingsAccountTransactionType.deposit', deposit: true, withdrawal: false },
      accountId: 5001,
      date: [2026, 10, 1],
      amount: 100.5,
      runningBalance: 2450.75,
      reversed: false,
    });
    // Savings transactions have no externalId in Fineract; a seeded one has no payment details either.
    expect(first.json.content[0]).not.toHaveProperty('externalId');
    expect(first.json.content[0]).not.toHaveProperty('paymentDetailData');
    expect(first.json.content[1]).toMatchObject({ transactionType: { id: 2 }, date: [2026, 9, 30], amount: 20.25, runningBalance: 2350.25 });
    // offset=5 with limit=5 is the sixth page (items 25..29), not the sixth item.
    const last = await api('GET', '/savingsaccounts/5001/transactions/search?offset=5&limit=5&orderBy=transactionDate&sortOrder=DESC');
    expect(last.json.content.map((t: Json) => t.date)).toEqual([[2026, 9, 6], [2026, 9, 5], [2026, 9, 4], [2026, 9, 3], [2026, 9, 2]]);
    expect((await api('GET', '/savingsaccounts/5001/transactions/search?offset=6&limit=5')).json).toEqual({ total: 30, content: [] });
  });

  it('lists every transaction of an account with associations=transactions, newest first', async () => {
    const plain = (await api('GET', '/savingsaccounts/5001')).json;
    expect(plain).not.toHaveProperty('transactions');
    const full = (await api('GET', '/savingsaccounts/5001?associations=transactions')).json;
    expect(full.transactions).toHaveLength(30);
    expect(full.transactions[0]).toMatchObject({ date: [2026, 10, 1], amount: 100.5, runningBalance: 2450.75 });
    expect(full.transactions.at(-1)).toMatchObject({ date: [2026, 9, 2] });
    expect(full.summary).toEqual(plain.summary);
  });

  it('has one reversed transaction: the withdrawal of 50 on 5002, which the balance and the totals leave out', async () => {
    const page = await api('GET', '/savingsaccounts/5002/transactions/search?offset=0&limit=10');
    expect(page.json.total).toBe(4);
    expect(page.json.content.map((t: Json) => [t.transactionType.id, t.date, t.amount, t.runningBalance, t.reversed])).toEqual([
      [3, [2026, 10, 1], 1.25, 1200, false],
      [2, [2026, 9, 20], 50, 1198.75, true],
      [4, [2026, 9, 15], 2.5, 1198.75, false],
      [1, [2026, 9, 1], 1201.25, 1201.25, false],
    ]);
    const account = (await api('GET', '/savingsaccounts/5002')).json;
    expect(account.summary).toMatchObject({ accountBalance: 1200, totalWithdrawals: 0, totalDeposits: 1201.25 });
  });
});

describe('core-banking simulator: undoing a transaction', () => {
  const deposit = async (savingsId: number, amount: number, receiptNumber: string) =>
    (await api('POST', `/savingsaccounts/${savingsId}/transactions?command=deposit`, date({ transactionDate: '20 November 2026', transactionAmount: amount, paymentTypeId: 3, receiptNumber })))
      .json.resourceId as number;
  const undo = (savingsId: number, txnId: number | string, command = 'undo') => api('POST', `/savingsaccounts/${savingsId}/transactions/${txnId}?command=${command}`, {});

  it('reverses a deposit: flagged, the balance back, later running balances moved; refused twice', async () => {
    const first = await deposit(5006, 10, 'undo-a');
    const second = await deposit(5006, 5, 'undo-b');
    const before = (await api('GET', '/savingsaccounts/5006')).json.summary.accountBalance as number;

    const res = await undo(5006, first);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ savingsId: 5006, resourceId: first, changes: { reversed: true } });
    expect((await api('GET', '/savingsaccounts/5006')).json.summary.accountBalance).toBeCloseTo(before - 10, 2);
    const byId = new Map<number, Json>((await api('GET', '/savingsaccounts/5006/transactions/search?offset=0&limit=10')).json.content.map((t: Json) => [t.id, t]));
    expect(byId.get(first)).toMatchObject({ reversed: true, amount: 10 });
    expect(byId.get(second)).toMatchObject({ reversed: false });
    expect(byId.get(second).runningBalance).toBeCloseTo(before - 10, 2);
    expect(byId.get(first).paymentDetailData).toMatchObject({ paymentType: { id: 3, name: 'Digital Journey' }, receiptNumber: 'undo-a' });

    const again = await undo(5006, first);
    expect(again.status).toBe(403);
    expectFineractError(again.json, 403, 'error.msg.savingsaccount.transaction.already.reversed');
  });

  it('refuses an unknown command, a transaction of another account, a fee, and a deposit already spent', async () => {
    const txn = await deposit(5008, 1, 'undo-c');
    expect((await undo(5008, txn, 'adjust')).status).toBe(400);
    expect((await undo(5001, txn)).status).toBe(404);
    expect((await undo(5008, 999999)).status).toBe(404);
    const fee = (await api('GET', '/savingsaccounts/5008/transactions/search?offset=0&limit=10')).json.content.find((t: Json) => t.transactionType.id === 4);
    expectFineractError((await undo(5008, fee.id)).json, 403, 'error.msg.savingsaccount.transaction.undo.not.allowed');

    const balance = (await api('GET', '/savingsaccounts/5008')).json.summary.accountBalance as number;
    await api('POST', '/savingsaccounts/5008/transactions?command=withdrawal', date({ transactionDate: '20 November 2026', transactionAmount: balance }));
    expectFineractError((await undo(5008, txn)).json, 403, 'error.msg.savingsaccount.transaction.insufficient.account.balance');
  });
});

describe('core-banking simulator: batches', () => {
  it('answers each sub-request with its own status and its body as a JSON string, in one counted call', async () => {
    const res = await api('POST', '/batches?enclosingTransaction=false', [
      { requestId: 1, relativeUrl: 'v1/savingsaccounts/5002', method: 'GET' },
      { requestId: 2, relativeUrl: 'v1/savingsaccounts/999999', method: 'GET' },
      { requestId: 3, relativeUrl: 'v1/savingsaccounts/5001?associations=transactions', method: 'GET' },
      { requestId: 4, relativeUrl: 'v1/savingsaccounts/$.id', method: 'GET', reference: 1 },
      { requestId: 5, relativeUrl: 'v1/savingsaccounts/$.id', method: 'GET', reference: 2 },
      { requestId: 6, relativeUrl: 'v1/savingsaccounts/$.nope', method: 'GET', reference: 1 },
    ]);
    expect(res.status).toBe(200);
    const byId = new Map<number, Json>(res.json.map((r: Json) => [r.requestId, r]));
    for (const r of res.json) expect(typeof r.body).toBe('string');
    expect(byId.get(1).statusCode).toBe(200);
    expect(JSON.parse(byId.get(1).body)).toMatchObject({ id: 5002, clientId: 1001, summary: { accountBalance: 1200 } });
    expect(byId.get(2).statusCode).toBe(404);
    expectFineractError(JSON.parse(byId.get(2).body), 404);
    expect(JSON.parse(byId.get(3).body).transactions).toHaveLength(30);
    expect(JSON.parse(byId.get(4).body)).toMatchObject({ id: 5002 });
    expect(byId.get(5).statusCode).toBe(409);
    expect(byId.get(6).statusCode).toBe(400);
    const stats = (await (await fetch(`${running.url}/__stats`)).json()) as Json;
    expect(stats.total).toBe(1);
    expect(stats.routes[`POST ${API}/batches`]).toBe(1);
  });

  it("runs only the relative URLs Fineract's CommandStrategyProvider lists: any other part is a 501 with a plain-text body", async () => {
    const refused = [
      { requestId: 1, relativeUrl: 'clients/external-id/cust-0001', method: 'GET' },
      { requestId: 2, relativeUrl: 'v1/clients/external-id/cust-0001', method: 'GET' },
      { requestId: 3, relativeUrl: 'v1/clients/1001/accounts', method: 'GET' },
      { requestId: 4, relativeUrl: 'savingsaccounts/5001', method: 'GET' },
      { requestId: 5, relativeUrl: 'v1/savingsaccounts/5001/transactions/search?offset=0&limit=3', method: 'GET' },
      { requestId: 6, relativeUrl: 'v1/savingsaccounts/5001/transactions/external-id/x', method: 'GET' },
      { requestId: 7, relativeUrl: 'http://elsewhere.example/v1/savingsaccounts/5001', method: 'GET' },
      { requestId: 8, relativeUrl: 'v1/savingsaccounts/5001', method: 'DELETE' },
    ];
    const res = await api('POST', '/batches', refused);
    expect(res.status).toBe(200);
    for (const part of res.json) {
      expect(part.statusCode).toBe(501);
      expect(part.body).toMatch(/^Resource with method \w+ and relativeUrl .+ doesn't exist$/);
    }
  });

  it('answers sub-requests with the platform 500 inside a 200 under a subRequestErrorRate fault, for one route or all', async () => {
    const items = [
      { requestId: 1, relativeUrl: 'v1/savingsaccounts/5002', method: 'GET' },
      { requestId: 2, relativeUrl: 'v1/savingsaccounts/5001?associations=transactions', method: 'GET' },
    ];
    // A fault on another route leaves the savings reads alone.
    sim.addFault({ route: `GET ${API}/clients/:clientId`, subRequestErrorRate: 1 });
    expect((await api('POST', '/batches', items)).json.map((r: Json) => r.statusCode)).toEqual([200, 200]);
    sim.clearFaults();
    sim.addFault({ route: `GET ${API}/savingsaccounts/:savingsId`, subRequestErrorRate: 1 });
    const one = await api('POST', '/batches', items);
    expect(one.status).toBe(200);
    expect(one.json.map((r: Json) => r.statusCode)).toEqual([500, 500]);
    expectFineractError(JSON.parse(one.json[1].body), 500, 'error.msg.platform.server.side.error');
    // A plain call to the same route is not a sub-request: it answers.
    expect((await api('GET', '/savingsaccounts/5001')).status).toBe(200);

    sim.clearFaults();
    sim.addFault({ subRequestErrorRate: 1 });
    expect((await api('POST', '/batches', items)).json.map((r: Json) => r.statusCode)).toEqual([500, 500]);
  });

  it('refuses a body that is not a list of requests', async () => {
    const res = await api('POST', '/batches', { requestId: 1 });
    expect(res.status).toBe(400);
    expectFineractError(res.json, 400);
  });
});

describe('core-banking simulator: writes', () => {
  it('creates a client and refuses a second one with the same externalId', async () => {
    const body = date({ officeId: 1, firstname: 'Ada', lastname: 'Lovelace', externalId: 'cust-7001', active: true, activationDate: '20 November 2026', dateOfBirth: '12 April 1988' });
    const created = await api('POST', '/clients', body);
    expect(created.status).toBe(200);
    expect(Object.keys(created.json).sort()).toEqual(['clientId', 'officeId', 'resourceId']);
    const client = await api('GET', `/clients/${created.json.clientId}`);
    expect(client.json).toMatchObject({ externalId: 'cust-7001', dateOfBirth: [1988, 4, 12], activationDate: [2026, 11, 20], timeline: { submittedOnDate: [2026, 11, 20] } });
    const again = await api('POST', '/clients', body);
    expect(again.status).toBe(403);
    expect(again.json.userMessageGlobalisationCode).toBe('error.msg.client.duplicate.externalId');
    expectFineractError(again.json, 403);
    const invalid = await api('POST', '/clients', { officeId: 1, active: false });
    expect(invalid.status).toBe(400);
    expect(invalid.json.errors.map((e: Json) => e.parameterName)).toEqual(expect.arrayContaining(['firstname', 'lastname']));
  });

  it('opens an account in three commands and refuses them out of order or twice', async () => {
    const opened = await api('POST', '/savingsaccounts', date({ clientId: 1002, productId: 2, externalId: 'open-1', submittedOnDate: '19 November 2026' }));
    expect(opened.status).toBe(200);
    const id = opened.json.savingsId;
    expect(opened.json).toMatchObject({ clientId: 1002, resourceId: id });
    const submitted = await api('GET', `/savingsaccounts/${id}`);
    expect(submitted.json).toMatchObject({ status: { id: 100, submittedAndPendingApproval: true }, currency: { code: 'GBP' } });

    const early = await api('POST', `/savingsaccounts/${id}?command=activate`, date({ activatedOnDate: '20 November 2026' }));
    expect(early.status).toBe(403);
    expect(early.json.userMessageGlobalisationCode).toBe('error.msg.savingsaccount.not.in.approved.state');
    const deposit = await api('POST', `/savingsaccounts/${id}/transactions?command=deposit`, date({ transactionDate: '20 November 2026', transactionAmount: 5 }));
    expect(deposit.status).toBe(403);

    expect((await api('POST', `/savingsaccounts/${id}?command=approve`, date({ approvedOnDate: '20 November 2026' }))).status).toBe(200);
    const twice = await api('POST', `/savingsaccounts/${id}?command=approve`, date({ approvedOnDate: '20 November 2026' }));
    expect(twice.status).toBe(403);
    expect(twice.json.userMessageGlobalisationCode).toBe('error.msg.savingsaccount.not.in.submittedandpendingapproval.state');
    expect((await api('POST', `/savingsaccounts/${id}?command=activate`, date({ activatedOnDate: '20 November 2026' }))).status).toBe(200);
    const active = await api('GET', `/savingsaccounts/${id}`);
    expect(active.json).toMatchObject({ status: { id: 300, active: true }, timeline: { approvedOnDate: [2026, 11, 20], activatedOnDate: [2026, 11, 20] } });

    const duplicate = await api('POST', '/savingsaccounts', date({ clientId: 1002, productId: 2, externalId: 'open-1', submittedOnDate: '19 November 2026' }));
    expect(duplicate.status).toBe(403);
  });

  it('books a deposit once however often it is sent with the same Idempotency-Key, and replays the answer from its cache', async () => {
    const body = date({ transactionDate: '20 November 2026', transactionAmount: '10.05', paymentTypeId: 3, receiptNumber: 'dep-1' });
    const key = { ...AUTH, 'idempotency-key': 'dep-1' };
    const first = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', body, key);
    const second = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', body, key);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-served-from-cache')).toBeNull();
    expect(second.json).toEqual(first.json);
    expect(second.headers.get('x-served-from-cache')).toBe('true');
    expect(Object.keys(first.json).sort()).toEqual(['clientId', 'officeId', 'resourceId', 'savingsId']);
    // Fineract does not compare bodies under one key: another amount under the same key gets the first answer.
    const reused = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...body, transactionAmount: 11 }, key);
    expect(reused.json).toEqual(first.json);
    const page = await api('GET', '/savingsaccounts/5004/transactions/search?offset=0&limit=10');
    expect(page.json.total).toBe(4);
    expect(page.json.content[0]).toMatchObject({
      id: first.json.resourceId,
      amount: 10.05,
      paymentDetailData: { paymentType: { id: 3 }, receiptNumber: 'dep-1' },
      submittedOnDate: [2026, 11, 20],
    });
    expect((await api('GET', '/savingsaccounts/5004')).json.summary.accountBalance).toBe(1030.55);
    // The key is per action: a withdrawal under the same key is its own command. Without a key, a repeat books again.
    const out = await api('POST', '/savingsaccounts/5004/transactions?command=withdrawal', { ...body, transactionAmount: 0.05 }, key);
    expect(out.json.resourceId).not.toBe(first.json.resourceId);
    await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...body, transactionAmount: 1 });
    await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...body, transactionAmount: 1 });
    expect((await api('GET', '/savingsaccounts/5004')).json.summary.accountBalance).toBe(1032.5);
  });

  it('refuses what a savings transaction does not take: an externalId, an unknown payment type, a receipt number over 50 characters', async () => {
    const base = date({ transactionDate: '20 November 2026', transactionAmount: 1 });
    const before = (await api('GET', '/savingsaccounts/5004/transactions/search?offset=0&limit=10')).json.total as number;
    const external = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...base, externalId: 'x-1' });
    expectFineractError(external.json, 400);
    expect(external.json.errors[0]).toMatchObject({ userMessageGlobalisationCode: 'error.msg.parameter.unsupported', parameterName: 'externalId' });
    const unknownType = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...base, paymentTypeId: 99, receiptNumber: 'r' });
    expectFineractError(unknownType.json, 404, 'error.msg.payment.type.invalid');
    const long = await api('POST', '/savingsaccounts/5004/transactions?command=deposit', { ...base, paymentTypeId: 3, receiptNumber: 'r'.repeat(51) });
    expectFineractError(long.json, 400);
    expect((await api('GET', '/savingsaccounts/5004/transactions/search?offset=0&limit=10')).json.total).toBe(before);
    expect((await api('GET', '/savingsaccounts/5004/transactions/external-id/x-1')).status).toBe(404);
  });

  it('lists the payment types a writer can name', async () => {
    const types = (await api('GET', '/paymenttypes')).json;
    expect(types.map((t: Json) => [t.id, t.name])).toEqual([[1, 'Money Transfer'], [2, 'Cash'], [3, 'Digital Journey']]);
  });

  it('replays a refusal under its Idempotency-Key too', async () => {
    const key = { ...AUTH, 'idempotency-key': 'too-much-1' };
    const available = (await api('GET', '/savingsaccounts/5005')).json.summary.availableBalance as number;
    const body = date({ transactionDate: '20 November 2026', transactionAmount: available + 1 });
    const first = await api('POST', '/savingsaccounts/5005/transactions?command=withdrawal', body, key);
    expect(first.status).toBe(403);
    const again = await api('POST', '/savingsaccounts/5005/transactions?command=withdrawal', { ...body, transactionAmount: 1 }, key);
    expect(again.status).toBe(403);
    expect(again.headers.get('x-served-from-cache')).toBe('true');
    expect(again.json).toEqual(first.json);
  });

  it('refuses a withdrawal beyond the available balance', async () => {
    // 5001 holds 2450.75 of which 2400.75 is available.
    const res = await api('POST', '/savingsaccounts/5001/transactions?command=withdrawal', date({ transactionDate: '20 November 2026', transactionAmount: 2400.76 }));
    expect(res.status).toBe(403);
    expect(res.json.userMessageGlobalisationCode).toBe('error.msg.savingsaccount.transaction.insufficient.account.balance');
    expect((await api('GET', '/savingsaccounts/5001')).json.summary.accountBalance).toBe(2450.75);
  });
});

describe('core-banking simulator: undoing an opening', () => {
  const open = async (clientId: number, ref: string) =>
    (await api('POST', '/savingsaccounts', date({ clientId, productId: 1, externalId: ref, submittedOnDate: '20 November 2026' }))).json.savingsId as number;
  const command = (id: number, name: string, body: Record<string, unknown> = {}) => api('POST', `/savingsaccounts/${id}?command=${name}`, date(body));

  it('rejects a submitted account and undoes an approval, refusing both from any other state', async () => {
    const id = await open(1003, 'undo-1');
    const notApproved = await command(id, 'undoapproval');
    expect(notApproved.status).toBe(403);
    expectFineractError(notApproved.json, 403, 'error.msg.savingsaccount.undoapproval.not.in.approved.state');
    expect((await command(id, 'approve', { approvedOnDate: '20 November 2026' })).status).toBe(200);
    expect((await command(id, 'reject', { rejectedOnDate: '20 November 2026' })).status).toBe(403);
    const undone = await command(id, 'undoapproval');
    expect(undone.status).toBe(200);
    expect(undone.json.changes.status).toMatchObject({ id: 100 });
    const submitted = await api('GET', `/savingsaccounts/${id}`);
    expect(submitted.json.status).toMatchObject({ id: 100, submittedAndPendingApproval: true });
    expect(submitted.json.timeline.approvedOnDate).toBeUndefined();

    expect((await command(id, 'reject')).status).toBe(400); // rejectedOnDate is mandatory
    const rejected = await command(id, 'reject', { rejectedOnDate: '20 November 2026' });
    expect(rejected.status).toBe(200);
    const after = await api('GET', `/savingsaccounts/${id}`);
    expect(after.json.status).toEqual({
      id: 500, code: 'savingsAccountStatusType.rejected', value: 'Rejected',
      submittedAndPendingApproval: false, approved: false, rejected: true, withdrawnByApplicant: false, active: false, closed: false,
    });
    expect(after.json.timeline.rejectedOnDate).toEqual([2026, 11, 20]);
    const again = await command(id, 'reject', { rejectedOnDate: '20 November 2026' });
    expect(again.status).toBe(403);
    expectFineractError(again.json, 403, 'error.msg.savingsaccount.reject.not.in.submittedandpendingapproval.state');
    expect((await command(id, 'approve', { approvedOnDate: '20 November 2026' })).status).toBe(403);
    expect((await command(5001, 'reject', { rejectedOnDate: '20 November 2026' })).status).toBe(403);
    expect((await command(5001, 'undoapproval')).status).toBe(403);
    const listed = (await api('GET', '/clients/1003/accounts')).json.savingsAccounts.find((a: Json) => a.id === id);
    expect(listed.status).toMatchObject({ id: 500, rejected: true });
  });

  it('closes a client only once no account is left open, and only once', async () => {
    const created = await api('POST', '/clients', date({ officeId: 1, firstname: 'Close', lastname: 'Me', externalId: 'cust-7101', active: true, activationDate: '19 November 2026' }));
    const clientId = created.json.clientId as number;
    const close = (body: Record<string, unknown>) => api('POST', `/clients/${clientId}?command=close`, date(body));
    const submitted = await open(clientId, 'close-1');
    const active = await open(clientId, 'close-2');
    await command(active, 'approve', { approvedOnDate: '20 November 2026' });
    await command(active, 'activate', { activatedOnDate: '20 November 2026' });

    expect((await close({ closureDate: '20 November 2026' })).status).toBe(400); // closureReasonId is mandatory
    expect((await close({ closureDate: '20 November 2026', closureReasonId: 999 })).status).toBe(404);
    expect((await close({ closureDate: '18 November 2026', closureReasonId: 31 })).status).toBe(403); // before activation
    expect((await api('POST', `/clients/${clientId}?command=reopen`, {})).status).toBe(400);
    const refused = await close({ closureDate: '20 November 2026', closureReasonId: 31 });
    expect(refused.status).toBe(403);
    expectFineractError(refused.json, 403, 'error.msg.client.close.non.closed.savings.account');

    await command(submitted, 'reject', { rejectedOnDate: '20 November 2026' });
    expect((await close({ closureDate: '20 November 2026', closureReasonId: 31 })).status).toBe(403); // one still active
    expect((await command(active, 'close', { closedOnDate: '20 November 2026' })).status).toBe(200);
    const closed = await close({ closureDate: '20 November 2026', closureReasonId: 31 });
    expect(closed.status).toBe(200);
    expect(closed.json).toEqual({ officeId: 1, clientId, resourceId: clientId });
    const client = await api('GET', `/clients/${clientId}`);
    expect(client.json).toMatchObject({ status: { id: 600, code: 'clientStatusType.closed' }, active: false, timeline: { closedOnDate: [2026, 11, 20] } });

    const twice = await close({ closureDate: '20 November 2026', closureReasonId: 31 });
    expect(twice.status).toBe(403);
    expectFineractError(twice.json, 403, 'error.msg.client.close.is.not.active');
    const late = await api('POST', '/savingsaccounts', date({ clientId, productId: 1, submittedOnDate: '20 November 2026' }));
    expect(late.status).toBe(403);
  });
});

describe('core-banking simulator: admin routes', () => {
  it('counts calls per route in /__stats and resets them', async () => {
    await api('GET', '/clients/1001');
    await api('GET', '/clients/1002');
    await api('GET', '/savingsaccounts/5001');
    const stats = (await (await fetch(`${running.url}/__stats`)).json()) as Json;
    expect(stats).toMatchObject({ system: 'core-banking', total: 3 });
    expect(stats.routes[`GET ${API}/clients/:clientId`]).toBe(2);
    expect((await fetch(`${running.url}/__stats`, { method: 'DELETE' })).status).toBe(204);
    expect(((await (await fetch(`${running.url}/__stats`)).json()) as Json).total).toBe(0);
  });

  it('injects errors in the Fineract shape, latency and a dead system through /__faults', async () => {
    const addFault = (fault: object) =>
      fetch(`${running.url}/__faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });

    expect((await addFault({ route: `GET ${API}/clients/:clientId`, errorRate: 1 })).status).toBe(201);
    const failed = await api('GET', '/clients/1001');
    expect(failed.status).toBe(500);
    expectFineractError(failed.json, 500);
    expect((await api('GET', '/savingsaccounts/5001')).status).toBe(200);

    await fetch(`${running.url}/__faults`, { method: 'DELETE' });
    await addFault({ latencyMs: 150 });
    const started = performance.now();
    expect((await api('GET', '/clients/1001')).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    await fetch(`${running.url}/__faults`, { method: 'DELETE' });
    await addFault({ down: true });
    await expect(api('GET', '/clients/1001')).rejects.toThrow();
    await fetch(`${running.url}/__faults`, { method: 'DELETE' });
    expect((await api('GET', '/clients/1001')).status).toBe(200);
  });
});
