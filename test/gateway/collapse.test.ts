import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, collapseQueriesEnabled } from '../../lib/config.js';
import { ContextSigner } from '../../lib/context.js';
import { createLogger } from '../../lib/log.js';
import type { Principal } from '../../lib/principal.js';
import type { GatewayContext } from '../../gateway/context.js';
import { SignedContexts, SubgraphDataSource, WriteEpochs } from '../../gateway/datasource.js';
import { SubgraphHttpPool } from '../../gateway/fetcher.js';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';

/**
 * Request collapsing (gateway/datasource.ts): identical subgraph queries of one principal in flight together share
 * one fetch; different principals and mutations never do.
 */

const total = (stats: Record<string, { total: number }>) => Object.values(stats).reduce((n, s) => n + s.total, 0);

describe('request collapsing through the whole system', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0001')); // reference rates cached
  });
  afterAll(() => stack?.stop());

  async function concurrentDashboards(tokens: string[]) {
    // Slow legacy systems keep every fetch in flight long enough for the others to arrive.
    for (const system of ['core-banking', 'card-processor', 'kyc-provider', 'fx-wallet'] as const) stack.fault(system, { latencyMs: 300 });
    await stack.resetStats();
    try {
      const answers = await Promise.all(tokens.map((t) => stack.graphql(DASHBOARD, {}, t)));
      return { answers, calls: total(await stack.stats()) };
    } finally {
      stack.clearFaults();
    }
  }

  it('answers eight identical concurrent dashboards of one customer with the legacy calls of one', async () => {
    const token = await stack.customerToken('cust-0001');
    await stack.resetStats();
    const single = await stack.graphql(DASHBOARD, {}, token);
    expect(single.body.errors).toBeUndefined();
    const one = total(await stack.stats());
    expect(one).toBeGreaterThan(0);

    const { answers, calls } = await concurrentDashboards(Array.from({ length: 8 }, () => token));
    for (const a of answers) {
      expect(a.body.errors).toBeUndefined();
      expect(a.body.data).toEqual(single.body.data);
    }
    expect(calls).toBe(one);
    const metrics = await (await fetch(new URL('/metrics', stack.gatewayUrl))).text();
    expect(metrics).toMatch(/bankgraph_gateway_subgraph_fetches_collapsed_total\{subgraph="accounts"\} [1-9]/);
  });

  it('never shares an answer between two customers', async () => {
    const [a, b] = [await stack.customerToken('cust-0001'), await stack.customerToken('cust-0002')];
    const { answers } = await concurrentDashboards([a, b, a, b]);
    const names = answers.map((r) => (r.body.data as { me: { profile: { displayName: string } } }).me.profile.displayName);
    expect(names[0]).toBe(names[2]);
    expect(names[1]).toBe(names[3]);
    expect(names[0]).not.toBe(names[1]);
    const ids = answers.map((r) => (r.body.data as { me: { accounts: { id: string }[] } }).me.accounts.map((x) => x.id).join());
    expect(ids[0]).not.toBe(ids[1]);
  });
});

describe('request collapsing is off when asked', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ collapseQueries: false });
    await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0001'));
  });
  afterAll(() => stack?.stop());

  it('asks the subgraph once per dashboard', async () => {
    const token = await stack.customerToken('cust-0001');
    // Each dashboard fetches from the accounts subgraph once; the connectors below may still batch legacy calls of
    // concurrent requests, so the subgraph fetches are what this counts.
    const accountsFetches = async () => {
      const text = await (await fetch(new URL('/metrics', stack.gatewayUrl))).text();
      return Number(text.match(/bankgraph_gateway_subgraph_fetch_duration_seconds_count\{subgraph="accounts",outcome="ok"\} (\d+)/)?.[1] ?? 0);
    };
    for (const system of ['core-banking', 'card-processor', 'kyc-provider', 'fx-wallet'] as const) stack.fault(system, { latencyMs: 200 });
    const before = await accountsFetches();
    try {
      await Promise.all(Array.from({ length: 4 }, () => stack.graphql(DASHBOARD, {}, token)));
    } finally {
      stack.clearFaults();
    }
    expect((await accountsFetches()) - before).toBe(4);
    const metrics = await (await fetch(new URL('/metrics', stack.gatewayUrl))).text();
    expect(metrics).not.toMatch(/bankgraph_gateway_subgraph_fetches_collapsed_total\{/);
  });
});

describe('the data source: what may share a fetch', () => {
  let server: Server;
  let url: string;
  const seen: { query: string; context: string }[] = [];
  let balance = 100;
  const pool = new SubgraphHttpPool();
  const contexts = new SignedContexts(new ContextSigner(authConfig({}).internalContextKey));

  beforeAll(async () => {
    // A subgraph that counts what it was asked. A query reads the balance when it arrives and answers 150 ms later
    // (a slow legacy system); a mutation pays 50 out of it at once.
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const query = (JSON.parse(body) as { query: string }).query;
        seen.push({ query, context: String(req.headers['x-bankgraph-context']) });
        const answer = (data: unknown, delayMs: number) =>
          setTimeout(() => {
            res.setHeader('content-type', 'application/json');
            res.end(JSON.stringify({ data }));
          }, delayMs);
        if (query.startsWith('mutation')) {
          balance -= 50;
          answer({ paid: true }, 0);
        } else {
          answer({ n: seen.length, balance }, 150);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  });

  const source = (writeEpochs?: WriteEpochs) =>
    new SubgraphDataSource({
      name: 'test',
      url,
      fetcher: pool.fetcher(2000),
      timeoutMs: 2000,
      contexts,
      logger: createLogger('collapse-test'),
      ...(writeEpochs ? { writeEpochs } : {}),
    });

  function fetchAs(ds: SubgraphDataSource, principal: Principal, query: string, variables: Record<string, unknown> = {}) {
    // The data source reads the principal and request id of the gateway's context, and only checks that an incoming
    // request context is there: a minimal one stands in for Apollo's.
    const context = { principal, requestId: `req-${Math.random()}` } as unknown as GatewayContext;
    const options = {
      kind: 'incoming operation', // GraphQLDataSourceRequestKind.INCOMING_OPERATION (the enum is not exported)
      request: { query, variables },
      context,
      incomingRequestContext: { context },
    } as unknown as GraphQLDataSourceProcessOptions<GatewayContext>;
    return ds.process(options);
  }

  const alice: Principal = { kind: 'customer', customerId: 'cust-0001' };
  const bob: Principal = { kind: 'customer', customerId: 'cust-0002' };

  it('shares a query of the same principal, and gives each caller its own copy', async () => {
    const ds = source();
    seen.length = 0;
    const [a, b] = await Promise.all([fetchAs(ds, alice, 'query Q { n }'), fetchAs(ds, alice, 'query Q { n }')]);
    expect(seen).toHaveLength(1);
    expect(a.data).toEqual(b.data);
    expect(a.data).not.toBe(b.data);
  });

  it('never shares between principals, variables or with mutations', async () => {
    const ds = source();
    seen.length = 0;
    await Promise.all([fetchAs(ds, alice, 'query Q { n }'), fetchAs(ds, bob, 'query Q { n }')]);
    expect(seen).toHaveLength(2);
    expect(seen[0]?.context).not.toBe(seen[1]?.context);

    seen.length = 0;
    await Promise.all([fetchAs(ds, alice, 'query Q($x: Int) { n }', { x: 1 }), fetchAs(ds, alice, 'query Q($x: Int) { n }', { x: 2 })]);
    expect(seen).toHaveLength(2);

    seen.length = 0;
    await Promise.all([fetchAs(ds, alice, 'mutation M { n }'), fetchAs(ds, alice, 'mutation M { n }')]);
    expect(seen).toHaveLength(2);
  });

  it('asks again once the first fetch has answered', async () => {
    const ds = source();
    seen.length = 0;
    await fetchAs(ds, alice, 'query Q { n }');
    await fetchAs(ds, alice, 'query Q { n }');
    expect(seen).toHaveLength(2);
  });

  it("reads a principal's own writes: a query sent after a payment does not join one that began before it", async () => {
    // Two subgraphs of one gateway share its write epochs: the payment goes to one, the balance comes from the other.
    const epochs = new WriteEpochs();
    const [accounts, journeys] = [source(epochs), source(epochs)];
    balance = 100;
    seen.length = 0;
    const before = fetchAs(accounts, alice, 'query Dash { balance }');
    await new Promise((resolve) => setTimeout(resolve, 30)); // the first read is at the subgraph
    await fetchAs(journeys, alice, 'mutation Pay { paid }');
    const after = await fetchAs(accounts, alice, 'query Dash { balance }');
    expect((await before).data).toMatchObject({ balance: 100 });
    expect(after.data).toMatchObject({ balance: 50 });
    expect(seen.filter((s) => s.query.startsWith('query'))).toHaveLength(2);

    // Another customer's payment does not stop alice's reads from being shared.
    seen.length = 0;
    const first = fetchAs(accounts, alice, 'query Dash { balance }');
    await new Promise((resolve) => setTimeout(resolve, 30));
    await fetchAs(journeys, bob, 'mutation Pay { paid }');
    await Promise.all([first, fetchAs(accounts, alice, 'query Dash { balance }')]);
    expect(seen.filter((s) => s.query.startsWith('query'))).toHaveLength(1);
  });
});

describe('GATEWAY_COLLAPSE_QUERIES', () => {
  it('is on when unset, reads true/false/1/0, and refuses anything else rather than guessing', () => {
    expect(collapseQueriesEnabled({})).toBe(true);
    expect(collapseQueriesEnabled({ GATEWAY_COLLAPSE_QUERIES: 'FALSE' })).toBe(false);
    expect(collapseQueriesEnabled({ GATEWAY_COLLAPSE_QUERIES: '0' })).toBe(false);
    expect(collapseQueriesEnabled({ GATEWAY_COLLAPSE_QUERIES: 'true' })).toBe(true);
    expect(() => collapseQueriesEnabled({ GATEWAY_COLLAPSE_QUERIES: 'off' })).toThrow(/GATEWAY_COLLAPSE_QUERIES must be true or false, got "off"/);
  });
});
