import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LegacySystem } from '../../lib/config.js';
import { startStack, type Stack } from '../support/stack.js';
import { DASHBOARD, STAFF_OVERVIEW, customerIds } from '../support/operations.js';

/** Legacy calls one request costs, per system, read from the simulators' own /__stats. */
async function callsFor(stack: Stack, run: () => Promise<unknown>): Promise<Record<LegacySystem, number>> {
  await stack.resetStats();
  await run();
  const stats = await stack.stats();
  return Object.fromEntries(Object.entries(stats).map(([s, v]) => [s, v.total])) as Record<LegacySystem, number>;
}

describe('batching: legacy calls do not grow with the data', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    // Reference rates are cached for a minute; warm them so every measured request sees the same cache.
    await stack.graphql(DASHBOARD, {}, await stack.customerToken('cust-0001'));
  });
  afterAll(() => stack?.stop());

  it('costs the same legacy calls for a customer with 1, 10, 50 or 100 accounts', async () => {
    const counts: Record<string, Record<LegacySystem, number>> = {};
    for (const [customer, accounts] of [['cust-0002', 1], ['cust-0004', 10], ['cust-0003', 50], ['cust-0005', 100]] as const) {
      const token = await stack.customerToken(customer);
      counts[customer] = await callsFor(stack, async () => {
        const r = await stack.graphql(DASHBOARD, {}, token);
        expect(r.body.errors).toBeUndefined();
        expect((r.body.data as { me: { accounts: unknown[] } }).me.accounts).toHaveLength(accounts);
      });
    }
    const one = counts['cust-0002'] as Record<LegacySystem, number>;
    for (const c of Object.values(counts)) expect(c).toEqual(one);
    // And the count is small. Core banking: the client, its account list, and one batch of its accounts read with
    // their transactions (the list has no available balance, and Fineract's batch runs only savings-account reads).
    // Marqeta: the cards and the velocity controls. Reference rates are cached.
    expect(one).toEqual({ 'core-banking': 3, 'card-processor': 2, 'kyc-provider': 1, 'risk-scoring': 1, 'fx-wallet': 1, 'payment-rail': 0, notifier: 0 });
  });

  it('makes one batch call per system that has a batch read for a staff view of 20 customers, not 20 (and says what the others cost)', async () => {
    const token = await stack.staffToken('operations');
    const ids = customerIds(1, 20);
    const calls = await callsFor(stack, async () => {
      const r = await stack.graphql(STAFF_OVERVIEW, { ids }, token);
      expect(r.body.errors).toBeUndefined();
      const customers = (r.body.data as { customers: { id: string; profile: unknown }[] }).customers;
      expect(customers.map((c) => c.id)).toEqual(ids);
      expect(customers.every((c) => c.profile !== null)).toBe(true);
    });
    // Marqeta has no read of many users' cards: one page of cards and one of velocity controls per customer, at once.
    // Fineract's batch runs no client reads: a profile and an account list per customer, then one batch of accounts.
    // Onfido has no batch read either: one GET /checks?applicant_id= per customer with an applicant (19: cust-0009
    // has none). The risk of all 20 is one batch read of the risk-scoring system's latest scores.
    expect(calls).toEqual({ 'core-banking': 41, 'card-processor': 40, 'kyc-provider': 19, 'fx-wallet': 1, 'payment-rail': 0, notifier: 0, 'risk-scoring': 1 });
  });
});
