import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MemoryAuditSink } from '../../lib/audit.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import { journeysRegistry } from '../../subgraphs/journeys/engine/metrics.js';
import { eventually } from '../support/eventually.js';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { paymentInput, railBook } from '../journeys/support.js';

/**
 * A parked payment found, understood and brought to a terminal state by two people through the graph, over the whole
 * system (real simulators, subgraphs, gateway): the payout's answer is lost and the rail's status query is down, so
 * the engine cannot know whether the money went: NEEDS_ATTENTION. Operations staff find it in the work queue, read
 * its story, one asks for a retry, the same person cannot approve it, a second person does, and the payment completes
 * with the money paid out once.
 */

const SEND = journeyOperation('SendInternationalPayment');

const QUEUE = /* GraphQL */ `
  query Queue($filter: JourneyFilter, $first: Int, $after: String) {
    journeys(filter: $filter, first: $first, after: $after) {
      nodes { id type status reason statusSince }
      pageInfo { hasNextPage endCursor }
    }
    journeySummary { parkedByType { type count } byStatus { status count } }
  }
`;

const STORY = /* GraphQL */ `
  query Story($id: ID!) {
    journey(id: $id) {
      id status reason statusSince stuckStep availableActions
      steps {
        name status attemptCount lastErrorCode startedAt endedAt
        attemptHistory(first: 2) { totalCount nodes { number kind outcome errorCode } pageInfo { hasNextPage endCursor } }
      }
      followUps { name status }
      actions { id kind status reason requestedBy decidedBy expiresAt }
    }
  }
`;

const REQUEST = /* GraphQL */ `
  mutation Request($key: String!, $input: JourneyActionInput!) {
    requestJourneyAction(idempotencyKey: $key, input: $input) {
      action { id kind step status requestedBy }
      journey { id status }
    }
  }
`;

const APPROVE = /* GraphQL */ `
  mutation Approve($journeyId: ID!, $actionId: ID!, $reason: String) {
    approveJourneyAction(journeyId: $journeyId, actionId: $actionId, reason: $reason) {
      action { id status decidedBy }
      journey { id status steps { name status } }
    }
  }
`;

const codes = (body: { errors?: { extensions?: Record<string, unknown> }[] }) => (body.errors ?? []).map((e) => e.extensions?.code);

describe('a parked payment brought to its end by two people through the graph', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  let customer: string;
  let support: string;

  beforeAll(async () => {
    stack = await startStack({ paymentRail: { settlementDelayMs: 60 }, journeyWaitMs: 2_000, connectors: { 'payment-rail': { timeoutMs: 1_000 } } });
    alice = await mintSandboxToken({ staff: 'operations', staffId: 'ops-alice' });
    bob = await mintSandboxToken({ staff: 'operations', staffId: 'ops-bob' });
    support = await mintSandboxToken({ staff: 'support', staffId: 'sup-dan' });
    customer = await stack.customerToken('cust-0001');
  });
  afterAll(() => stack?.stop());

  it('finds it in the queue, tells its story, refuses the requester\'s own approval, and completes it on the second person\'s', async () => {
    // The payout is sent and answered late (the connector gives up: its outcome is unknown); while it is on the wire
    // the rail's status query goes down too, so asking what became of it fails: the payment parks.
    stack.fault('payment-rail', { route: 'POST /instant/pacs.008', latencyMs: 1_500 });
    const sent = await stack.graphql(SEND, { idempotencyKey: `parked-${Date.now()}`, input: paymentInput({ amount: '31.00' }) }, customer);
    const id = (sent.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
    await eventually('the payout to be under way', async () => {
      const r = await stack.journeys.engine.get(id);
      return r?.steps.find((s) => s.name === 'payOut')?.status === 'RUNNING' || undefined;
    });
    stack.fault('payment-rail', { route: 'POST /instant/pacs.028', down: true });
    await eventually('the payment to be parked', async () => ((await stack.journeys.engine.get(id))?.status === 'NEEDS_ATTENTION') || undefined, 40_000);
    stack.clearFaults();

    // The work queue: parked payments, newest first, with their reason and since when.
    const queue = await stack.graphql(QUEUE, { filter: { status: 'NEEDS_ATTENTION', type: 'SEND_INTERNATIONAL_PAYMENT' }, first: 10 }, alice);
    expect(queue.body.errors).toBeUndefined();
    const listed = (queue.body.data?.journeys as { nodes: { id: string; reason: string; statusSince: string }[] }).nodes;
    expect(listed[0]).toMatchObject({ id, reason: expect.stringMatching(/payOut: outcome unknown/) });
    const summary = queue.body.data?.journeySummary as { parkedByType: { type: string; count: number }[] };
    expect(summary.parkedByType.find((t) => t.type === 'SEND_INTERNATIONAL_PAYMENT')?.count).toBeGreaterThanOrEqual(1);

    // Its story: the stuck step, what a person may do, every step's attempts (paged) and last error.
    const story = await stack.graphql(STORY, { id }, alice);
    expect(story.body.errors).toBeUndefined();
    const journey = story.body.data?.journey as {
      stuckStep: string;
      availableActions: string[];
      steps: { name: string; status: string; lastErrorCode: string | null; attemptCount: number; attemptHistory: { totalCount: number; nodes: unknown[]; pageInfo: { hasNextPage: boolean } } }[];
      actions: unknown[];
    };
    expect(journey.stuckStep).toBe('payOut');
    expect(journey.availableActions).toEqual(['RETRY_STEP', 'RESOLVE', 'UNDO']);
    const payOut = journey.steps.find((s) => s.name === 'payOut')!;
    expect(payOut.status).toBe('FAILED');
    expect(payOut.lastErrorCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(payOut.attemptHistory.totalCount).toBeGreaterThan(2);
    expect(payOut.attemptHistory.nodes).toHaveLength(2);
    expect(payOut.attemptHistory.pageInfo.hasNextPage).toBe(true);
    expect(journey.actions).toEqual([]);

    // Not for customers or support staff: the queue is refused, and so are a journey's actions (its status is not).
    expect(codes((await stack.graphql(QUEUE, { filter: { status: 'NEEDS_ATTENTION' } }, customer)).body)).toContain('FORBIDDEN');
    expect(codes((await stack.graphql(QUEUE, {}, support)).body)).toContain('FORBIDDEN');
    const own = await stack.graphql(`query($id: ID!) { journey(id: $id) { status actions { id } } }`, { id }, customer);
    expect((own.body.data?.journey as { status: string }).status).toBe('NEEDS_ATTENTION');
    expect(codes(own.body)).toEqual(['FORBIDDEN']);

    // Alice asks for a retry; she cannot approve it herself (a client's mistake: 200 with the code, never a 5xx).
    const reason = 'rail desk: the outage is over and the status query answers again';
    const requested = await stack.graphql(REQUEST, { key: `retry-${id}`, input: { journeyId: id, kind: 'RETRY_STEP', reason } }, alice);
    expect(requested.body.errors).toBeUndefined();
    const action = (requested.body.data?.requestJourneyAction as { action: { id: string; step: string; status: string } }).action;
    expect(action).toMatchObject({ step: 'payOut', status: 'AWAITING_APPROVAL' });
    const own4Eyes = await stack.graphql(APPROVE, { journeyId: id, actionId: action.id }, alice);
    expect(own4Eyes.status).toBe(200);
    expect(codes(own4Eyes.body)).toEqual(['FOUR_EYES_REQUIRED']);
    expect(codes((await stack.graphql(APPROVE, { journeyId: id, actionId: action.id }, support)).body)).toEqual(['FORBIDDEN']);

    // Bob approves: the engine asks the rail first (the payout landed while its answer was lost) and completes.
    const approved = await stack.graphql(APPROVE, { journeyId: id, actionId: action.id, reason: 'agreed' }, bob);
    expect(approved.body.errors).toBeUndefined();
    const after = approved.body.data?.approveJourneyAction as { action: { status: string; decidedBy: string }; journey: { status: string } };
    expect(after.action).toEqual({ id: action.id, status: 'APPLIED', decidedBy: 'ops-bob' });
    // Driven on at once; the rail's breaker may still be open from the outage, so the answer can come back RUNNING.
    expect(['RUNNING', 'COMPLETED']).toContain(after.journey.status);
    await eventually('the payment to complete', async () => ((await stack.journeys.engine.get(id))?.status === 'COMPLETED') || undefined, 30_000);

    // Paid out once, debited once.
    const record = (await stack.journeys.engine.get(id))!;
    const endToEndId = (record.state.payOut as { endToEndId: string }).endToEndId;
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === endToEndId)).toHaveLength(1);
    const debit = await stack.journeys.deps.coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount`);
    expect(debit).not.toBeNull();

    // Every step audited: who asked, who approved, and the journey's end.
    const events = (stack.audit as MemoryAuditSink).events.filter((e) => e.journeyId === id);
    expect(events.filter((e) => e.kind === 'journey-action').map((e) => [e.who, e.operation, e.outcome])).toEqual([
      ['staff:operations:ops-alice', 'requestJourneyAction:RETRY_STEP', 'AWAITING_APPROVAL'],
      ['staff:operations:ops-bob', 'approveJourneyAction:RETRY_STEP', 'APPLIED'],
    ]);
    await eventually('the end of the journey to be audited', async () =>
      (stack.audit as MemoryAuditSink).events.some((e) => e.journeyId === id && e.kind === 'journey' && e.outcome === 'COMPLETED') || undefined,
    );

    // The queue no longer lists it; a new action on it is refused with its code.
    const later = await stack.graphql(QUEUE, { filter: { status: 'NEEDS_ATTENTION', type: 'SEND_INTERNATIONAL_PAYMENT' } }, alice);
    expect((later.body.data?.journeys as { nodes: { id: string }[] }).nodes.map((n) => n.id)).not.toContain(id);
    const late = await stack.graphql(REQUEST, { key: `again-${id}`, input: { journeyId: id, kind: 'RESOLVE', resolution: 'COMPLETED', reason: 'x' } }, bob);
    expect(codes(late.body)).toEqual(['JOURNEY_NOT_PARKED']);

    // The metrics: the actions by kind and decision, the time from parked to resolved.
    const metrics = await journeysRegistry.metrics();
    expect(metrics).toMatch(/bankgraph_journey_actions_total\{kind="RETRY_STEP",decision="applied",code=""\} [1-9]/);
    expect(metrics).toMatch(/bankgraph_journey_parked_to_resolved_seconds_count\{type="SEND_INTERNATIONAL_PAYMENT",status="COMPLETED"\} [1-9]/);
    expect(metrics).toMatch(/bankgraph_journeys_parked\{type="SEND_INTERNATIONAL_PAYMENT"\} \d/);
  }, 90_000);

  it('refuses bad input with a clear code and writes nothing', async () => {
    const bad = await stack.graphql(QUEUE, { first: 0 }, alice);
    expect(codes(bad.body)).toContain('BAD_USER_INPUT');
    expect(codes((await stack.graphql(QUEUE, { after: 'not-a-cursor' }, alice)).body)).toContain('BAD_USER_INPUT');
    expect(codes((await stack.graphql(QUEUE, { filter: { createdAfter: 'yesterday' } }, alice)).body)).toContain('BAD_USER_INPUT');
    const unknown = await stack.graphql(REQUEST, { key: 'k-1', input: { journeyId: 'jrn_nope', kind: 'UNDO', reason: 'x' } }, alice);
    expect(codes(unknown.body)).toEqual(['NOT_FOUND']);
  });
});
