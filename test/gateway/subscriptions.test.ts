import { createServer, connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient, type Client, type ExecutionResult } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { MemoryAuditSink } from '../../lib/audit.js';
import { authConfig, contextPublicKeys, type LegacySystem } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { RedisStore } from '../../lib/store/index.js';
import type { RunningSubgraph } from '../../lib/subgraph-server.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import { createJourneysRuntime, type JourneysRuntime } from '../../subgraphs/journeys/runtime.js';
import { createJourneysSubgraph } from '../../subgraphs/journeys/server.js';
import { deleteKeys } from '../journeys/engine/fixtures.js';
import { eventually, paymentInput, settled } from '../journeys/support.js';
import { journeyOperation } from '../support/operations.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Live journey status (issue 14, part 5): `journeyUpdated(id)` and `myJourneyUpdated` over GraphQL over Server-Sent
 * Events at the gateway's /graphql/stream, heard with graphql-sse's own client. The payment rail runs on a clock the
 * test moves: a payment answers RUNNING (the rail has it, unsettled, for an hour), and settles once the test moves
 * the rail's clock past that hour, so "RUNNING, then COMPLETED" is heard in that order without polling the graph.
 */

const SEND = journeyOperation('SendInternationalPayment');
const JOURNEY = journeyOperation('Journey');
const SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const FOLLOW = /* GraphQL */ `
  subscription Follow($id: ID!) {
    journeyUpdated(id: $id) { id status steps { name status } customer { id } }
  }
`;
const MINE = /* GraphQL */ `
  subscription Mine {
    mine: myJourneyUpdated { id status customer { id } }
  }
`;
const HOUR = 60 * 60 * 1000;

interface JourneyView {
  id: string;
  status: string;
  steps?: { name: string; status: string }[];
  customer: { id: string } | null;
}
type Result = ExecutionResult<Record<string, JourneyView | null>, unknown>;

/** The rails' clock, moved by the test: a payment received now settles once the clock is moved an hour on. */
function railClock() {
  let offsetMs = 0;
  return { now: () => new Date(Date.now() + offsetMs), settleEverything: () => void (offsetMs += 2 * HOUR) };
}

function sseClient(gateway: { origin: string }, token?: string): Client {
  return createClient({ url: `${gateway.origin}/graphql/stream`, headers: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0 });
}

/**
 * Subscribes, calls `onConnected` once the stream is open (the gateway listens from then on), and collects results
 * until `until` says stop (or the server completes the stream); each result goes to `onResult` first.
 */
async function follow(
  client: Client,
  request: { query: string; variables?: Record<string, unknown> },
  until: (result: Result, all: Result[]) => boolean,
  hooks: { onConnected?: () => void | Promise<void>; onResult?: (result: Result) => void } = {},
): Promise<Result[]> {
  const results: Result[] = [];
  let connected: Promise<void> = Promise.resolve();
  const iterator = client.iterate<Record<string, JourneyView | null>>(request, {
    connected: () => void (connected = Promise.resolve(hooks.onConnected?.())),
  });
  for await (const result of iterator) {
    results.push(result);
    hooks.onResult?.(result);
    if (until(result, results)) break;
  }
  await connected;
  return results;
}

/** Follows the journey until it is COMPLETED, letting the rail settle once the first (current) state was heard. */
async function followToCompletion(client: Client, id: string, settle: () => void): Promise<{ results: Result[]; statuses: (string | undefined)[] }> {
  let settling = false;
  const results = await follow(client, { query: FOLLOW, variables: { id } }, (r) => r.data?.journeyUpdated?.status === 'COMPLETED', {
    // The first state heard is the current one (RUNNING): only then does the rail settle.
    onResult: () => {
      if (!settling) {
        settling = true;
        settle();
      }
    },
  });
  client.dispose();
  return { results, statuses: statusesOf(results) };
}

async function post(url: string, body: unknown, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] } };
}

async function pay(gateway: { url: string }, token: string, sourceAccountId: string, key: string): Promise<{ id: string; status: string }> {
  const answer = await post(gateway.url, { query: SEND, variables: { idempotencyKey: key, input: paymentInput({ sourceAccountId, amount: '12.00' }) } }, token);
  expect(answer.body.errors).toBeUndefined();
  return (answer.body.data!.sendInternationalPayment as { journey: { id: string; status: string } }).journey;
}

async function activeSubscriptions(gateway: RunningGateway): Promise<number> {
  const text = await (await fetch(`${gateway.origin}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('bankgraph_gateway_subscriptions_active '));
  return Number(line?.split(' ')[1]);
}

const statusesOf = (results: Result[], key = 'journeyUpdated') => results.map((r) => r.data?.[key]?.status);
const codesOf = (result: Result | undefined) => (result?.errors ?? []).map((e) => (e as { extensions?: { code?: string } }).extensions?.code);

describe('journey subscriptions over SSE: two gateways, two journeys workers, one Redis', () => {
  let redisUrl: string;
  let prefix: string;
  let stack: Stack;
  let workerA: { runtime: JourneysRuntime; subgraph: RunningSubgraph };
  const clock = railClock();
  const stores: RedisStore[] = [];
  const gateways: RunningGateway[] = [];
  let gatewayA: RunningGateway;
  let gatewayB: RunningGateway;
  let n = 0;
  const key = () => `sub-${Date.now()}-${++n}`;

  beforeAll(async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('subscriptions');
    const store = () => {
      const s = new RedisStore(redisUrl, { prefix });
      stores.push(s);
      return s;
    };
    const journeyEnv = { REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
    // Worker B: the stack's journeys subgraph (with the simulators and the other subgraphs).
    stack = await startStack({ store: store(), journeyWaitMs: 300, journeyEnv, paymentRail: { now: clock.now, settlementDelayMs: HOUR } });
    // Worker A: a second journeys runtime and subgraph on the same Redis (store, BullMQ), the same simulators.
    const env = { NODE_ENV: 'test', JOURNEY_WAIT_MS: '300', ...journeyEnv };
    const systems = Object.keys(stack.simulators) as LegacySystem[];
    const runtime = createJourneysRuntime({
      env,
      store: store(),
      audit: new MemoryAuditSink(),
      connectors: Object.fromEntries(systems.map((s) => [s, { baseUrl: stack.simulators[s].running.url }])),
    });
    const subgraph = await createJourneysSubgraph({ ...runtime, verifier: new ContextVerifier(contextPublicKeys({ NODE_ENV: 'test' })) });
    workerA = { runtime, subgraph: await subgraph.listen(0) };
    const urls = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url]));
    // Gateway A sends journeys to worker A, gateway B to worker B; each hears the journeys' events on Redis.
    for (const journeys of [workerA.subgraph.url, stack.subgraphs.journeys.url]) {
      gateways.push(
        await createGateway({
          supergraphPath: SUPERGRAPH,
          subgraphUrls: { ...urls, journeys },
          auth: authConfig({ NODE_ENV: 'test' }),
          store: store(),
          rateLimit: false,
          audit: new MemoryAuditSink(),
        }),
      );
    }
    [gatewayA, gatewayB] = gateways as [RunningGateway, RunningGateway];
  }, 90_000);

  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await workerA?.subgraph.stop();
    await workerA?.runtime.close();
    await stack?.stop();
    await Promise.all(stores.map((s) => s.close()));
    if (prefix) await deleteKeys(redisUrl, `*${prefix.slice(0, -1)}*`);
  });

  it('a payment started through gateway A is heard through gateway B: RUNNING, then COMPLETED, whichever worker drives it', async () => {
    const token = await mintSandboxToken({ customer: 'cust-0001' });
    const started = await pay(gatewayA, token, 'acc-5001', key());
    expect(started.status).toBe('RUNNING');

    const { results, statuses } = await followToCompletion(sseClient(gatewayB, token), started.id, () => clock.settleEverything());
    expect(statuses[0]).toBe('RUNNING');
    expect(statuses.at(-1)).toBe('COMPLETED');
    expect(statuses.slice(0, -1).every((s) => s === 'RUNNING')).toBe(true);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data?.journeyUpdated).toMatchObject({ id: started.id, customer: { id: 'cust-0001' } });
    }
    // The last state heard is the journey as journey(id) answers it now.
    expect(results.at(-1)?.data?.journeyUpdated?.steps).toContainEqual({ name: 'awaitSettlement', status: 'SUCCEEDED' });
    // The client hung up: the gateway stopped following.
    await eventually('gateway B to stop following', async () => ((await activeSubscriptions(gatewayB)) === 0 ? true : undefined));
  });

  it("another customer's journey gets journey(id)'s own refusal, and the stream ends", async () => {
    const owner = await mintSandboxToken({ customer: 'cust-0001' });
    const other = await mintSandboxToken({ customer: 'cust-0002' });
    const started = await pay(gatewayA, owner, 'acc-5001', key());
    clock.settleEverything();

    const client = sseClient(gatewayB, other);
    const results = await follow(client, { query: FOLLOW, variables: { id: started.id } }, () => false);
    client.dispose();
    const direct = await post(gatewayB.url, { query: JOURNEY, variables: { id: started.id } }, other);
    expect(direct.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    // One result, the refusal (as journey(id) words it), then `complete` from the server.
    expect(results).toHaveLength(1);
    expect(results[0]?.data?.journeyUpdated ?? null).toBeNull();
    expect(codesOf(results[0])).toEqual(['FORBIDDEN']);
    expect(results[0]?.errors?.[0]?.message).toBe(direct.body.errors?.[0]?.message);
    await settled(stack, started.id);
  });

  it("myJourneyUpdated hears the customer's own journeys, never another customer's", async () => {
    const mine = await mintSandboxToken({ customer: 'cust-0001' });
    const theirs = await mintSandboxToken({ customer: 'cust-0002' });
    const client = sseClient(gatewayB, mine);
    let own: { id: string } | undefined;
    let foreign: { id: string } | undefined;
    const results = await follow(client, { query: MINE }, (r) => r.data?.mine?.id === own?.id && r.data?.mine?.status === 'COMPLETED', {
      onConnected: async () => {
        // While cust-0001 listens: cust-0002 pays, to the end (every write of theirs is published), then cust-0001.
        foreign = await pay(gatewayA, theirs, 'acc-5004', key());
        clock.settleEverything();
        await settled(stack, foreign.id);
        own = await pay(gatewayA, mine, 'acc-5001', key());
        clock.settleEverything();
      },
    });
    client.dispose();
    expect(foreign).toBeDefined();
    const ids = results.map((r) => r.data?.mine?.id);
    expect(ids).toContain(own!.id);
    expect(ids).not.toContain(foreign!.id);
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data?.mine?.customer).toEqual({ id: 'cust-0001' });
    }
    expect(statusesOf(results.filter((r) => r.data?.mine?.id === own!.id), 'mine')).toContain('RUNNING');
  });

  it('operations staff follow any journey; myJourneyUpdated is for customers only', async () => {
    const customer = await mintSandboxToken({ customer: 'cust-0001' });
    const started = await pay(gatewayB, customer, 'acc-5001', key());
    clock.settleEverything();
    const done = await settled(stack, started.id);

    const operations = await mintSandboxToken({ staff: 'operations' });
    const staff = sseClient(gatewayA, operations);
    const [first] = await follow(staff, { query: FOLLOW, variables: { id: started.id } }, () => true);
    expect(first?.errors).toBeUndefined();
    expect(first?.data?.journeyUpdated).toMatchObject({ id: started.id, status: done.status, customer: { id: 'cust-0001' } });

    // The same over a GET, as an EventSource would send it: the first event is the journey.
    const search = new URLSearchParams({ query: FOLLOW, variables: JSON.stringify({ id: started.id }) });
    const get = await fetch(`${gatewayA.origin}/graphql/stream?${search}`, { headers: { accept: 'text/event-stream', authorization: `Bearer ${operations}` } });
    expect(get.status).toBe(200);
    expect(get.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = get.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    while (!/event: next\ndata: .*\n\n/.test(received)) received += (await reader.read()).value ?? '';
    await reader.cancel();
    const data = /event: next\ndata: (.*)\n/.exec(received)![1]!;
    expect((JSON.parse(data) as Result).data?.journeyUpdated).toMatchObject({ id: started.id, status: done.status });

    const refused = await follow(staff, { query: MINE }, () => false);
    expect(refused).toHaveLength(1);
    expect(codesOf(refused[0])).toEqual(['FORBIDDEN']);
    // journey(id) answers operations staff null for an unknown journey: the stream says NOT_FOUND and ends.
    const unknown = await follow(staff, { query: FOLLOW, variables: { id: 'jrn_doesnotexist' } }, () => false);
    staff.dispose();
    expect(unknown).toHaveLength(1);
    expect(codesOf(unknown[0])).toEqual(['NOT_FOUND']);
  });

  it('refuses before any stream: no token (401), a partner (PERSISTED_OPERATION_REQUIRED), not an event-stream client', async () => {
    const stream = `${gatewayA.origin}/graphql/stream`;
    const body = JSON.stringify({ query: FOLLOW, variables: { id: 'jrn_x' } });
    const send = (headers: Record<string, string>) => fetch(stream, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const codeOf = async (res: Response) => ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors.map((e) => e.extensions.code);

    const anonymous = await send({ accept: 'text/event-stream' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await codeOf(anonymous)).toEqual(['UNAUTHENTICATED']);

    const forged = await send({ accept: 'text/event-stream', authorization: 'Bearer not.a.token' });
    expect(forged.status).toBe(401);
    expect(await codeOf(forged)).toEqual(['UNAUTHENTICATED']);

    const partner = await send({ accept: 'text/event-stream', authorization: `Bearer ${await mintSandboxToken({ partner: 'payroll-app' })}` });
    expect(partner.status).toBe(400);
    expect(await codeOf(partner)).toEqual(['PERSISTED_OPERATION_REQUIRED']);

    const customer = await mintSandboxToken({ customer: 'cust-0001' });
    const json = await send({ accept: 'application/json', authorization: `Bearer ${customer}` });
    expect(json.status).toBe(406);
    expect(await codeOf(json)).toEqual(['BAD_REQUEST']);

    // Malformed requests: the same 400 BAD_REQUEST (415 for another media type) with a message, never graphql-sse's bare text.
    const asCustomer = { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${customer}` };
    for (const [bodyText, status] of [
      ['{not json', 400],
      ['[]', 400],
      [JSON.stringify({ variables: { id: 'x' } }), 400],
      [JSON.stringify({ query: FOLLOW, variables: [1] }), 400],
    ] as const) {
      const res = await fetch(stream, { method: 'POST', headers: asCustomer, body: bodyText });
      expect(res.status, bodyText).toBe(status);
      expect(await codeOf(res)).toEqual(['BAD_REQUEST']);
    }
    const text = await fetch(stream, { method: 'POST', headers: { ...asCustomer, 'content-type': 'text/plain' }, body });
    expect(text.status).toBe(415);
    expect(await codeOf(text)).toEqual(['BAD_REQUEST']);
    const put = await fetch(stream, { method: 'PUT', headers: asCustomer });
    expect(put.status).toBe(405);
    expect(await codeOf(put)).toEqual(['BAD_REQUEST']);
  });

  it('bad documents get one result with a stable code, then complete: validation, operation limits, queries', async () => {
    const client = sseClient(gatewayA, await mintSandboxToken({ customer: 'cust-0001' }));
    const once = async (query: string, variables?: Record<string, unknown>) => {
      const results = await follow(client, { query, ...(variables ? { variables } : {}) }, () => false);
      expect(results).toHaveLength(1);
      return results[0];
    };
    expect(codesOf(await once('subscription { journeyUpdated(id: "x") { id balance } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codesOf(await once('subscription { journeyUpdated(id: "x") { id } myJourneyUpdated { id } }'))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codesOf(await once('subscription { journeyUpdated(id: "x") { id'))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codesOf(await once('subscription S($id: ID!) { journeyUpdated(id: $id) { id } }'))).toEqual(['BAD_USER_INPUT']);
    expect(codesOf(await once('query { journey(id: "x") { id } }'))).toEqual(['BAD_REQUEST']);
    // Deeper than the gateway's limit (12): the same refusal /graphql gives.
    let deep = 'id';
    for (let i = 0; i < 7; i++) deep = `customer { journeys { ${deep} } }`;
    const tooDeep = await once(`subscription { journeyUpdated(id: "x") { ${deep} } }`);
    expect(codesOf(tooDeep)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect((tooDeep?.errors?.[0] as { extensions?: { limit?: string } }).extensions?.limit).toBe('maxDepth');
    client.dispose();
  });
});

describe('journey subscriptions without Redis: the journeys subgraph streams its events to the gateway', () => {
  let stack: Stack;
  const clock = railClock();

  beforeAll(async () => {
    // Memory stores everywhere (as `npm start` runs): the gateway reads the journeys' internal event route.
    stack = await startStack({ journeyWaitMs: 300, paymentRail: { now: clock.now, settlementDelayMs: HOUR } });
  }, 60_000);
  afterAll(() => stack?.stop());

  it('hears a payment through one gateway: RUNNING, then COMPLETED', async () => {
    const token = await stack.customerToken('cust-0001');
    const started = await pay(stack.gateway, token, 'acc-5001', `mem-${Date.now()}`);
    expect(started.status).toBe('RUNNING');
    const { statuses } = await followToCompletion(sseClient(stack.gateway, token), started.id, () => clock.settleEverything());
    expect(statuses[0]).toBe('RUNNING');
    expect(statuses.at(-1)).toBe('COMPLETED');
    await eventually('the gateway to stop following', async () => ((await activeSubscriptions(stack.gateway)) === 0 ? true : undefined));
  });

  it('holds at most 10 streams per principal on one gateway, and gives the slot back when one closes', async () => {
    const token = await stack.customerToken('cust-0003');
    const clients = Array.from({ length: 10 }, () => sseClient(stack.gateway, token));
    // Ten streams, each open (connected) and listening; none hears anything (cust-0003 pays nothing).
    const opened = clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          client.subscribe({ query: MINE }, { next: () => {}, error: () => {}, complete: () => {} }, { connected: () => resolve() });
        }),
    );
    await Promise.all(opened);
    const eleventh = () =>
      fetch(`${stack.gateway.origin}/graphql/stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: MINE }),
      });
    const refused = await eleventh();
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code).toBe('RATE_LIMITED');
    expect(await activeSubscriptions(stack.gateway)).toBe(10);
    clients[0]!.dispose();
    const admitted = await eventually('a slot to be given back', async () => {
      const res = await eleventh();
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    await admitted.body?.cancel();
    for (const client of clients) client.dispose();
    await eventually('every stream to end', async () => ((await activeSubscriptions(stack.gateway)) === 0 ? true : undefined));
  });

  it('a gateway that stops completes its open streams (the client sees `complete`, not a broken connection)', async () => {
    const gateway = await createGateway({
      supergraphPath: SUPERGRAPH,
      subgraphUrls: Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url])),
      auth: authConfig({ NODE_ENV: 'test' }),
      rateLimit: false,
      audit: new MemoryAuditSink(),
    });
    const client = sseClient(gateway, await stack.customerToken('cust-0001'));
    let stopped: Promise<void> | undefined;
    const results = await follow(client, { query: MINE }, () => false, { onConnected: () => void (stopped = gateway.stop()) });
    client.dispose();
    expect(results).toEqual([]);
    await stopped;
  });

  it('a broken internal stream is opened again, and the journey read again: the subscriber still hears COMPLETED', async () => {
    // A TCP relay between a gateway and the journeys subgraph, whose connections the test cuts (a network fault).
    const sockets = new Set<Socket>();
    const journeysPort = Number(new URL(stack.subgraphs.journeys.url).port);
    let eventStreams = 0;
    const relay = createServer((client) => {
      const upstream = connect(journeysPort, '127.0.0.1');
      client.once('data', (chunk: Buffer) => void (chunk.toString('latin1').startsWith('GET /internal/journey-events') && eventStreams++));
      for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
        sockets.add(a);
        a.on('error', () => b.destroy());
        a.on('close', () => {
          sockets.delete(a);
          b.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const urls = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.url]));
    const gateway = await createGateway({
      supergraphPath: SUPERGRAPH,
      subgraphUrls: { ...urls, journeys: `http://127.0.0.1:${(relay.address() as AddressInfo).port}/graphql` },
      auth: authConfig({ NODE_ENV: 'test' }),
      rateLimit: false,
      audit: new MemoryAuditSink(),
    });
    let cut = false;
    try {
      const token = await stack.customerToken('cust-0001');
      const started = await pay(stack.gateway, token, 'acc-5001', `mem-cut-${Date.now()}`);
      const client = sseClient(gateway, token);
      const results = await follow(client, { query: FOLLOW, variables: { id: started.id } }, (r) => r.data?.journeyUpdated?.status === 'COMPLETED', {
        onResult: (r) => {
          if (r.data?.journeyUpdated?.status !== 'RUNNING' || cut) return;
          cut = true;
          // Every connection through the relay goes (the event stream among them), then the payment settles.
          for (const socket of [...sockets]) socket.destroy();
          clock.settleEverything();
        },
      });
      client.dispose();
      expect(statusesOf(results)[0]).toBe('RUNNING');
      expect(statusesOf(results).at(-1)).toBe('COMPLETED');
      // The first stream, cut, and the one the gateway opened again.
      expect(eventStreams).toBeGreaterThanOrEqual(2);
    } finally {
      await gateway.stop();
      await new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        relay.close(() => resolve());
      });
    }
  });

  it('the internal route wants the signed context, and refuses another customer', async () => {
    const base = new URL('/', stack.subgraphs.journeys.url).href.replace(/\/$/, '');
    const unsigned = await fetch(`${base}/internal/journey-events?customer=cust-0001`);
    expect(unsigned.status).toBe(401);
    await unsigned.body?.cancel();
    // Through the gateway, a customer asking to follow another's journeys gets journey(id)'s refusal.
    const other = await stack.customerToken('cust-0002');
    const started = await pay(stack.gateway, await stack.customerToken('cust-0001'), 'acc-5001', `mem-other-${Date.now()}`);
    clock.settleEverything();
    const client = sseClient(stack.gateway, other);
    const results = await follow(client, { query: FOLLOW, variables: { id: started.id } }, () => false);
    client.dispose();
    expect(results).toHaveLength(1);
    expect(codesOf(results[0])).toEqual(['FORBIDDEN']);
    await settled(stack, started.id);
  });
});
