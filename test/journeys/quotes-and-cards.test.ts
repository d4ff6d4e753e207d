import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toDecimalString } from '../../lib/money.js';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { eventually, IBAN, paymentInput, settled, stepStatuses } from './support.js';

const SEND = journeyOperation('SendInternationalPayment');
const CONVERT = journeyOperation('ConvertCurrency');
const ISSUE = journeyOperation('IssueCard');
const FREEZE = journeyOperation('FreezeCard');
const UNFREEZE = journeyOperation('UnfreezeCard');
const WITHDRAWAL_ROUTE = 'POST /fineract-provider/api/v1/savingsaccounts/:savingsId/transactions';

describe('expired quotes, currency conversion and card journeys', () => {
  let stack: Stack;
  let token: string;
  let n = 0;
  const key = () => `qc-${Date.now()}-${++n}`;

  beforeAll(async () => {
    // Quotes live about a second: a slow debit lets one expire before the conversion.
    stack = await startStack({ fxWallet: { quoteTtlSeconds: 1 } });
    token = await stack.customerToken('cust-0001');
  });
  afterEach(async () => {
    stack.clearFaults();
    await fetch(`${stack.simulators['fx-wallet'].running.url}/__market`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spreadBasisPoints: 50 }),
    });
  });
  afterAll(() => stack?.stop());

  const usdToGb = () => paymentInput({ amount: '30.00', currency: 'USD', iban: IBAN.GB, country: 'GB', bic: 'NWBKGB2L' });

  it('re-quotes an expired quote once and converts when the price is within tolerance', async () => {
    stack.fault('core-banking', { route: WITHDRAWAL_ROUTE, latencyMs: 1_300 });
    const answer = await stack.graphql(SEND, { idempotencyKey: key(), input: usdToGb() }, token);
    const p = answer.body.data?.sendInternationalPayment as { journey: { status: string }; requoted: boolean; paidOut: unknown };
    expect(answer.body.errors).toBeUndefined();
    expect(p.journey.status).toBe('COMPLETED');
    expect(p.requoted).toBe(true);
    expect(p.paidOut).toEqual({ amount: '30.00', currency: 'USD' });
  });

  it('refuses (REJECTED, QUOTE_EXPIRED) and refunds the debit when the market moved beyond tolerance', async () => {
    stack.fault('core-banking', { route: WITHDRAWAL_ROUTE, latencyMs: 1_300 });
    const idempotencyKey = key();
    const pending = stack.graphql(SEND, { idempotencyKey, input: usdToGb() }, token);
    // While the debit is on its way, the market moves 3.5% against the bank.
    const id = await eventually('the debit to start', async () => {
      const list = await stack.journeys.engine.listByCustomer('cust-0001');
      const j = list.find((r) => r.idempotencyKey === idempotencyKey);
      return j && stepStatuses(j).debitSourceAccount === 'RUNNING' ? j.id : undefined;
    });
    await fetch(`${stack.simulators['fx-wallet'].running.url}/__market`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spreadBasisPoints: 400 }),
    });
    const answer = await pending;
    const p = answer.body.data?.sendInternationalPayment as { journey: { id: string; status: string; errorCode: string } };
    expect(p.journey.id).toBe(id);
    expect(p.journey.status).toBe('REJECTED');
    expect(p.journey.errorCode).toBe('QUOTE_EXPIRED');
    const { coreBanking, fxWallet } = stack.journeys.deps;
    const debit = await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount`);
    const refund = await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount.undo`);
    expect(refund && toDecimalString(refund.amount)).toBe(debit && toDecimalString(debit.amount));
    expect(await fxWallet.findConversion(`${id}.convertCurrency.requote`)).toBeNull();
  });

  it('converts between wallet pockets, and refuses a conversion the pocket cannot cover', async () => {
    const { fxWallet } = stack.journeys.deps;
    const [before] = await fxWallet.getWallets(['cust-0001']);
    const answer = await stack.graphql(CONVERT, { idempotencyKey: key(), input: { sellAmount: { amount: '10.00', currency: 'EUR' }, buy: 'USD' } }, token);
    const p = answer.body.data?.convertCurrency as { journey: { status: string }; sold: { amount: string }; bought: { amount: string; currency: string } };
    expect(answer.body.errors).toBeUndefined();
    expect(p.journey.status).toBe('COMPLETED');
    expect(p.sold).toEqual({ amount: '10.00', currency: 'EUR' });
    const [after] = await fxWallet.getWallets(['cust-0001']);
    const pocket = (w: typeof after, c: string) => w!.pockets.find((m) => m.currency === c)!.minor;
    expect(pocket(before, 'EUR') - pocket(after, 'EUR')).toBe(1000n);
    expect(toDecimalString({ minor: pocket(after, 'USD') - pocket(before, 'USD'), currency: 'USD' })).toBe(p.bought.amount);

    const tooMuch = await stack.graphql(CONVERT, { idempotencyKey: key(), input: { sellAmount: { amount: '900000.00', currency: 'EUR' }, buy: 'USD' } }, token);
    const refused = tooMuch.body.data?.convertCurrency as { journey: { status: string; errorCode: string } };
    expect(refused.journey).toMatchObject({ status: 'REJECTED', errorCode: 'INSUFFICIENT_FUNDS' });
    const same = await stack.graphql(CONVERT, { idempotencyKey: key(), input: { sellAmount: { amount: '1.00', currency: 'EUR' }, buy: 'EUR' } }, token);
    expect(same.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'buy' });
    for (const amount of [' 1.00 ', '+1.00']) {
      const signed = await stack.graphql(CONVERT, { idempotencyKey: key(), input: { sellAmount: { amount, currency: 'EUR' }, buy: 'USD' } }, token);
      expect(signed.body.errors?.[0]?.extensions, amount).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sellAmount.amount' });
    }
  });

  it('issues a card, then freezes and unfreezes it; a replayed freeze changes nothing', async () => {
    const issued = await stack.graphql(ISSUE, { idempotencyKey: key(), input: { product: 'DEBIT_VIRTUAL' } }, token);
    const card = (issued.body.data?.issueCard as { journey: { id: string; status: string }; card: { id: string; status: string; last4: string } });
    expect(issued.body.errors).toBeUndefined();
    expect(card.journey.status).toBe('COMPLETED');
    expect(card.card).toMatchObject({ status: 'INACTIVE' });
    expect(card.card.last4).toMatch(/^\d{4}$/);
    expect(stepStatuses(await settled(stack, card.journey.id)).notifyCustomer).toBe('SUCCEEDED');

    const freezeKey = key();
    const frozen = await stack.graphql(FREEZE, { idempotencyKey: freezeKey, cardId: 'crd_000101' }, token);
    expect((frozen.body.data?.freezeCard as { card: { status: string } }).card.status).toBe('FROZEN');
    const again = await stack.graphql(FREEZE, { idempotencyKey: freezeKey, cardId: 'crd_000101' }, token);
    expect(again.body).toEqual(frozen.body);
    const thawed = await stack.graphql(UNFREEZE, { idempotencyKey: key(), cardId: 'crd_000101' }, token);
    expect((thawed.body.data?.unfreezeCard as { card: { status: string } }).card.status).toBe('ACTIVE');
  });

  it("refuses to freeze another customer's card", async () => {
    const answer = await stack.graphql(FREEZE, { idempotencyKey: key(), cardId: 'crd_000101' }, await stack.customerToken('cust-0003'));
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(answer.body.data?.freezeCard ?? null).toBeNull();
  });
});
