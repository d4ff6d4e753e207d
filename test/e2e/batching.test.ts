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

  it('costs the same legacy calls for a customer with 1 account and one with 50', async () => {
    const one = await stack.customerToken('cust-0002');
    const fifty = await stack.customerToken('cust-0003');
    let accountsSeen = 0;
    const forOne = await callsFor(stack, async () => {
      const r = await stack.graphql(DASHBOARD, {}, one);
      expect(r.body.errors).toBeUndefined();
      accountsSeen = (r.body.data as { me: { accounts: unknown[] } }).me.accounts.length;
    });
    expect(accountsSeen).toBe(1);
    const forFifty = await callsFor(stack, async () => {
      const r = await stack.graphql(DASHBOARD, {}, fifty);
      expect(r.body.errors).toBeUndefined();
      accountsSeen = (r.body.data as { me: { accounts: unknown[] } }).me.accounts.length;
    });
    expect(accountsSeen).toBe(50);
    expect(forFifty).toEqual(forOne);
    // And the count is small: every system is asked at most twice (core banking: accounts, then their transactions).
    for (const n of Object.values(forOne)) expect(n).toBeLessThanOrEqual(2);
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
    // Onfido has no batch read either: one GET /checks?applicant_id= per customer with an applicant (19: cust-0009
    // has none), and one risk-score read per completed check (18: cust-0008's still runs; the risk score leaves
    // the KYC provider with the bank's own scoring).
    expect(calls).toEqual({ 'core-banking': 1, 'card-processor': 40, 'kyc-provider': 19 + 18, 'fx-wallet': 1, 'payment-rail': 0, notifier: 0 });
  });
});
