import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkTransactionCursor, CoreBankingConnector, pageOfHistory } from '../../connectors/core-banking/index.js';
import { onLegacyCall, type BreakerOptions, type RetryOptions } from '../../connectors/http.js';
import { createCoreBankingSimulator } from '../../legacy/core-banking/server.js';
import type { Fault, RunningSimulator, Simulator } from '../../legacy/http.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { classifyStepError } from '../../subgraphs/journeys/engine/types.js';
import { toDecimalString, type Money } from '../../lib/money.js';

const API = '/fineract-provider/api/v1';
const BATCHES = `POST ${API}/batches`;
const CREDENTIALS = { user: 'mifos', password: 'password', tenant: 'default' };

let sim: Simulator;
let running: RunningSimulator;
let cb: CoreBankingConnector;
const extra: CoreBankingConnector[] = [];

function connector(options: { timeoutMs?: number; retry?: RetryOptions; breaker?: BreakerOptions } = {}): CoreBankingConnector {
  const c = new CoreBankingConnector({ baseUrl: running.url, credentials: CREDENTIALS, ...options });
  extra.push(c);
  return c;
}

async function stats(): Promise<{ total: number; routes: Record<string, number> }> {
  return (await (await fetch(`${running.url}/__stats`)).json()) as { total: number; routes: Record<string, number> };
}

function fault(f: Fault): void {
  sim.addFault(f);
}

/** The error a promise rejects with (fails the test when it resolves). */
async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const dec = (m: Money) => `${toDecimalString(m)} ${m.currency}`;

beforeAll(async () => {
  sim = createCoreBankingSimulator();
  running = await sim.listen(0);
  cb = new CoreBankingConnector({ baseUrl: running.url, credentials: CREDENTIALS });
});
afterAll(async () => {
  await Promise.all([cb, ...extra].map((c) => c.http.close()));
  await running.close();
});
beforeEach(() => {
  sim.clearFaults();
  sim.resetStats();
});

describe('CoreBankingConnector reads', () => {
  it("normalises cust-0001's profile", async () => {
    const [amelia, unknown] = await cb.getCustomers(['cust-0001', 'cust-9999']);
    expect(unknown).toBeNull();
    expect(amelia).toEqual({
      id: 'cust-0001',
      coreBankingId: '1001',
      firstName: 'Amelia',
      lastName: 'Hartmann',
      displayName: 'Amelia Hartmann',
      email: 'amelia.hartmann@example.com',
      phone: '+49 30 1234567',
      dateOfBirth: '1988-04-12',
      status: 'ACTIVE',
      customerSince: '2019-03-01',
    });
    // Fineract's batch does not run client reads: one plain read per customer.
    expect(await stats()).toMatchObject({ total: 2, routes: { [`GET ${API}/clients/external-id/:externalId`]: 2 } });
  });

  it("lists cust-0001's three accounts with exact balances and ISO dates", async () => {
    const [accounts] = await cb.getAccountsOfCustomers(['cust-0001']);
    expect(accounts?.map((a) => [a.id, a.number, a.productName, a.currency, dec(a.balance), dec(a.availableBalance), a.status, a.openedOn])).toEqual([
      ['acc-5001', '000005001', 'Everyday Current', 'EUR', '2450.75 EUR', '2400.75 EUR', 'ACTIVE', '2019-03-01'],
      ['acc-5002', '000005002', 'Easy Saver', 'GBP', '1200.00 GBP', '1200.00 GBP', 'ACTIVE', '2020-07-15'],
      ['acc-5003', '000005003', 'Dollar Account', 'USD', '310.40 USD', '310.40 USD', 'ACTIVE', '2023-11-02'],
    ]);
    expect(accounts?.[0]?.balance.minor).toBe(245075n);
    expect(accounts?.every((a) => a.customerId === 'cust-0001')).toBe(true);
    // The list has no available balance: the accounts themselves come in one batch.
    expect(await stats()).toMatchObject({ total: 2, routes: { [`GET ${API}/clients/external-id/:externalId/accounts`]: 1, [BATCHES]: 1 } });
  });

  it('reads accounts by our id in one batch and one read per distinct client, null for unknown and malformed ids', async () => {
    const accounts = await cb.getAccounts(['acc-5003', 'acc-99999', 'acc-05001', 'nonsense', 'acc-5001']);
    expect(accounts.map((a) => a && [a.id, a.customerId, dec(a.balance), dec(a.availableBalance)])).toEqual([
      ['acc-5003', 'cust-0001', '310.40 USD', '310.40 USD'],
      null,
      null,
      null,
      ['acc-5001', 'cust-0001', '2450.75 EUR', '2400.75 EUR'],
    ]);
    expect(await stats()).toMatchObject({ total: 2, routes: { [BATCHES]: 1, [`GET ${API}/clients/:clientId`]: 1 } });

    sim.resetStats();
    expect(await cb.getAccounts(['nonsense', 'acc-x'])).toEqual([null, null]);
    expect((await stats()).total).toBe(0);
  });

  it('pages through 30 transactions with opaque cursors, newest first', async () => {
    const seen: string[] = [];
    const sizes: number[] = [];
    let after: string | null = null;
    do {
      const [page]: Awaited<ReturnType<CoreBankingConnector['getTransactionPages']>> = await cb.getTransactionPages([{ accountId: 'acc-5001', first: 12, after }]);
      expect(page?.totalCount).toBe(30);
      sizes.push(page!.items.length);
      for (const t of page!.items) seen.push(`${t.bookedOn} ${t.type} ${dec(t.amount)} ${t.runningBalance && dec(t.runningBalance)} ${t.id}`);
      after = page!.nextCursor;
      if (after) expect(after).not.toMatch(/^\d+$/);
    } while (after);
    expect(sizes).toEqual([12, 12, 6]);
    expect(new Set(seen.map((s) => s.split(' ').pop())).size).toBe(30);
    expect(seen[0]).toMatch(/^2026-10-01 DEPOSIT 100\.50 EUR 2450\.75 EUR txn-\d+$/);
    expect(seen[1]).toMatch(/^2026-09-30 WITHDRAWAL 20\.25 EUR 2350\.25 EUR /);
    expect(seen[29]).toMatch(/^2026-09-02 WITHDRAWAL 20\.25 EUR /);
    const dates = seen.map((s) => s.slice(0, 10));
    expect([...dates].sort().reverse()).toEqual(dates);
  });

  it('asks for several pages in one call, caps a page at 100 and answers an empty page for an unknown account', async () => {
    const pages = await cb.getTransactionPages([
      { accountId: 'acc-5002', first: 2 },
      { accountId: 'acc-5003', first: 500 },
      { accountId: 'acc-99999', first: 5 },
      { accountId: 'garbage', first: 5 },
    ]);
    expect(pages.map((p) => [p.items.length, p.totalCount, p.nextCursor === null])).toEqual([
      [2, 4, false],
      [3, 3, true],
      [0, 0, true],
      [0, 0, true],
    ]);
    expect(pages[0]?.items.map((t) => [t.type, t.reversed])).toEqual([['INTEREST', false], ['WITHDRAWAL', true]]);
    expect((await stats()).total).toBe(1);

    // An account with more than 100 transactions: a page asked for with first 500 holds 100.
    const opened = await openAccount('cap', 'EUR_CURRENT');
    await Promise.all(
      Array.from({ length: 105 }, (_, i) => cb.deposit({ accountId: opened, amount: { minor: 100n, currency: 'EUR' }, reference: `cap-${i}` })),
    );
    const [big] = await cb.getTransactionPages([{ accountId: opened, first: 500 }]);
    expect(big?.items).toHaveLength(100);
    expect(big?.totalCount).toBe(105);
    const [rest] = await cb.getTransactionPages([{ accountId: opened, first: 500, after: big!.nextCursor }]);
    expect(rest?.items).toHaveLength(5);
  });

  it('lists accounts with their whole histories in the same calls, and pages them as getTransactionPages would', async () => {
    const [withHistory] = await cb.getAccountsWithHistoryOfCustomers(['cust-0001']);
    expect(await stats()).toMatchObject({ total: 2, routes: { [`GET ${API}/clients/external-id/:externalId/accounts`]: 1, [BATCHES]: 1 } });
    const [plain] = await cb.getAccountsOfCustomers(['cust-0001']);
    expect(withHistory?.map((a) => a.account)).toEqual(plain);
    expect(withHistory?.map((a) => a.history?.length)).toEqual([30, 4, 3]);
    const history = withHistory![0]!.history!;
    const [remote] = await cb.getTransactionPages([{ accountId: 'acc-5001', first: 12 }]);
    const local = pageOfHistory(history, { accountId: 'acc-5001', first: 12 });
    expect(local).toEqual(remote);
    const [remoteNext] = await cb.getTransactionPages([{ accountId: 'acc-5001', first: 12, after: remote!.nextCursor }]);
    expect(pageOfHistory(history, { accountId: 'acc-5001', first: 12, after: local.nextCursor })).toEqual(remoteNext);
  });

  it('still lists an account whose history holds a transaction it cannot read, without that history', async () => {
    const account = { id: 5001, accountNo: '000005001', clientId: 1001, savingsProductName: 'Everyday Current', status: { id: 300 }, currency: { code: 'EUR' }, summary: {} };
    const bad = { id: 7, transactionType: { id: 1 }, accountId: 5001, date: [2026, 10, 1], currency: { code: 'EUR' }, amount: 1 }; // no reversed flag
    await withStubbedBatch(
      [{ statusCode: 200, body: { ...account, transactions: [bad] } }],
      async (c) => {
        const [list] = await c.getAccountsWithHistoryOfCustomers(['cust-0001']);
        expect(list?.map((a) => [a.account.id, a.history])).toEqual([['acc-5001', null]]);
      },
      { '/clients/external-id/cust-0001/accounts': { savingsAccounts: [{ id: 5001 }] } },
    );
  });

  it('serves 20 customers (one with 50 accounts, one with 100) with one list read each and one batch for all their accounts', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`);
    const lists = await cb.getAccountsOfCustomers([...ids, 'cust-9999']);
    expect(await stats()).toMatchObject({ total: 22, routes: { [BATCHES]: 1, [`GET ${API}/clients/external-id/:externalId/accounts`]: 21 } });
    expect(lists).toHaveLength(21);
    expect(lists[1]).toHaveLength(1); // cust-0002
    expect(lists[2]).toHaveLength(50); // cust-0003
    expect(lists[3]).toHaveLength(10); // cust-0004
    expect(lists[4]).toHaveLength(100); // cust-0005
    expect(lists[5]?.map((a) => a.currency)).toEqual(['EUR', 'GBP']); // cust-0006: even
    expect(lists[6]?.map((a) => a.currency)).toEqual(['EUR']); // cust-0007: odd
    expect(lists[20]).toEqual([]);
    expect(lists[2]?.every((a) => a.customerId === 'cust-0003' && a.currency === 'EUR')).toBe(true);
  });
});

describe('CoreBankingConnector errors', () => {
  it('maps a 5xx to UPSTREAM_UNAVAILABLE naming core-banking, with the legacy text only in the detail', async () => {
    fault({ errorRate: 1 });
    const err = await failure(connector({ retry: { retries: 0 } }).getCustomers(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.extensions.service).toBe('core-banking');
    expect(err.system).toBe('core-banking');
    expect(err.detail.legacyMessage).toMatch(/injected fault/);
    expect(err.message).not.toMatch(/injected|Platform|error\.msg/);
    expect(JSON.stringify(err.toJSON())).not.toMatch(/injected|Platform/);
  });

  it('fails the whole batch with UPSTREAM_UNAVAILABLE when a sub-response is a 5xx', async () => {
    const stub: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const body = JSON.stringify({ developerMessage: 'db down', httpStatusCode: '500', defaultUserMessage: 'x', userMessageGlobalisationCode: 'error.msg.platform.server.side.error', errors: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ requestId: 1, statusCode: 500, headers: [], body }, { requestId: 2, statusCode: 404, headers: [], body: '{}' }]));
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const c = new CoreBankingConnector({ baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, credentials: CREDENTIALS, retry: { retries: 0 } });
    try {
      const err = await failure(c.getTransactionPages([{ accountId: 'acc-5001', first: 5 }, { accountId: 'acc-5002', first: 5 }]));
      expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
      expect(err.message).not.toMatch(/db down/);
      expect(err.detail.legacyMessage).toBe('db down');
    } finally {
      await c.http.close();
      await new Promise((r) => stub.close(r));
    }
  });

  it('maps a timeout to UPSTREAM_TIMEOUT', async () => {
    // A core banking of its own, so that the count below is of this call only (a call of an earlier test, late
    // on a loaded machine, would land in the shared one's).
    const own = createCoreBankingSimulator();
    own.addFault({ timeoutRate: 1 });
    const ownRunning = await own.listen(0);
    const c = new CoreBankingConnector({ baseUrl: ownRunning.url, credentials: CREDENTIALS, timeoutMs: 200 });
    try {
      // It never answers: only the connector's own deadline can end the call, and the error says it did.
      const err = await failure(c.getAccounts(['acc-5001']));
      expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
      expect(err.extensions.service).toBe('core-banking');
      expect(err.message).toContain('within 200 ms');
      expect(err.originalError?.name).toBe('TimeoutError'); // the 200 ms abort signal fired
      expect(own.getStats().total).toBe(1); // and the timeout, having spent the caller's budget, is not retried
    } finally {
      await c.http.close();
      await ownRunning.close();
    }
  });

  it('opens the breaker after repeated failures, then fails at once without calling', async () => {
    fault({ errorRate: 1 });
    const c = connector({ retry: { retries: 0 }, breaker: { threshold: 3, halfOpenAfterMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await failure(c.getCustomers(['cust-0001']))).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect((await stats()).total).toBe(3);
    expect(c.http.breakerState).toBe('open');
    sim.clearFaults();
    const err = await failure(c.getAccountsOfCustomers(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail.legacyCode).toBe('BREAKER_OPEN');
    expect((await stats()).total).toBe(3);
  });

  it('does not count a 404 or a refusal towards the breaker', async () => {
    const c = connector({ breaker: { threshold: 2 } });
    for (let i = 0; i < 3; i++) expect(await c.findTransactionByReference('acc-5001', `nothing-${i}`)).toBeNull();
    expect(c.http.breakerState).toBe('closed');
  });

  it('retries a read until it succeeds', async () => {
    fault({ errorRate: 1 });
    const stop = onLegacyCall((e) => {
      if (e.system === 'core-banking' && e.outcome === 'unavailable') sim.clearFaults();
    });
    try {
      const [amelia] = await connector({ retry: { retries: 2, baseDelayMs: 1 } }).getCustomers(['cust-0001']);
      expect(amelia?.id).toBe('cust-0001');
    } finally {
      stop();
    }
    expect((await stats()).routes[`GET ${API}/clients/external-id/:externalId`]).toBe(2);
  });

  it('gives up a read after its retries', async () => {
    fault({ errorRate: 1 });
    await failure(connector({ retry: { retries: 2, baseDelayMs: 1 } }).getAccounts(['acc-5001']));
    expect((await stats()).routes[BATCHES]).toBe(3);
  });

  it('never retries a write without a reference', async () => {
    fault({ errorRate: 1 });
    const c = connector({ retry: { retries: 3, baseDelayMs: 1 } });
    const err = await failure(c.createClient({ customerId: 'cust-8001', firstName: 'R', lastName: 'T', email: null, phone: null, dateOfBirth: null }));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    await failure(c.approveAccount('acc-5001'));
    const s = await stats();
    expect(s.routes[`POST ${API}/clients`]).toBe(1);
    expect(s.routes[`POST ${API}/savingsaccounts/:savingsId`]).toBe(1);
  });

  it('retries a deposit whose answer was lost, which carries a reference, and books it once', async () => {
    // The first attempt is booked and its answer lost: only the reference keeps the retry from booking it again.
    const accountId = await openAccount('lost-dep', 'GBP_SAVER');
    fault({ route: `POST ${API}/savingsaccounts/:savingsId/transactions`, lostResponseRate: 1 });
    const stop = onLegacyCall((e) => {
      if (e.outcome === 'unavailable' && e.route.includes('command=deposit')) sim.clearFaults();
    });
    let result: { transactionId: string };
    try {
      result = await connector({ retry: { retries: 2, baseDelayMs: 1 } }).deposit({ accountId, amount: { minor: 1n, currency: 'GBP' }, reference: 'retry-dep' });
    } finally {
      stop();
    }
    expect((await stats()).routes[`POST ${API}/savingsaccounts/:savingsId/transactions`]).toBe(2);
    const found = await cb.findTransactionByReference(accountId, 'retry-dep');
    expect(found?.id).toBe(result.transactionId);
    const [page] = await cb.getTransactionPages([{ accountId, first: 10 }]);
    expect(page?.totalCount).toBe(1);
    expect(dec((await cb.getAccounts([accountId]))[0]!.balance)).toBe('0.01 GBP');
  });

  it('answers a refused login (401, our credentials) with UPSTREAM_UNAVAILABLE, and does not retry it', async () => {
    const misconfigured = new CoreBankingConnector({
      baseUrl: running.url,
      credentials: { ...CREDENTIALS, password: 'not-the-password' },
      retry: { retries: 3, baseDelayMs: 1 },
    });
    extra.push(misconfigured);
    const err = await failure(misconfigured.getCustomers(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail).toMatchObject({ status: 401, legacyCode: 'error.msg.not.authenticated', retryable: false });
    expect(JSON.stringify(err.toJSON())).not.toContain('not-the-password');
    expect((await stats()).routes[`GET ${API}/clients/external-id/:externalId`]).toBe(1);
  });

  it('counts a batch whose sub-requests fail with 500 towards the breaker, retrying it first', async () => {
    // The batch answers 200; the sub-requests inside it are the platform's 500s.
    fault({ subRequestErrorRate: 1 });
    const c = connector({ retry: { retries: 2, baseDelayMs: 1 }, breaker: { threshold: 3, halfOpenAfterMs: 60_000 } });
    const err = await failure(c.getTransactionPages([{ accountId: 'acc-5001', first: 5 }]));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail).toMatchObject({ status: 500, route: 'POST /batches > GET /savingsaccounts/:savingsId?associations=transactions' });
    expect(err.detail.legacyMessage).toMatch(/injected fault/);
    expect((await stats()).routes[BATCHES]).toBe(3); // retried
    expect(c.http.breakerState).toBe('open');

    sim.clearFaults();
    expect((await failure(c.getAccounts(['acc-5001']))).detail.legacyCode).toBe('BREAKER_OPEN');
    expect((await stats()).routes[BATCHES]).toBe(3);
  });

  it("types one part's 5xx with a body that is not JSON (a proxy's page) as UPSTREAM_UNAVAILABLE, not a bad response", async () => {
    const stub: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ requestId: 1, statusCode: 502, headers: [], body: '<html>Bad Gateway</html>' }, { requestId: 2, statusCode: 404, headers: [], body: '{}' }]));
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const c = new CoreBankingConnector({ baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, credentials: CREDENTIALS, retry: { retries: 0 } });
    try {
      const err = await failure(c.getTransactionPages([{ accountId: 'acc-5001', first: 5 }, { accountId: 'acc-5002', first: 5 }]));
      expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
      expect(err.detail).toMatchObject({ status: 502 });
    } finally {
      await c.http.close();
      await new Promise((r) => stub.close(r));
    }
  });

  it("fails only the caller whose part of a shared batch failed, and leaves the breaker closed", async () => {
    // Two callers in one tick share one POST /batches; the part of the second (acc-5002's history) is a 500.
    const history = { id: 5001, accountNo: '000005001', clientId: 1001, savingsProductName: 'Everyday Current', status: { id: 300 }, currency: { code: 'EUR' }, transactions: [] };
    const batches = { count: 0 };
    const platform500 = { developerMessage: 'db down', httpStatusCode: '500', userMessageGlobalisationCode: 'error.msg.platform.server.side.error', errors: [] };
    const stub: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        batches.count += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify([{ requestId: 1, statusCode: 200, headers: [], body: JSON.stringify(history) }, { requestId: 2, statusCode: 500, headers: [], body: JSON.stringify(platform500) }]));
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const c = new CoreBankingConnector({
      baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      credentials: CREDENTIALS,
      retry: { retries: 2, baseDelayMs: 1 },
      breaker: { threshold: 3, halfOpenAfterMs: 60_000 },
    });
    try {
      for (let round = 1; round <= 5; round++) {
        const [mine, theirs] = await Promise.allSettled([
          c.getTransactionPages([{ accountId: 'acc-5001', first: 5 }]),
          c.getTransactionPages([{ accountId: 'acc-5002', first: 5 }]),
        ]);
        expect(mine.status).toBe('fulfilled');
        expect(mine.status === 'fulfilled' && mine.value[0]?.totalCount).toBe(0);
        expect(theirs.status).toBe('rejected');
        const err = (theirs as PromiseRejectedResult).reason as UpstreamError;
        expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
        expect(err.detail).toMatchObject({ status: 500, route: 'POST /batches > GET /savingsaccounts/:savingsId?associations=transactions' });
        // One batch a round: one part's 500 is not the system failing, so the batch is not retried for everyone...
        expect(batches.count).toBe(round);
      }
      // ...and five rounds of it, past the breaker's threshold, leave the breaker closed for the healthy reads.
      expect(c.http.breakerState).toBe('closed');
    } finally {
      await c.http.close();
      await new Promise((r) => stub.close(r));
    }
  });

  it('fails the sub-requests a fault names and leaves plain reads alone', async () => {
    fault({ route: `GET ${API}/savingsaccounts/:savingsId`, subRequestErrorRate: 1 });
    const c = connector({ retry: { retries: 0 } });
    expect((await c.getCustomers(['cust-0001']))[0]?.id).toBe('cust-0001'); // a plain read: untouched
    expect((await c.getAccountStatus('acc-5001'))).toBe('ACTIVE'); // a plain read of the same route: untouched
    const err = await failure(c.getAccounts(['acc-5001'])); // the account read in the batch is the one that fails
    expect(err.detail).toMatchObject({ status: 500, route: 'POST /batches > GET /savingsaccounts/:savingsId' });
  });
});

/** A batch answer from a stub core banking: each item the answer to one sub-request (in order). */
async function withStubbedBatch(
  items: readonly { statusCode: number; body: unknown }[],
  run: (c: CoreBankingConnector) => Promise<void>,
  /** Answers to plain GETs, by path below the API root ("/clients/1001"). */
  plain: Readonly<Record<string, unknown>> = {},
): Promise<void> {
  const stub: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = (req.url ?? '').slice(API.length).split('?')[0] ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.method === 'GET') res.end(JSON.stringify(plain[path] ?? {}));
      else res.end(JSON.stringify(items.map((item, i) => ({ requestId: i + 1, statusCode: item.statusCode, headers: [], body: JSON.stringify(item.body) }))));
    });
  });
  await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
  const c = new CoreBankingConnector({ baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`, credentials: CREDENTIALS, retry: { retries: 0 } });
  try {
    await run(c);
  } finally {
    await c.http.close();
    await new Promise((r) => stub.close(r));
  }
}

/** Opens, approves and activates an account for a new client; returns our account id. */
async function openAccount(tag: string, product: 'EUR_CURRENT' | 'GBP_SAVER' | 'USD_ACCOUNT'): Promise<string> {
  const { coreBankingId } = await cb.createClient({ customerId: `cust-${tag}`, firstName: 'Test', lastName: tag, email: null, phone: null, dateOfBirth: null });
  const { accountId } = await cb.createSavingsAccount({ coreBankingId, product, reference: `open-${tag}` });
  await cb.approveAccount(accountId);
  await cb.activateAccount(accountId);
  return accountId;
}

describe('CoreBankingConnector: answers that do not fit', () => {
  const account = (summary: object) => ({
    id: 5001, accountNo: '000005001', clientId: 1001, savingsProductName: 'Everyday Current',
    status: { id: 300 }, currency: { code: 'EUR' }, summary,
  });
  const client = { id: 1001, externalId: 'cust-0001', status: { id: 300 } };

  it('refuses an account with an available balance and no ledger balance, instead of showing a ledger of 0', async () => {
    await withStubbedBatch([{ statusCode: 200, body: account({ availableBalance: 2400.75 }) }], async (c) => {
      const err = await failure(c.getAccounts(['acc-5001']));
      expect(err.code).toBe(ErrorCode.UPSTREAM_BAD_RESPONSE);
      expect(err.detail.legacyMessage).toBe('accountBalance is missing');
    }, { '/clients/1001': client });
    // Both absent is an account without a balance yet: zero.
    await withStubbedBatch([{ statusCode: 200, body: account({}) }], async (c) => {
      expect(dec((await c.getAccounts(['acc-5001']))[0]!.balance)).toBe('0.00 EUR');
    }, { '/clients/1001': client });
  });

  it('refuses a transaction without its reversed flag', async () => {
    const txn = { id: 7, transactionType: { id: 1 }, accountId: 5001, date: [2026, 10, 1], currency: { code: 'EUR' }, amount: 1 };
    await withStubbedBatch([{ statusCode: 200, body: account({}) && { ...account({}), transactions: [txn] } }], async (c) => {
      expect((await failure(c.getTransactionPages([{ accountId: 'acc-5001', first: 1 }]))).code).toBe(ErrorCode.UPSTREAM_BAD_RESPONSE);
    });
    await withStubbedBatch([{ statusCode: 200, body: { ...account({}), transactions: [{ ...txn, reversed: false }] } }], async (c) => {
      expect((await c.getTransactionPages([{ accountId: 'acc-5001', first: 1 }]))[0]?.items[0]).toMatchObject({ id: 'txn-7', reversed: false });
    });
  });

  it("reads every kind of Fineract transaction: transfers, tax, holds, and a kind it has no name for, without failing the page", async () => {
    const t = (id: number, type: object, extra: object = {}) => ({ id, transactionType: type, accountId: 5001, date: [2026, 10, 1], currency: { code: 'EUR' }, amount: 1, reversed: false, ...extra });
    const transactions = [
      t(1, { id: 1, value: 'Deposit', deposit: true }),
      t(2, { id: 1, value: 'Deposit', deposit: true }, { transfer: { id: 9 } }),
      t(3, { id: 2, value: 'Withdrawal', withdrawal: true }, { transfer: { id: 9 } }),
      t(4, { id: 18, value: 'Withhold Tax', withholdTax: true }),
      t(5, { id: 20, value: 'Amount on hold', amountHold: true }),
      t(6, { id: 21, value: 'Release Amount', amountRelease: true }),
      t(7, { id: 19, value: 'Escheat', escheat: true }),
      t(8, { id: 77, value: 'Something new' }),
      t(9, { id: 17, value: 'Overdraft Interest', overdraftInterest: true }),
    ];
    await withStubbedBatch([{ statusCode: 200, body: { ...account({}), transactions } }], async (c) => {
      const [page] = await c.getTransactionPages([{ accountId: 'acc-5001', first: 20 }]);
      expect(page?.items.map((x) => [x.id, x.type, x.description])).toEqual([
        ['txn-9', 'FEE', 'Overdraft Interest'],
        ['txn-8', 'OTHER', 'Something new'],
        ['txn-7', 'OTHER', 'Escheat'],
        ['txn-6', 'HOLD_RELEASE', 'Release Amount'],
        ['txn-5', 'HOLD', 'Amount on hold'],
        ['txn-4', 'TAX', 'Withhold Tax'],
        ['txn-3', 'TRANSFER_OUT', 'Withdrawal'],
        ['txn-2', 'TRANSFER_IN', 'Deposit'],
        ['txn-1', 'DEPOSIT', 'Deposit'],
      ]);
    });
  });

  it('checks a transactions cursor on its own (checkTransactionCursor), before any page is batched', async () => {
    const [page] = await cb.getTransactionPages([{ accountId: 'acc-5001', first: 10 }]);
    expect(() => checkTransactionCursor(page!.nextCursor)).not.toThrow();
    expect(() => checkTransactionCursor(null)).not.toThrow();
    expect(() => checkTransactionCursor(undefined)).not.toThrow();
    for (const bad of ['garbage', '10', Buffer.from('o-1').toString('base64url')]) {
      expect(() => checkTransactionCursor(bad)).toThrow(expect.objectContaining({ code: ErrorCode.BAD_USER_INPUT, extensions: expect.objectContaining({ field: 'after' }) }));
    }
  });
});

describe('CoreBankingConnector writes', () => {
  it('opens a client and an account, refusing a repeated lifecycle command', async () => {
    const { coreBankingId } = await cb.createClient({
      customerId: 'cust-5555',
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace.hopper@example.com',
      phone: '+1 555 0100',
      dateOfBirth: '1906-12-09',
    });
    expect(coreBankingId).toMatch(/^\d+$/);
    const profile = await cb.findClientByCustomerId('cust-5555');
    expect(profile).toMatchObject({ id: 'cust-5555', coreBankingId, dateOfBirth: '1906-12-09', email: 'grace.hopper@example.com', status: 'ACTIVE' });
    expect(await cb.findClientByCustomerId('cust-5556')).toBeNull();

    const dup = await failure(cb.createClient({ customerId: 'cust-5555', firstName: 'G', lastName: 'H', email: null, phone: null, dateOfBirth: null }));
    expect(dup.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(dup.detail.legacyCode).toBe('error.msg.client.duplicate.externalId');

    const { accountId } = await cb.createSavingsAccount({ coreBankingId, product: 'USD_ACCOUNT', reference: 'journey-1:open' });
    expect(await cb.createSavingsAccount({ coreBankingId, product: 'USD_ACCOUNT', reference: 'journey-1:open' })).toEqual({ accountId });
    const [submitted] = await cb.getAccounts([accountId]);
    expect(submitted).toMatchObject({ customerId: 'cust-5555', currency: 'USD', status: 'SUBMITTED', openedOn: null });
    expect(dec(submitted!.balance)).toBe('0.00 USD');

    const early = await failure(cb.activateAccount(accountId));
    expect(early.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(early.detail.legacyCode).toBe('error.msg.savingsaccount.not.in.approved.state');
    await cb.approveAccount(accountId);
    await cb.activateAccount(accountId);
    expect((await failure(cb.activateAccount(accountId))).code).toBe(ErrorCode.UPSTREAM_REJECTED);
    const [active] = await cb.getAccounts([accountId]);
    expect(active?.status).toBe('ACTIVE');
    expect(active?.openedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('moves money once per reference and reports insufficient funds', async () => {
    const accountId = await openAccount('money', 'EUR_CURRENT');
    const first = await cb.deposit({ accountId, amount: { minor: 10_050n, currency: 'EUR' }, reference: 'j-2:deposit', bookedOn: '2026-11-20' });
    const again = await cb.deposit({ accountId, amount: { minor: 10_050n, currency: 'EUR' }, reference: 'j-2:deposit', bookedOn: '2026-11-20' });
    expect(again).toEqual(first);
    const [account] = await cb.getAccounts([accountId]);
    expect(dec(account!.balance)).toBe('100.50 EUR');

    const found = await cb.findTransactionByReference(accountId, 'j-2:deposit');
    expect(found).toMatchObject({ id: first.transactionId, accountId, type: 'DEPOSIT', bookedOn: '2026-11-20', reference: 'j-2:deposit' });
    expect(dec(found!.amount)).toBe('100.50 EUR');
    expect(await cb.findTransactionByReference(accountId, 'j-2:never')).toBeNull();

    const short = await failure(cb.withdraw({ accountId, amount: { minor: 10_051n, currency: 'EUR' }, reference: 'j-2:withdraw' }));
    expect(short.code).toBe(ErrorCode.INSUFFICIENT_FUNDS);
    expect(short.extensions.service).toBe('core-banking');
    expect(short.message).not.toMatch(/error\.msg|Insufficient account balance/);
    expect(await cb.findTransactionByReference(accountId, 'j-2:withdraw')).toBeNull();

    const out = await cb.withdraw({ accountId, amount: { minor: 10_050n, currency: 'EUR' }, reference: 'j-2:withdraw-all' });
    expect(out.transactionId).toMatch(/^txn-\d+$/);
    await cb.closeAccount(accountId);
    expect((await cb.getAccounts([accountId]))[0]?.status).toBe('CLOSED');
  });

  it('keeps a reversed (undone) transaction in the history, flagged, with no effect on the balance', async () => {
    // The sandbox's own: acc-5002's withdrawal of 50.00 on 2026-09-20, undone.
    const [seeded] = await cb.getTransactionPages([{ accountId: 'acc-5002', first: 10 }]);
    const reversed = seeded?.items.filter((t) => t.reversed) ?? [];
    expect(reversed.map((t) => [t.type, dec(t.amount), t.bookedOn, t.runningBalance && dec(t.runningBalance)])).toEqual([
      ['WITHDRAWAL', '50.00 GBP', '2026-09-20', '1198.75 GBP'], // the balance before it
    ]);
    expect(seeded?.items.filter((t) => !t.reversed).map((t) => t.type)).toEqual(['INTEREST', 'FEE', 'DEPOSIT']);
    expect(dec((await cb.getAccounts(['acc-5002']))[0]!.balance)).toBe('1200.00 GBP');

    // A deposit undone the way Fineract does it (an operator's command): still there, flagged, and the money gone.
    const accountId = await openAccount('undo-dep', 'EUR_CURRENT');
    const { transactionId } = await cb.deposit({ accountId, amount: { minor: 2_500n, currency: 'EUR' }, reference: 'undo-me' });
    const undo = await fetch(`${running.url}${API}/savingsaccounts/${accountId.slice(4)}/transactions/${transactionId.slice(4)}?command=undo`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('mifos:password').toString('base64')}`, 'fineract-platform-tenantid': 'default', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(undo.status).toBe(200);
    expect(await cb.findTransactionByReference(accountId, 'undo-me')).toMatchObject({ id: transactionId, type: 'DEPOSIT', reversed: true });
    expect(dec((await cb.getAccounts([accountId]))[0]!.balance)).toBe('0.00 EUR');
    const [page] = await cb.getTransactionPages([{ accountId, first: 10 }]);
    expect(page?.items.map((t) => [t.id, t.reversed])).toEqual([[transactionId, true]]);
  });

  it('finds a movement by the receipt number it carries under its own payment type, a reference over 50 characters as its digest', async () => {
    const accountId = await openAccount('receipt', 'EUR_CURRENT');
    const long = `jrn_${'x'.repeat(60)}.debitSourceAccount.undo`;
    const { transactionId } = await cb.deposit({ accountId, amount: { minor: 700n, currency: 'EUR' }, reference: long });
    const found = await cb.findTransactionByReference(accountId, long);
    expect(found).toMatchObject({ id: transactionId, type: 'DEPOSIT' });
    expect(found?.reference).toBe(`${long.slice(0, 36)}~${found?.reference?.slice(37)}`);
    expect(found?.reference).toMatch(/^jrn_x{32}~[0-9a-f]{13}$/);
    // The same again is one booking (the key is the same digest).
    expect(await cb.deposit({ accountId, amount: { minor: 700n, currency: 'EUR' }, reference: long })).toEqual({ transactionId });
    // A teller's receipt of the same number under another payment type is not ours.
    const teller = await fetch(`${running.url}${API}/savingsaccounts/${accountId.slice(4)}/transactions?command=deposit`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('mifos:password').toString('base64')}`, 'fineract-platform-tenantid': 'default', 'content-type': 'application/json' },
      body: JSON.stringify({ transactionDate: '20 November 2026', dateFormat: 'dd MMMM yyyy', locale: 'en', transactionAmount: 1, paymentTypeId: 2, receiptNumber: 'teller-1' }),
    });
    expect(teller.status).toBe(200);
    expect(await cb.findTransactionByReference(accountId, 'teller-1')).toBeNull();
    const [page] = await cb.getTransactionPages([{ accountId, first: 10 }]);
    expect(page?.totalCount).toBe(2);
  });

  it("waits out Fineract's 409 for a command still running under the same Idempotency-Key, then takes the first answer", async () => {
    const posts: { key: string | undefined; body: Record<string, unknown> }[] = [];
    const busy = { always: false };
    const stub: Server = createServer((req, res) => {
      let text = '';
      req.on('data', (c: Buffer) => (text += c.toString('utf8')));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET') {
          res.end(JSON.stringify({ id: 5001, accountNo: '000005001', clientId: 1001, savingsProductName: 'x', status: { id: 300 }, currency: { code: 'EUR' } }));
          return;
        }
        posts.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(text) as Record<string, unknown> });
        if (posts.length === 1 || busy.always) {
          res.statusCode = 409;
          res.end(JSON.stringify({ developerMessage: 'The command is still being processed', httpStatusCode: '409', errors: [] }));
          return;
        }
        res.setHeader('x-served-from-cache', 'true');
        res.end(JSON.stringify({ officeId: 1, clientId: 1001, savingsId: 5001, resourceId: 424242 }));
      });
    });
    await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
    const c = new CoreBankingConnector({
      baseUrl: `http://127.0.0.1:${(stub.address() as AddressInfo).port}`,
      credentials: CREDENTIALS,
      retry: { retries: 2, baseDelayMs: 1 },
      breaker: { threshold: 1, halfOpenAfterMs: 60_000 },
    });
    try {
      expect(await c.withdraw({ accountId: 'acc-5001', amount: { minor: 100n, currency: 'EUR' }, reference: 'busy-1' })).toEqual({ transactionId: 'txn-424242' });
      expect(posts.map((p) => p.key)).toEqual(['busy-1', 'busy-1']);
      // What Fineract accepts for a withdrawal: no externalId; the reference as the receipt number under the payment type.
      expect(posts[0]?.body).toMatchObject({ transactionAmount: '1.00', paymentTypeId: 3, receiptNumber: 'busy-1' });
      expect(posts[0]?.body).not.toHaveProperty('externalId');
      expect(c.http.breakerState).toBe('closed');
      // Still running after every retry: the outcome is unknown (a journey asks, and parks it for a person if it never
      // learns), not a failure that would let a payment fail while the debit lands later.
      busy.always = true;
      const err = await failure(c.withdraw({ accountId: 'acc-5001', amount: { minor: 100n, currency: 'EUR' }, reference: 'busy-2' }));
      expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
      expect(err.detail.legacyCode).toBe('IDEMPOTENT_COMMAND_IN_PROGRESS');
      expect(classifyStepError(err)).toBe('unknown-outcome');
      expect(c.http.breakerState).toBe('closed');
    } finally {
      await c.http.close();
      await new Promise((r) => stub.close(r));
    }
  });

  it('refuses money in another currency than the account before any write', async () => {
    const err = await cb.deposit({ accountId: 'acc-5001', amount: { minor: 100n, currency: 'USD' }, reference: 'wrong-ccy' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    expect((await stats()).routes[`POST ${API}/savingsaccounts/:savingsId/transactions`]).toBeUndefined();
  });
});

describe('CoreBankingConnector: undoing an opening', () => {
  const COMMANDS = `POST ${API}/savingsaccounts/:savingsId`;
  let n = 0;
  /** A new client with an account taken as far as `to`; returns both ids. */
  async function accountIn(to: 'SUBMITTED' | 'APPROVED' | 'ACTIVE'): Promise<{ coreBankingId: string; accountId: string }> {
    const tag = `undo-${++n}`;
    const { coreBankingId } = await cb.createClient({ customerId: `cust-${tag}`, firstName: 'Undo', lastName: tag, email: null, phone: null, dateOfBirth: null });
    const { accountId } = await cb.createSavingsAccount({ coreBankingId, product: 'EUR_CURRENT', reference: `open-${tag}` });
    if (to !== 'SUBMITTED') await cb.approveAccount(accountId);
    if (to === 'ACTIVE') await cb.activateAccount(accountId);
    return { coreBankingId, accountId };
  }

  it('reads an account status in one call; null for an unknown or malformed id', async () => {
    expect(await cb.getAccountStatus('acc-5001')).toBe('ACTIVE');
    expect((await stats()).total).toBe(1);
    expect(await cb.getAccountStatus('acc-99999')).toBeNull();
    sim.resetStats();
    expect(await cb.getAccountStatus('nonsense')).toBeNull();
    expect((await stats()).total).toBe(0);
    const { accountId } = await accountIn('SUBMITTED');
    // A journey re-running "approve" asks first, and approves only a SUBMITTED account.
    if ((await cb.getAccountStatus(accountId)) === 'SUBMITTED') await cb.approveAccount(accountId);
    expect(await cb.getAccountStatus(accountId)).toBe('APPROVED');
  });

  it('rejects a SUBMITTED account, undoes the approval of an APPROVED one, closes an empty ACTIVE one; twice is the same', async () => {
    const cases = [['SUBMITTED', 'REJECTED'], ['APPROVED', 'REJECTED'], ['ACTIVE', 'CLOSED']] as const;
    for (const [from, outcome] of cases) {
      const { accountId } = await accountIn(from);
      expect(await cb.withdrawAccountOpening(accountId)).toBe(outcome);
      expect(await cb.getAccountStatus(accountId)).toBe(outcome);
      expect(await cb.withdrawAccountOpening(accountId)).toBe('ALREADY_GONE');
      expect(await cb.getAccountStatus(accountId)).toBe(outcome);
    }
    // Fineract's 500 is our REJECTED in every read.
    const { accountId } = await accountIn('SUBMITTED');
    await cb.withdrawAccountOpening(accountId);
    const [account] = await cb.getAccounts([accountId]);
    expect(account?.status).toBe('REJECTED');
  });

  it('carries on after a crash between undoing the approval and rejecting, and settles a concurrent run', async () => {
    const { accountId } = await accountIn('APPROVED');
    const stop = onLegacyCall((e) => {
      if (e.outcome === 'ok' && e.route.includes('command=undoapproval')) fault({ route: COMMANDS, errorRate: 1 });
    });
    try {
      expect((await failure(cb.withdrawAccountOpening(accountId))).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    } finally {
      stop();
    }
    expect(await cb.getAccountStatus(accountId)).toBe('SUBMITTED');
    sim.clearFaults();
    expect(await cb.withdrawAccountOpening(accountId)).toBe('REJECTED');

    const other = await accountIn('SUBMITTED');
    const outcomes = await Promise.all([cb.withdrawAccountOpening(other.accountId), cb.withdrawAccountOpening(other.accountId)]);
    expect(outcomes.sort()).toEqual(['ALREADY_GONE', 'REJECTED']);
  });

  it('never moves money to undo an opening: an ACTIVE account with a balance is UPSTREAM_REJECTED and left alone', async () => {
    const { accountId } = await accountIn('ACTIVE');
    await cb.deposit({ accountId, amount: { minor: 500n, currency: 'EUR' }, reference: 'undo-money' });
    sim.resetStats();
    const err = await failure(cb.withdrawAccountOpening(accountId));
    expect(err.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(err.detail.legacyCode).toBe('ACCOUNT_HOLDS_MONEY');
    expect((await stats()).routes[COMMANDS]).toBeUndefined();
    const [account] = await cb.getAccounts([accountId]);
    expect([account?.status, dec(account!.balance)]).toEqual(['ACTIVE', '5.00 EUR']);
    expect((await failure(cb.withdrawAccountOpening('acc-99999'))).code).toBe(ErrorCode.NOT_FOUND);
    await expect(cb.withdrawAccountOpening('nonsense')).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('closes a client once its accounts are gone, refusing it before and after', async () => {
    const { coreBankingId, accountId } = await accountIn('ACTIVE');
    const customerId = `cust-undo-${n}`;
    const open = await failure(cb.closeClient(coreBankingId));
    expect(open.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(open.detail.legacyCode).toBe('error.msg.client.close.non.closed.savings.account');
    expect((await cb.findClientByCustomerId(customerId))?.status).toBe('ACTIVE');

    await cb.withdrawAccountOpening(accountId);
    await cb.closeClient(coreBankingId);
    expect((await cb.findClientByCustomerId(customerId))?.status).toBe('CLOSED');
    const twice = await failure(cb.closeClient(coreBankingId));
    expect(twice.detail.legacyCode).toBe('error.msg.client.close.is.not.active');
    await expect(cb.closeClient('abc')).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
  });

  it('does not retry closeClient', async () => {
    const { coreBankingId } = await accountIn('SUBMITTED');
    fault({ errorRate: 1 });
    expect((await failure(connector({ retry: { retries: 3, baseDelayMs: 1 } }).closeClient(coreBankingId))).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect((await stats()).routes[`POST ${API}/clients/:clientId`]).toBe(1);
  });
});
