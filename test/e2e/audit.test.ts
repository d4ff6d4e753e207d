import { readFileSync } from 'node:fs';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOfFields, MemoryAuditSink, RedisStreamAuditSink, type AuditEvent } from '../../lib/audit.js';
import { paymentInput } from '../journeys/support.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { DASHBOARD, journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';
import { withoutUuids } from '../support/uuids.js';

const SEND = journeyOperation('SendInternationalPayment');
/** What must never be in an audit event: PAN-like digit runs, JWTs (bearer tokens, signed contexts), e-mail addresses. */
const SECRET_LIKE = /(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])|eyJ[A-Za-z0-9_-]+\.|@example\.com|bearer/i;

describe('audit log (end to end, memory sink: the default)', () => {
  let stack: Stack;
  let sink: MemoryAuditSink;
  const byRequest = (requestId: string | null) => sink.events.filter((e) => e.requestId === requestId);

  beforeAll(async () => {
    stack = await startStack();
    expect(stack.audit).toBeInstanceOf(MemoryAuditSink);
    sink = stack.audit as MemoryAuditSink;
  });
  afterAll(() => stack?.stop());

  it("records a customer's dashboard: who, the customer, the accounts in the answer, ok", async () => {
    const answer = await stack.graphql(DASHBOARD, { currency: 'EUR' }, await stack.customerToken('cust-0001'));
    expect(answer.body.errors).toBeUndefined();
    const requestId = answer.headers.get('x-request-id')!;
    const events = byRequest(requestId);
    expect(events).toHaveLength(1);
    const accounts = (answer.body.data as { me: { accounts: { id: string }[] } }).me.accounts.map((a) => a.id);
    expect(accounts.length).toBe(3);
    expect(events[0]).toMatchObject({
      who: 'customer:cust-0001',
      operation: 'Dashboard',
      kind: 'read',
      customerId: 'cust-0001',
      outcome: 'ok',
    });
    expect([...events[0]!.accountIds!].sort()).toEqual([...accounts].sort());
    expect(events[0]!.from).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1) node$/);
    expect(Date.parse(events[0]!.at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("records a staff lookup with the customer of the id argument and that customer's accounts", async () => {
    const answer = await stack.graphql(
      'query Lookup($id: ID!) { customer(id: $id) { profile { email } accounts { id balance { amount } } } }',
      { id: 'cust-0002' },
      await stack.staffToken('support'),
    );
    expect(answer.body.errors).toBeUndefined();
    const [event] = byRequest(answer.headers.get('x-request-id')!);
    expect(event).toMatchObject({ operation: 'Lookup', customerId: 'cust-0002', outcome: 'ok', accountIds: [expect.any(String)] });
    expect(event!.who).toMatch(/^staff:support:/);
  });

  it('records a denied read as denied, with the customer asked for', async () => {
    const answer = await stack.graphql('{ customer(id: "cust-0002") { profile { email } } }', {}, await stack.customerToken('cust-0001'));
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [event] = byRequest(answer.headers.get('x-request-id')!);
    // A customer's events name the customer they are (the one whose rights were used), the asked-for id is refused.
    expect(event).toMatchObject({ who: 'customer:cust-0001', operation: 'anonymous', kind: 'read', outcome: 'denied' });
  });

  it('records a read that a failing system cut short as error', async () => {
    // One route down (the cards page), not the whole processor: its breaker stays closed for the tests after this one.
    stack.fault('card-processor', { route: 'GET /v3/cards/user/:token', down: true });
    try {
      const answer = await stack.graphql('query Cards { me { cards { last4 } } }', {}, await stack.customerToken('cust-0001'));
      expect(answer.body.errors?.length).toBeGreaterThan(0);
      const [event] = byRequest(answer.headers.get('x-request-id')!);
      expect(event).toMatchObject({ operation: 'Cards', outcome: 'error', customerId: 'cust-0001' });
    } finally {
      stack.clearFaults();
    }
  });

  it('names the customer and the accounts a staff read reached through fragments, aliases and variable defaults', async () => {
    const staff = await stack.staffToken('support');
    const hidden = `query Q($id: ID! = "cust-0003") { ...F } fragment F on Query { x: customer(id: $id) { accs: accounts { id } } }`;
    const answer = await stack.graphql(hidden, {}, staff);
    expect(answer.body.errors).toBeUndefined();
    const [event] = byRequest(answer.headers.get('x-request-id')!);
    expect(event).toMatchObject({ who: expect.stringMatching(/^staff:support:/), customerId: 'cust-0003', outcome: 'ok' });
    expect(event!.accountIds).toHaveLength(50);

    const card = await stack.graphql('{ card(id: "crd_000101") { last4 } }', {}, staff);
    expect(card.body.errors).toBeUndefined();
    expect(byRequest(card.headers.get('x-request-id')!)).toHaveLength(1);
  });

  it('records a read that returned data and was partly refused as partial, not denied', async () => {
    const answer = await stack.graphql(
      '{ customer(id: "cust-0001") { profile { displayName } journeys { id } } }',
      {},
      await stack.staffToken('support'),
    );
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const [event] = byRequest(answer.headers.get('x-request-id')!);
    expect(event).toMatchObject({ customerId: 'cust-0001', outcome: 'partial' });
  });

  it("records a customer's read of their own account numbers", async () => {
    const answer = await stack.graphql('query Numbers { me { accounts { number } } }', {}, await stack.customerToken('cust-0001'));
    expect(answer.body.errors).toBeUndefined();
    expect(byRequest(answer.headers.get('x-request-id')!)).toEqual([
      expect.objectContaining({ who: 'customer:cust-0001', operation: 'Numbers', kind: 'read', customerId: 'cust-0001', outcome: 'ok' }),
    ]);
  });

  it('does not audit a request that touches no sensitive field', async () => {
    const before = sink.events.length;
    const answer = await stack.graphql('query Who { me { id } }', {}, await stack.customerToken('cust-0001'));
    expect(answer.body.errors).toBeUndefined();
    expect(byRequest(answer.headers.get('x-request-id')!)).toEqual([]);
    expect(sink.events.length).toBe(before);
  });

  it("records a journey's start and its terminal state, with its id and customer", async () => {
    const idempotencyKey = `audit-${Date.now()}`;
    const answer = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '12.00' }) }, await stack.customerToken('cust-0001'));
    expect(answer.body.errors).toBeUndefined();
    const journey = (answer.body.data as { sendInternationalPayment: { journey: { id: string; status: string } } }).sendInternationalPayment.journey;
    expect(journey.status).toBe('COMPLETED');
    const events = await eventually('the terminal event', () => {
      const mine = sink.events.filter((e) => e.journeyId === journey.id);
      return mine.length >= 2 ? mine : undefined;
    });
    expect(events).toEqual([
      expect.objectContaining({ kind: 'journey', who: 'customer:cust-0001', customerId: 'cust-0001', outcome: 'RUNNING', journeyId: journey.id }),
      expect.objectContaining({ kind: 'journey', who: 'customer:cust-0001', customerId: 'cust-0001', outcome: 'COMPLETED', journeyId: journey.id }),
    ]);
    // A replay of the same request is the same journey: no second start.
    await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '12.00' }) }, await stack.customerToken('cust-0001'));
    expect(sink.events.filter((e) => e.journeyId === journey.id)).toHaveLength(2);
  });

  it('nothing in any event looks like a PAN, a token or an e-mail address', () => {
    expect(sink.events.length).toBeGreaterThan(5);
    for (const e of sink.events) expect(withoutUuids(JSON.stringify(e))).not.toMatch(SECRET_LIKE);
  });
});

describe('audit log (end to end, Redis stream)', () => {
  let stack: Stack;
  let reader: Redis;
  let sink: RedisStreamAuditSink;

  beforeAll(async () => {
    const url = await requireRedis();
    reader = new Redis(url);
    sink = new RedisStreamAuditSink({ url, prefix: uniquePrefix('audit-e2e') });
    stack = await startStack({ audit: sink });
  });
  afterAll(async () => {
    await stack?.stop();
    await sink?.close();
    // A test stream: the application itself never deletes from the audit stream.
    if (sink) await reader.del(sink.stream);
    reader?.disconnect();
  });

  it('receives the reads and the journey events (XRANGE), none of them holding a PAN or a token', async () => {
    const token = await stack.customerToken('cust-0001');
    const dashboard = await stack.graphql(DASHBOARD, { currency: 'EUR' }, token);
    const denied = await stack.graphql('{ customer(id: "cust-0003") { profile { email } } }', {}, token);
    const payment = await stack.graphql(SEND, { idempotencyKey: `audit-redis-${Date.now()}`, input: paymentInput({ amount: '7.00' }) }, token);
    const journeyId = (payment.body.data as { sendInternationalPayment: { journey: { id: string } } }).sendInternationalPayment.journey.id;

    const events = await eventually('the journey end in the stream', async () => {
      const read = (await reader.xrange(sink.stream, '-', '+')).map(([, fields]) => ({ fields, event: eventOfFields(fields) }));
      return read.some(({ event }) => event.journeyId === journeyId && event.outcome === 'COMPLETED') ? read : undefined;
    });
    const find = (p: (e: AuditEvent) => boolean) => events.find(({ event }) => p(event))?.event;
    expect(find((e) => e.requestId === dashboard.headers.get('x-request-id'))).toMatchObject({ who: 'customer:cust-0001', customerId: 'cust-0001', outcome: 'ok', kind: 'read' });
    expect(find((e) => e.requestId === dashboard.headers.get('x-request-id'))?.accountIds?.length).toBe(3);
    expect(find((e) => e.requestId === denied.headers.get('x-request-id'))).toMatchObject({ outcome: 'denied' });
    expect(find((e) => e.journeyId === journeyId && e.outcome === 'RUNNING')).toMatchObject({ kind: 'journey', customerId: 'cust-0001' });
    for (const { fields } of events) expect(withoutUuids(JSON.stringify(fields))).not.toMatch(SECRET_LIKE);
  });
});

describe('audit log (end to end): the audited fields are those of the supergraph being served', () => {
  let stack: Stack;
  let sink: MemoryAuditSink;
  let dir: string;
  let path: string;
  const committed = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bankgraph-audit-reload-'));
    path = join(dir, 'supergraph.graphql');
    await writeFile(path, committed);
    stack = await startStack({ supergraphPath: path });
    sink = stack.audit as MemoryAuditSink;
  });
  afterAll(async () => {
    await stack?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('audits what a reloaded supergraph marks @audited, and no longer what it stops marking', async () => {
    const token = await stack.customerToken('cust-0001');
    const audited = async (query: string) => {
      const answer = await stack.graphql(query, {}, token);
      expect(answer.body.errors).toBeUndefined();
      return sink.events.some((e) => e.requestId === answer.headers.get('x-request-id'));
    };
    const RATE = 'query Rate { fxRate(from: "EUR", to: "USD") { rate } }';
    const NAME = 'query Name { me { profile { displayName } } }';
    expect(await audited(RATE)).toBe(false);
    expect(await audited(NAME)).toBe(true);

    const fxRate = 'fxRate(from: String!, to: String!): FxRate @join__field(graph: WALLET)';
    const profile = 'profile: CustomerProfile @join__field(graph: ACCOUNTS) @audited(category: PERSONAL)';
    expect(committed).toContain(fxRate);
    expect(committed).toContain(profile);
    const next = committed
      .replace(fxRate, `${fxRate} @audited(category: FINANCIAL)`)
      .replace(profile, 'profile: CustomerProfile @join__field(graph: ACCOUNTS)');
    // Written elsewhere and renamed over, as a deploy would.
    await writeFile(`${path}.next`, next);
    await rename(`${path}.next`, path);

    await eventually('the reloaded supergraph to audit fxRate', async () => ((await audited(RATE)) ? true : undefined));
    expect(await audited(NAME)).toBe(false);
  });
});
