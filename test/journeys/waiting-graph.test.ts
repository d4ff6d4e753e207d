import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { eventually, paymentInput } from './support.js';

const SEND = journeyOperation('SendInternationalPayment');

const STEPS = /* GraphQL */ `
  query Steps($id: ID!, $last: Int) {
    journey(id: $id) {
      status
      steps {
        name
        attemptCount
        nextCheckAt
        attempts {
          number
          count
          outcome
          startedAt
          endedAt
        }
        newest: attempts(last: $last) {
          number
          count
          outcome
        }
      }
    }
  }
`;

interface Step {
  name: string;
  attemptCount: number;
  nextCheckAt: string | null;
  attempts: { number: number; count: number; outcome: string; startedAt: string; endedAt: string }[];
  newest: { number: number; count: number; outcome: string }[];
}

/** A payment waiting for its settlement, through the graph: its checks are one entry, and attempts are paged. */
describe('a settlement wait in the graph', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    // Settles 1.2 s after the payout: checked after 250, 500 and 1000 ms of back-off (three "pending" answers at least).
    // Pushed reports off: they would wake checks of their own, and this is about the wait as polling spaces it.
    stack = await startStack({ paymentRail: { settlementDelayMs: 1200 }, railReports: false });
    token = await stack.customerToken('cust-0001');
  });
  afterAll(() => stack?.stop());

  const steps = async (id: string, last?: number) => {
    const answer = await stack.graphql(STEPS, { id, ...(last !== undefined ? { last } : {}) }, token);
    return { answer, steps: (answer.body.data?.journey as { steps: Step[] } | undefined)?.steps ?? [] };
  };

  it('shows the checks of the wait as one entry with their count, the next check while it waits, and pages attempts with last', async () => {
    const idempotencyKey = `wait-${Date.now()}`;
    const sent = stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '12.00' }) }, token);
    const waiting = await eventually(
      'the settlement to wait',
      async () => (await stack.journeys.engine.listByCustomer('cust-0001')).find((j) => j.idempotencyKey === idempotencyKey && j.steps.some((s) => s.wait)),
      10_000,
    );
    const during = (await steps(waiting.id)).steps.find((s) => s.name === 'awaitSettlement')!;
    expect(Date.parse(during.nextCheckAt!)).toBeGreaterThan(0);

    const answer = await sent;
    expect(answer.body.errors).toBeUndefined();
    const { answer: read, steps: after } = await steps(waiting.id, 1);
    expect(read.body.errors).toBeUndefined();
    const settlement = after.find((s) => s.name === 'awaitSettlement')!;
    const pending = settlement.attempts[0]!;
    expect(settlement.attempts.map((a) => a.outcome)).toEqual(['PENDING', 'SUCCEEDED']);
    expect(pending).toMatchObject({ number: 1, outcome: 'PENDING' });
    expect(pending.count).toBeGreaterThanOrEqual(3);
    expect(Date.parse(pending.endedAt)).toBeGreaterThan(Date.parse(pending.startedAt));
    expect(settlement.attemptCount).toBe(pending.count + 1);
    expect(settlement.newest).toEqual([{ number: pending.count + 1, count: 1, outcome: 'SUCCEEDED' }]);
    expect(settlement.nextCheckAt).toBeNull();
    // Steps without a wait page alike; `last` beyond the list is the whole list.
    const { steps: wide } = await steps(waiting.id, 100);
    for (const s of wide) expect(s.newest).toEqual(s.attempts.map(({ number, count, outcome }) => ({ number, count, outcome })));
  });

  it.each([0, -1, 101])('refuses attempts(last: %i) with BAD_USER_INPUT, not a 5xx', async (last) => {
    const idempotencyKey = `wait-bad-${last}-${Date.now()}`;
    const sent = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '3.00' }) }, token);
    const id = (sent.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
    const { answer } = await steps(id, last);
    expect(answer.status).toBe(200);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(answer.body.errors?.[0]?.message).toMatch(/last must be between 1 and 100/);
  });
});
