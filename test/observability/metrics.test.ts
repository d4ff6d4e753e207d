import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { MemoryAuditSink } from '../../lib/audit.js';
import { SANDBOX_SECRETS, SUBGRAPHS } from '../../lib/config.js';
import { MemoryStore } from '../../lib/store/index.js';
import { watchQueueDepth } from '../../subgraphs/journeys/engine/metrics.js';
import { InProcessQueue } from '../../subgraphs/journeys/engine/queue.js';
import { settled } from '../journeys/support.js';
import { DASHBOARD, journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import { metricsUrlOf, scrape } from './metrics-support.js';

/**
 * GET /metrics of the gateway and of every subgraph, scraped over HTTP after real traffic through the whole stack:
 * each assertion reads the series a Prometheus would, with the labels an operator would query.
 */

const CONVERT = journeyOperation('ConvertCurrency');
const SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const CARDS_ROUTE = 'GET /v3/cards/user/:token';

describe('Prometheus metrics at /metrics', () => {
  let stack: Stack;
  let token: string;
  let gatewayMetrics: string;
  const subgraphMetrics = (name: (typeof SUBGRAPHS)[number]) => metricsUrlOf(stack.subgraphs[name].url);

  beforeAll(async () => {
    // A card processor breaker that opens after two failures and stays open, so the test can watch it open.
    stack = await startStack({ connectors: { 'card-processor': { breaker: { threshold: 2, halfOpenAfterMs: 60_000 } } } });
    token = await stack.customerToken('cust-0001');
    gatewayMetrics = `${stack.gateway.origin}/metrics`;
  });
  afterAll(() => stack?.stop());

  it('counts gateway requests by operation and outcome, their latency, and subgraph fetches by subgraph', async () => {
    const before = await scrape(gatewayMetrics);
    const answer = await stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
    expect(answer.body.errors).toBeUndefined();
    const refused = await stack.graphql('query Dashboard { me { id } }', {}, 'not-a-token');
    expect(refused.status).toBe(401);
    const after = await scrape(gatewayMetrics);

    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(delta('bankgraph_gateway_requests_total', { operation: 'Dashboard', outcome: 'ok' })).toBe(1);
    expect(delta('bankgraph_gateway_request_duration_seconds_count', { operation: 'Dashboard' })).toBe(1);
    // The refused request never had an operation: its client-chosen name is not a label.
    expect(delta('bankgraph_gateway_requests_total', { operation: '(none)', outcome: 'rejected' })).toBe(1);
    expect(delta('bankgraph_gateway_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    // The dashboard is four parallel root fetches, one per subgraph.
    for (const subgraph of ['accounts', 'cards', 'kyc', 'wallet']) {
      expect(delta('bankgraph_gateway_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' }), subgraph).toBe(1);
    }
    // Default process metrics, prefixed.
    for (const name of ['bankgraph_process_resident_memory_bytes', 'bankgraph_nodejs_eventloop_lag_seconds', 'bankgraph_nodejs_gc_duration_seconds']) {
      expect(after.text).toContain(`# TYPE ${name} `);
    }
  });

  it('counts subgraph requests, and legacy calls by system, route and outcome, on each subgraph', async () => {
    const url = subgraphMetrics('accounts');
    const before = await scrape(url);
    await stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
    // A request without the signed context: refused at the subgraph's edge.
    const direct = await fetch(stack.subgraphs.accounts.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(direct.status).toBe(401);
    const after = await scrape(url);

    const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
    expect(delta('bankgraph_subgraph_requests_total', { subgraph: 'accounts', outcome: 'ok' })).toBe(1);
    expect(delta('bankgraph_subgraph_requests_total', { subgraph: 'accounts', outcome: 'rejected' })).toBe(1);
    expect(delta('bankgraph_subgraph_request_duration_seconds_count', { subgraph: 'accounts' })).toBe(1);
    // The dashboard's core banking calls: a route template each, never a path with an id.
    const calls = after.find('bankgraph_legacy_call_duration_seconds_count', { system: 'core-banking', outcome: 'ok' });
    const routes = calls.map((s) => s.labels.route);
    expect(routes).toContain('GET /clients/external-id/:externalId');
    expect(routes).toContain('GET /clients/external-id/:externalId/accounts');
    expect(routes).toContain('POST /batches [GET /savingsaccounts/:savingsId?associations=transactions]');
    for (const route of routes) expect(route).not.toMatch(/cust-|acc-|\d{3,}/);
    expect(delta('bankgraph_legacy_call_duration_seconds_count', { system: 'core-banking', outcome: 'ok' })).toBeGreaterThanOrEqual(2);
    expect(delta('bankgraph_legacy_call_duration_seconds_count', { system: 'card-processor', route: CARDS_ROUTE, outcome: 'ok' })).toBe(1);
    // The subgraph's own process metrics.
    expect(after.text).toContain('# TYPE bankgraph_process_resident_memory_bytes gauge');
    expect(after.value('bankgraph_legacy_breaker_state', { system: 'core-banking', state: 'closed' })).toBeGreaterThanOrEqual(1);
  });

  it('counts journeys by type and terminal status, and shows the queue depth, on the journeys subgraph', async () => {
    const url = subgraphMetrics('journeys');
    const before = await scrape(url);
    const answer = await stack.graphql(
      CONVERT,
      { idempotencyKey: `metrics-${Date.now()}`, input: { sellAmount: { amount: '10.00', currency: 'EUR' }, buy: 'USD' } },
      token,
    );
    const journey = (answer.body.data?.convertCurrency as { journey: { id: string } }).journey;
    const record = await settled(stack, journey.id);
    expect(record.status).toBe('COMPLETED');

    // Two background steps waiting in a queue of this process (no worker yet): the gauge reads every watched queue.
    const queue = new InProcessQueue();
    const unwatch = watchQueueDepth(queue);
    try {
      await queue.enqueue({ journeyId: 'metrics-test', step: 'a' }, { attempts: 1, backoffMs: 10 });
      await queue.enqueue({ journeyId: 'metrics-test', step: 'b' }, { attempts: 1, backoffMs: 10 });
      const after = await scrape(url);
      const delta = (name: string, labels: Record<string, string>) => after.value(name, labels) - before.value(name, labels);
      expect(delta('bankgraph_journeys_total', { type: record.type, status: 'COMPLETED' })).toBe(1);
      expect(after.find('bankgraph_journey_queue_depth').map((s) => s.labels.state).sort()).toEqual(['active', 'delayed', 'failed', 'waiting']);
      expect(after.value('bankgraph_journey_queue_depth', { state: 'waiting' })).toBeGreaterThanOrEqual(2);
      expect(after.text).toContain('# TYPE bankgraph_journey_step_retries_total counter');
      expect(after.text).toContain('# TYPE bankgraph_journeys_needs_attention_total counter');
      expect(after.text).toContain('# TYPE bankgraph_journey_followups_failed_total counter');
      expect(delta('bankgraph_subgraph_requests_total', { subgraph: 'journeys', outcome: 'ok' })).toBe(1);
    } finally {
      unwatch();
      await queue.close();
    }
  });

  it('keeps operation labels bounded whatever names callers send, and known operations keep their names', async () => {
    // One underscore only: a random run such as `...wal_...` would look like a wallet id to the scan below.
    const randomName = () => `Probe_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
    const flood = async (n: number) => {
      for (let i = 0; i < n; i += 10) {
        const batch = Array.from({ length: Math.min(10, n - i) }, () => stack.graphql(`query ${randomName()} { __typename }`, {}, token));
        for (const r of await Promise.all(batch)) expect(r.status).toBe(200);
      }
    };
    const operationsIn = async () => {
      const page = await scrape(gatewayMetrics);
      return { page, operations: new Set(page.find('bankgraph_gateway_requests_total').map((s) => s.labels.operation)) };
    };

    await flood(120);
    const first = await operationsIn();
    const probes = [...first.operations].filter((o) => o?.startsWith('Probe_'));
    // At most METRICS_MAX_OPERATIONS (50) names of their own; the rest share "(other)".
    expect(probes.length).toBeLessThanOrEqual(50);
    expect(first.page.value('bankgraph_gateway_requests_total', { operation: '(other)', outcome: 'ok' })).toBeGreaterThanOrEqual(70);

    // Once the cap is reached, more random names add no series at all, and the dashboard is still "Dashboard".
    const seriesBefore = first.page.samples.filter((s) => s.name.startsWith('bankgraph_gateway_')).length;
    await flood(60);
    await stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
    const second = await operationsIn();
    expect(second.page.samples.filter((s) => s.name.startsWith('bankgraph_gateway_')).length).toBe(seriesBefore);
    expect(second.page.value('bankgraph_gateway_requests_total', { operation: '(other)', outcome: 'ok' })).toBe(
      first.page.value('bankgraph_gateway_requests_total', { operation: '(other)', outcome: 'ok' }) + 60,
    );
    expect(second.page.value('bankgraph_gateway_requests_total', { operation: 'Dashboard', outcome: 'ok' })).toBe(
      first.page.value('bankgraph_gateway_requests_total', { operation: 'Dashboard', outcome: 'ok' }) + 1,
    );
  });

  it('counts rate-limit refusals by limit, keeps each gateway\'s registry its own, and checks METRICS_TOKEN', async () => {
    const store = new MemoryStore();
    const audit = new MemoryAuditSink();
    let limited: RunningGateway | undefined;
    try {
      limited = await createGateway({
        supergraphPath: SUPERGRAPH,
        subgraphUrls: Object.fromEntries(Object.entries(stack.subgraphs).map(([n, s]) => [n, s.url])),
        store,
        audit,
        rateLimit: {
          enabled: true,
          customer: { capacity: 2, refillPerSecond: 0.001 },
          operations: { me: { capacity: 1, refillPerSecond: 0.001 } },
        },
        metrics: { token: 'metrics-test-token' },
      });
      const post = async (query: string, customer: string) => {
        const res = await fetch(limited!.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await stack.customerToken(customer)}` },
          body: JSON.stringify({ query }),
        });
        return res.status;
      };
      // cust-0002: the second `me` meets an empty operation bucket.
      expect([await post('{ me { id } }', 'cust-0002'), await post('{ me { id } }', 'cust-0002')]).toEqual([200, 429]);
      // cust-0003: the third request meets an empty principal bucket.
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push(await post('{ __typename }', 'cust-0003'));
      expect(statuses).toEqual([200, 200, 429]);

      const metricsUrl = `${limited.origin}/metrics`;
      expect((await fetch(metricsUrl)).status).toBe(401);
      expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      const page = await scrape(metricsUrl, 'metrics-test-token');
      expect(page.value('bankgraph_gateway_rate_limited_total', { limit: 'operation', principal: 'customer' })).toBe(1);
      expect(page.value('bankgraph_gateway_rate_limited_total', { limit: 'principal', principal: 'customer' })).toBe(1);
      expect(page.value('bankgraph_gateway_requests_total', { operation: '(anonymous)', outcome: 'rejected' })).toBe(2);
      expect(page.value('bankgraph_gateway_errors_total', { code: 'RATE_LIMITED' })).toBe(2);
      // Its own registry: none of the stack gateway's requests are in it.
      expect(page.value('bankgraph_gateway_requests_total', { operation: 'Dashboard' })).toBe(0);
      expect(page.value('bankgraph_gateway_requests_total')).toBe(5);
    } finally {
      await limited?.stop();
      await store.close();
      await audit.close();
    }
  });

  it('shows no customer data, token or secret on any /metrics page', async () => {
    const pages = await Promise.all([gatewayMetrics, ...SUBGRAPHS.map(subgraphMetrics)].map((url) => scrape(url)));
    for (const { text } of pages) {
      expect(text).not.toMatch(/cust-\d|acc-\d|wal_|Amelia|Hartmann|@example\.com/);
      // No PAN-like digit run (13 to 19 digits) anywhere but in the decimals of a value.
      expect(text).not.toMatch(/(?<![\d.])\d{13,19}(?![\d.])/);
      expect(text).not.toContain(token);
      for (const secret of Object.values(SANDBOX_SECRETS)) expect(text).not.toContain(secret);
    }
  });

  it('shows a legacy system\'s breaker open, and its failed calls, once the system fails (via its /__faults)', async () => {
    const cards = subgraphMetrics('cards');
    const faults = `${stack.simulators['card-processor'].running.url}/__faults`;
    const before = await scrape(cards);
    expect(before.value('bankgraph_legacy_breaker_state', { system: 'card-processor', state: 'open' })).toBe(0);
    const gatewayBefore = await scrape(gatewayMetrics);

    const fault = await fetch(faults, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ errorRate: 1 }) });
    expect(fault.ok).toBe(true);
    try {
      const answer = await stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      await fetch(faults, { method: 'DELETE' });
    }

    const after = await scrape(cards);
    expect(after.value('bankgraph_legacy_breaker_state', { system: 'card-processor', state: 'open' })).toBe(1);
    // Across the processor's routes: the dashboard asks Marqeta for the customer's cards and velocity controls at once.
    const failed = (outcome: string) =>
      after.value('bankgraph_legacy_call_errors_total', { system: 'card-processor', outcome }) -
      before.value('bankgraph_legacy_call_errors_total', { system: 'card-processor', outcome });
    // Two failures open the breaker; what comes after finds it open. Which two depends on timing: the two calls' first
    // attempts (each then retried into the open breaker: 2 retries), or one call and its retry (the other call then
    // meets the open breaker at once: 1 retry). Either way at least one retry, counted.
    expect(failed('unavailable')).toBe(2);
    expect(failed('breaker-open')).toBeGreaterThanOrEqual(1);
    expect(after.value('bankgraph_legacy_call_retries_total', { system: 'card-processor' })).toBeGreaterThanOrEqual(1);
    expect(after.value('bankgraph_subgraph_requests_total', { subgraph: 'cards', outcome: 'partial' })).toBeGreaterThanOrEqual(1);

    // At the gateway, the dashboard is partial: everything but the cards.
    const gatewayAfter = await scrape(gatewayMetrics);
    expect(
      gatewayAfter.value('bankgraph_gateway_requests_total', { operation: 'Dashboard', outcome: 'partial' }) -
        gatewayBefore.value('bankgraph_gateway_requests_total', { operation: 'Dashboard', outcome: 'partial' }),
    ).toBe(1);
  });
});
