import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { journeyIdOf } from '../../subgraphs/journeys/engine/ids.js';
import { metricsUrlOf, scrape, type Scrape } from '../observability/metrics-support.js';
import { journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually, paymentInput, settled } from './support.js';

/**
 * A journey's status is its money status: a payment whose notification (a follow-up) gives up stays COMPLETED, the
 * follow-up is FAILED with its own code, and the follow-up metric counts it, not the needs-attention one. Real stack,
 * real simulators: the notifier refuses, or is down for every delivery.
 */

const SEND = journeyOperation('SendInternationalPayment');
const JOURNEY = journeyOperation('Journey');
const TYPE = 'SEND_INTERNATIONAL_PAYMENT';
const NEEDS_ATTENTION = 'bankgraph_journeys_needs_attention_total';
const FOLLOW_UPS_FAILED = 'bankgraph_journey_followups_failed_total';

interface GraphJourney {
  id: string;
  status: string;
  reason: string | null;
  errorCode: string | null;
  steps: { name: string; mode: string; status: string; errorCode: string | null }[];
  followUps: { name: string; status: string; errorCode: string | null }[];
}

describe('follow-ups that give up leave the payment COMPLETED', () => {
  let stack: Stack;
  let token: string;
  let metrics: string;
  const logs: Array<Record<string, unknown>> = [];
  let n = 0;
  const key = () => `followup-${Date.now()}-${++n}`;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    stack = await startStack({ paymentRail: { settlementDelayMs: 60 }, logDestination: destination, logLevel: 'warn' });
    token = await stack.customerToken('cust-0001');
    metrics = metricsUrlOf(stack.subgraphs.journeys.url);
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  async function pay(idempotencyKey: string): Promise<GraphJourney> {
    const answer = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '3.00' }) }, token);
    expect(answer.body.errors).toBeUndefined();
    return (answer.body.data?.sendInternationalPayment as { journey: GraphJourney }).journey;
  }

  /** The journey as its customer reads it in the graph, once nothing of it is left to run. */
  async function read(id: string): Promise<GraphJourney> {
    await settled(stack, id, 30_000);
    const answer = await stack.graphql(JOURNEY, { id }, token);
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data?.journey as GraphJourney;
  }

  async function expectFollowUpFailed(before: Scrape, id: string, errorCode: string): Promise<void> {
    const failed = (s: Scrape) => s.value(FOLLOW_UPS_FAILED, { type: TYPE, step: 'notifyCustomer' });
    // The alert follows the durable write: the record can be read a moment before the counter moves.
    const after = await eventually('the follow-up alert', async () => {
      const page = await scrape(metrics);
      return failed(page) > failed(before) ? page : undefined;
    });
    expect(failed(after) - failed(before)).toBe(1);
    expect(after.value(NEEDS_ATTENTION, { type: TYPE }) - before.value(NEEDS_ATTENTION, { type: TYPE })).toBe(0);
    expect(after.value('bankgraph_journeys_total', { type: TYPE, status: 'NEEDS_ATTENTION' })).toBe(before.value('bankgraph_journeys_total', { type: TYPE, status: 'NEEDS_ATTENTION' }));
    const warning = logs.find((l) => l.alert === 'JOURNEY_FOLLOW_UP_FAILED' && l.journeyId === id);
    expect(warning).toMatchObject({ level: 'warn', step: 'notifyCustomer', errorCode, journeyType: TYPE });
    expect(logs.some((l) => l.alert === 'JOURNEY_NEEDS_ATTENTION' && l.journeyId === id)).toBe(false);
  }

  it('a notification the provider refuses for good: the payment stays COMPLETED, its follow-up FAILED and counted', async () => {
    const idempotencyKey = key();
    // The provider already holds another message under the reference this payment's notification will use, so it
    // refuses the notification (409): a permanent failure, not retried.
    const id = journeyIdOf({ kind: 'customer', customerId: 'cust-0001' }, idempotencyKey);
    const taken = await fetch(`${stack.simulators.notifier.running.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'email', to: 'someone@example.com', template: 'something-else', params: {}, idempotency_key: `${id}.notifyCustomer` }),
    });
    expect(taken.status).toBe(202);
    const before = await scrape(metrics);

    const started = await pay(idempotencyKey);
    expect(started.id).toBe(id);
    expect(started.status).toBe('COMPLETED');
    const journey = await read(id);
    expect(journey.status).toBe('COMPLETED');
    expect(journey.reason).toBeNull();
    expect(journey.errorCode).toBeNull();
    expect(journey.followUps).toEqual([{ name: 'notifyCustomer', status: 'FAILED', errorCode: 'UPSTREAM_REJECTED' }]);
    expect(journey.steps.find((s) => s.name === 'notifyCustomer')).toMatchObject({ mode: 'BACKGROUND', status: 'FAILED', errorCode: 'UPSTREAM_REJECTED' });
    expect(journey.steps.filter((s) => s.mode === 'CRITICAL').every((s) => s.status === 'SUCCEEDED' || s.status === 'SKIPPED')).toBe(true);
    const record = await stack.journeys.engine.get(id);
    expect(record?.steps.find((s) => s.name === 'notifyCustomer')?.attempts).toHaveLength(1);
    await expectFollowUpFailed(before, id, 'UPSTREAM_REJECTED');
  });

  it('a notifier down for every delivery: the follow-up exhausts its retries and fails alone, the payment stays COMPLETED', async () => {
    stack.fault('notifier', { down: true });
    const before = await scrape(metrics);
    const started = await pay(key());
    expect(started.status).toBe('COMPLETED');
    const journey = await read(started.id);
    expect(journey.status).toBe('COMPLETED');
    expect(journey.reason).toBeNull();
    expect(journey.followUps).toEqual([{ name: 'notifyCustomer', status: 'FAILED', errorCode: 'UPSTREAM_UNAVAILABLE' }]);
    // Every delivery the flow allows (notifyCustomer: 8) was made before it gave up.
    const record = await stack.journeys.engine.get(started.id);
    expect(record?.steps.find((s) => s.name === 'notifyCustomer')?.attempts.map((a) => a.outcome)).toEqual(Array(8).fill('FAILED'));
    await expectFollowUpFailed(before, started.id, 'UPSTREAM_UNAVAILABLE');
  }, 60_000);
});
