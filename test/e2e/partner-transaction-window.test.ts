import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoreBankingSimulator } from '../../legacy/core-banking/server.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createCoreBankingConnector } from '../../connectors/factory.js';
import { authConfig, contextPublicKeys } from '../../lib/config.js';
import { ContextSigner, ContextVerifier } from '../../lib/context.js';
import type { Consent, Principal } from '../../lib/principal.js';
import type { RunningSubgraph } from '../../lib/subgraph-server.js';
import { createAccountsSubgraph } from '../../subgraphs/accounts/server.js';

/**
 * A partner sees only the transactions booked within its consent's window [transactionFrom, transactionTo], and the
 * paging (first/after, totalCount, hasNextPage) is over those alone. The real accounts subgraph over the real
 * connector and core-banking simulator, called as the gateway would, with a signed context for a partner principal.
 * acc-5001 has 30 transactions, one a day from 2026-09-02 to 2026-10-01, newest first.
 */

interface Page {
  nodes: { id: string; bookedOn: string }[];
  totalCount: number;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}
type Answer = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

const env = { NODE_ENV: 'test' };
const signer = new ContextSigner(authConfig(env).internalContextKey);
let simulator: RunningSimulator;
let accounts: RunningSubgraph;
let connector: ReturnType<typeof createCoreBankingConnector>;

beforeAll(async () => {
  simulator = await createCoreBankingSimulator().listen(0);
  connector = createCoreBankingConnector(env, { baseUrl: simulator.url });
  accounts = await (await createAccountsSubgraph({ coreBanking: connector, verifier: new ContextVerifier(contextPublicKeys(env)) })).listen(0);
});
afterAll(async () => {
  await accounts?.stop();
  await connector?.http.close();
  await simulator?.close();
});

const consentWith = (transactionFrom: string | null, transactionTo: string | null): Consent => ({
  id: 'aac-window',
  customerId: 'cust-0001',
  accountIds: ['acc-5001', 'acc-5002'],
  expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  permissions: ['accounts:basic', 'transactions:read'],
  transactionFrom,
  transactionTo,
});
const partner = (consent: Consent): Principal => ({ kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic', 'transactions:read'], consent });
const customer: Principal = { kind: 'customer', customerId: 'cust-0001' };

async function ask(principal: Principal, query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
  const context = await signer.sign({ principal, requestId: 'req-window' }, { audience: 'accounts', expiresAtMs: Date.now() + 10_000 });
  const res = await fetch(accounts.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-bankgraph-context': context },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as Answer;
}

const PAGE = 'query($first: Int, $after: String) { account(id: "acc-5001") { transactions(first: $first, after: $after) { nodes { id bookedOn } totalCount pageInfo { hasNextPage endCursor } } } }';

async function page(principal: Principal, first: number, after: string | null): Promise<Page> {
  const answer = await ask(principal, PAGE, { first, after });
  expect(answer.errors).toBeUndefined();
  return (answer.data as { account: { transactions: Page } }).account.transactions;
}

async function allPages(principal: Principal, first: number): Promise<Page[]> {
  const pages: Page[] = [];
  let after: string | null = null;
  do {
    const p: Page = await page(principal, first, after);
    pages.push(p);
    after = p.pageInfo.endCursor;
  } while (pages.at(-1)!.pageInfo.hasNextPage && pages.length < 20);
  return pages;
}

describe("a partner's transactions within its consent's window", () => {
  it('pages through only the transactions booked within [transactionFrom, transactionTo], both days included', async () => {
    // 2026-09-10 .. 2026-09-20: 11 days, one transaction each.
    const windowed = partner(consentWith('2026-09-10T00:00:00Z', '2026-09-20T23:59:59Z'));
    const pages = await allPages(windowed, 4);
    expect(pages.map((p) => [p.nodes.length, p.totalCount, p.pageInfo.hasNextPage])).toEqual([
      [4, 11, true],
      [4, 11, true],
      [3, 11, false],
    ]);
    const dates = pages.flatMap((p) => p.nodes.map((n) => n.bookedOn));
    expect(dates[0]).toBe('2026-09-20');
    expect(dates.at(-1)).toBe('2026-09-10');
    expect(new Set(pages.flatMap((p) => p.nodes.map((n) => n.id))).size).toBe(11);
    expect(dates.every((d) => d >= '2026-09-10' && d <= '2026-09-20')).toBe(true);
    expect(pages.at(-1)?.pageInfo.endCursor).toBeNull();
  });

  it('leaves a bound open when it is null, and the customer sees the whole history as before', async () => {
    const from = await page(partner(consentWith('2026-09-25T00:00:00Z', null)), 100, null);
    expect(from.totalCount).toBe(7); // 09-25 .. 10-01
    expect(from.nodes.map((n) => n.bookedOn).at(-1)).toBe('2026-09-25');
    const to = await page(partner(consentWith(null, '2026-09-05T23:59:59Z')), 100, null);
    expect(to.nodes.map((n) => n.bookedOn)).toEqual(['2026-09-05', '2026-09-04', '2026-09-03', '2026-09-02']);
    expect((await page(partner(consentWith(null, null)), 5, null)).totalCount).toBe(30);
    expect((await page(customer, 5, null)).totalCount).toBe(30);
  });

  it('leaves out a day the window covers only in part: core banking books by day, and such a day may hold transactions outside it', async () => {
    // From noon of 09-25 (so 09-25 is out) to midnight that begins 09-05 (so 09-05 is out).
    const from = await page(partner(consentWith('2026-09-25T12:00:00Z', null)), 100, null);
    expect(from.totalCount).toBe(6); // 09-26 .. 10-01
    expect(from.nodes.map((n) => n.bookedOn).at(-1)).toBe('2026-09-26');
    const to = await page(partner(consentWith(null, '2026-09-05T00:00:00Z')), 100, null);
    expect(to.nodes.map((n) => n.bookedOn)).toEqual(['2026-09-04', '2026-09-03', '2026-09-02']);
    const within = await page(partner(consentWith('2026-09-15T23:30:00-02:00', '2026-09-16T23:00:00Z')), 10, null);
    expect(within.nodes).toEqual([]);
  });

  it('shows an empty page, not an error, for a window with no transactions, and a day-bound window in another time zone by its UTC day', async () => {
    const empty = await page(partner(consentWith('2027-01-01T00:00:00Z', null)), 10, null);
    expect(empty).toEqual({ nodes: [], totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null } });
    // 2026-09-15T22:00-02:00 is 2026-09-16T00:00 in UTC.
    const oneDay = await page(partner(consentWith('2026-09-15T22:00:00-02:00', '2026-09-16T23:59:59Z')), 10, null);
    expect(oneDay.nodes.map((n) => n.bookedOn)).toEqual(['2026-09-16']);
  });

  it("applies the window to the customer's accounts read with their histories (the dashboard's path) too", async () => {
    const windowed = partner(consentWith('2026-09-15T00:00:00Z', '2026-09-30T23:59:59Z'));
    const answer = await ask(windowed, '{ customer(id: "cust-0001") { accounts { id transactions(first: 50) { totalCount nodes { bookedOn } } } } }');
    expect(answer.errors).toBeUndefined();
    const list = (answer.data as { customer: { accounts: { id: string; transactions: { totalCount: number; nodes: { bookedOn: string }[] } }[] } }).customer.accounts;
    expect(list.map((a) => a.id)).toEqual(['acc-5001', 'acc-5002']);
    expect(list[0]?.transactions.totalCount).toBe(16); // 09-15 .. 09-30
    // acc-5002: the fee of 09-15 and the reversed withdrawal of 09-20 are within; the opening deposit (09-01) and the interest (10-01) are not.
    expect(list[1]?.transactions.nodes.map((n) => n.bookedOn)).toEqual(['2026-09-20', '2026-09-15']);
    for (const account of list) expect(account.transactions.nodes.every((n) => n.bookedOn >= '2026-09-15' && n.bookedOn <= '2026-09-30')).toBe(true);
  });
});
