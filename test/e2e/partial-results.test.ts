import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type GraphQLAnswer, type Stack } from '../support/stack.js';
import { DASHBOARD } from '../support/operations.js';

interface Dash {
  me: { profile: unknown; accounts: { balance: unknown }[] | null; cards: unknown[] | null; kyc: unknown; wallet: unknown };
}

function errorAt(answer: GraphQLAnswer, field: string) {
  return answer.body.errors?.find((e) => e.path?.at(-1) === field);
}

describe('a failing legacy system costs only its own fields', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({
      // A short timeout so the slow-system case is quick; a breaker that opens after 3 failed attempts.
      connectors: { 'card-processor': { timeoutMs: 300, breaker: { threshold: 3, halfOpenAfterMs: 60_000 }, retry: { retries: 0 } } },
    });
    token = await stack.customerToken('cust-0001');
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  it('answers accounts and balances with cards null and UPSTREAM_UNAVAILABLE naming the card processor when it is down', async () => {
    stack.fault('card-processor', { down: true });
    const answer = await stack.graphql(DASHBOARD, {}, token);
    expect(answer.status).toBe(200);
    const me = (answer.body.data as unknown as Dash).me;
    expect(me.cards).toBeNull();
    expect(me.accounts?.length).toBe(3);
    expect(me.accounts?.[0]?.balance).not.toBeNull();
    expect(me.profile).not.toBeNull();
    expect(me.kyc).not.toBeNull();
    expect(me.wallet).not.toBeNull();
    const error = errorAt(answer, 'cards');
    expect(error?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'card-processor' });
    expect(answer.body.errors).toHaveLength(1);
  });

  it('answers UPSTREAM_TIMEOUT when the card processor is slower than its timeout', async () => {
    stack.fault('card-processor', { latencyMs: 2_000 });
    const answer = await stack.graphql(DASHBOARD, {}, token);
    const me = (answer.body.data as unknown as Dash).me;
    expect(me.cards).toBeNull();
    expect(me.accounts?.length).toBe(3);
    expect(errorAt(answer, 'cards')?.extensions).toMatchObject({ code: 'UPSTREAM_TIMEOUT', service: 'card-processor' });
  });

  it('opens the breaker after repeated failures, then answers without calling the system at all', async () => {
    stack.fault('card-processor', { errorRate: 1 });
    for (let i = 0; i < 3; i++) await stack.graphql(DASHBOARD, {}, token);
    await stack.resetStats();
    const answer = await stack.graphql(DASHBOARD, {}, token);
    expect(errorAt(answer, 'cards')?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'card-processor' });
    expect((answer.body.data as unknown as Dash).me.accounts?.length).toBe(3);
    const stats = await stack.stats();
    // Open breaker: not one call reached the card processor; the others were asked as usual.
    expect(stats['card-processor'].total).toBe(0);
    expect(stats['core-banking'].total).toBeGreaterThan(0);
  });

  it('never shows a legacy message or stack to the client', async () => {
    stack.fault('kyc-provider', { errorRate: 1 });
    const answer = await stack.graphql(DASHBOARD, {}, token);
    const text = JSON.stringify(answer.body);
    expect(errorAt(answer, 'kyc')?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'kyc-provider' });
    expect(text).not.toMatch(/injected fault|internal_error|stack|at .*\.ts:\d+/i);
  });
});
