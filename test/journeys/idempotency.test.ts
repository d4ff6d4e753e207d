import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { paymentInput, railBook, settled } from './support.js';
import { legacyKeyOf } from '../../connectors/core-banking/index.js';

const SEND = journeyOperation('SendInternationalPayment');

describe('idempotency keys (Stripe semantics)', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.customerToken('cust-0001');
  });
  afterAll(() => stack?.stop());

  it('moves money exactly once for 50 concurrent requests with one key, and all get the same journey', async () => {
    const idempotencyKey = `concurrent-${Date.now()}`;
    const input = paymentInput({ amount: '7.00' });
    const answers = await Promise.all(Array.from({ length: 50 }, () => stack.graphql(SEND, { idempotencyKey, input }, token)));
    const payloads = answers.map((a) => a.body.data?.sendInternationalPayment as { journey: { id: string; status: string }; endToEndId: string });
    expect(answers.every((a) => a.body.errors === undefined)).toBe(true);
    const ids = new Set(payloads.map((p) => p.journey.id));
    expect(ids.size).toBe(1);
    expect(new Set(payloads.map((p) => p.journey.status))).toEqual(new Set(['COMPLETED']));
    const [id] = [...ids];
    // The legacy systems' own books: one withdrawal, one payout.
    const { items } = (await stack.journeys.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    expect(items.filter((t) => t.reference === legacyKeyOf(`${id}.debitSourceAccount`))).toHaveLength(1);
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payloads[0]!.endToEndId)).toHaveLength(1);
    const record = await stack.journeys.engine.get(id!);
    expect(record!.steps.find((s) => s.name === 'debitSourceAccount')!.attempts).toHaveLength(1);
  });

  it('returns the identical result for a replay after completion, without calling anything', async () => {
    const idempotencyKey = `replay-${Date.now()}`;
    const input = paymentInput({ amount: '3.00' });
    const first = await stack.graphql(SEND, { idempotencyKey, input }, token);
    await settled(stack, (first.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id);
    const again = await stack.graphql(SEND, { idempotencyKey, input }, token);
    await stack.resetStats();
    const third = await stack.graphql(SEND, { idempotencyKey, input }, token);
    const strip = (b: unknown) => JSON.parse(JSON.stringify(b));
    expect(strip(third.body)).toEqual(strip(again.body));
    const stats = await stack.stats();
    expect(stats['payment-rail'].total + stats['fx-wallet'].total + stats['kyc-provider'].total).toBe(0);
  });

  it('answers a replay with the stored journey even after the source account was closed', async () => {
    const idempotencyKey = `replay-closed-${Date.now()}`;
    // One of cust-0004's ten accounts, used by no other test (it ends closed).
    const input = paymentInput({ amount: '1.00', sourceAccountId: 'acc-5064' });
    const token2 = await stack.customerToken('cust-0004');
    const first = await stack.graphql(SEND, { idempotencyKey, input }, token2);
    const id = (first.body.data?.sendInternationalPayment as { journey: { id: string; status: string } }).journey.id;
    await settled(stack, id);
    // Fineract closes only an account with no money on it: empty it, then close it.
    const { coreBanking } = stack.journeys.deps;
    const [account] = await coreBanking.getAccounts(['acc-5064']);
    expect(account?.customerId).toBe('cust-0004');
    await coreBanking.withdraw({ accountId: 'acc-5064', amount: account!.balance, reference: `empty-${idempotencyKey}` });
    await coreBanking.closeAccount('acc-5064');
    const again = await stack.graphql(SEND, { idempotencyKey, input }, token2);
    expect(again.body.errors).toBeUndefined();
    expect((again.body.data?.sendInternationalPayment as { journey: { id: string; status: string } }).journey).toMatchObject({ id, status: 'COMPLETED' });
    // A new payment from the closed account is refused as before.
    const fresh = await stack.graphql(SEND, { idempotencyKey: `${idempotencyKey}-new`, input }, token2);
    expect(fresh.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sourceAccountId' });
  });

  it('refuses the same key with a different amount (IDEMPOTENCY_KEY_REUSED) and moves nothing', async () => {
    const idempotencyKey = `reuse-${Date.now()}`;
    const first = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '2.00' }) }, token);
    expect(first.body.errors).toBeUndefined();
    await stack.resetStats();
    const second = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '200.00' }) }, token);
    expect(second.body.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(second.body.data?.sendInternationalPayment ?? null).toBeNull();
    const stats = await stack.stats();
    expect(stats['payment-rail'].total).toBe(0);
  });

  it('scopes keys to the principal: two customers may use the same key', async () => {
    const idempotencyKey = `shared-${Date.now()}`;
    const a = await stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '1.00' }) }, token);
    const b = await stack.graphql(
      SEND,
      { idempotencyKey, input: paymentInput({ amount: '1.00', sourceAccountId: 'acc-5004' }) },
      await stack.customerToken('cust-0002'),
    );
    const idA = (a.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
    const idB = (b.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
    expect(idA).not.toBe(idB);
  });
});
