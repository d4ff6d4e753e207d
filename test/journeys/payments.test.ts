import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toDecimalString } from '../../lib/money.js';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { IBAN, paymentInput, railBook, settled, stepStatuses } from './support.js';

const SEND = journeyOperation('SendInternationalPayment');
const JOURNEY = journeyOperation('Journey');

interface Payload {
  journey: { id: string; status: string; reason: string | null; errorCode: string | null; steps: { name: string; status: string; mode: string; attempts: unknown[] }[] };
  debited: { amount: string; currency: string } | null;
  paidOut: { amount: string; currency: string } | null;
  rail: string | null;
  endToEndId: string | null;
  requoted: boolean;
}

describe('sendInternationalPayment', () => {
  let stack: Stack;
  let token: string;
  let n = 0;
  const key = () => `pay-${Date.now()}-${++n}`;

  async function send(input: ReturnType<typeof paymentInput>, idempotencyKey = key(), as = token) {
    const answer = await stack.graphql(SEND, { idempotencyKey, input }, as);
    return { answer, payload: answer.body.data?.sendInternationalPayment as Payload | undefined };
  }

  beforeAll(async () => {
    stack = await startStack({ paymentRail: { settlementDelayMs: 60 } });
    token = await stack.customerToken('cust-0001');
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  it('pays EUR to Germany on the instant rail: debit, payout, settlement, every step recorded', async () => {
    const { answer, payload } = await send(paymentInput({ amount: '25.00' }));
    expect(answer.body.errors).toBeUndefined();
    expect(payload?.journey.status).toBe('COMPLETED');
    expect(payload?.rail).toBe('instant-eur');
    expect(payload?.debited).toEqual({ amount: '25.00', currency: 'EUR' });
    expect(payload?.paidOut).toEqual({ amount: '25.00', currency: 'EUR' });
    expect(stepStatuses(payload!.journey)).toMatchObject({
      screenBeneficiary: 'SUCCEEDED',
      quoteConversion: 'SKIPPED',
      debitSourceAccount: 'SUCCEEDED',
      convertCurrency: 'SKIPPED',
      chooseRail: 'SUCCEEDED',
      payOut: 'SUCCEEDED',
      awaitSettlement: 'SUCCEEDED',
    });
    const book = await railBook(stack, 'instant');
    expect(book.filter((p) => p.EndToEndId === payload?.endToEndId)).toEqual([
      expect.objectContaining({ Ccy: 'EUR', value: '25.00', TxSts: 'ACSC' }),
    ]);
    const debit = await stack.journeys.deps.coreBanking.findTransactionByReference('acc-5001', `${payload!.journey.id}.debitSourceAccount`);
    expect(debit && toDecimalString(debit.amount)).toBe('25.00');
    // The notification goes in the background and gets there.
    const done = await settled(stack, payload!.journey.id);
    expect(stepStatuses(done).notifyCustomer).toBe('SUCCEEDED');
  });

  it('converts EUR to USD through the treasury and pays on the correspondent rail', async () => {
    const { answer, payload } = await send(paymentInput({ amount: '100.00', currency: 'USD', iban: IBAN.GB, country: 'GB', bic: 'NWBKGB2L' }));
    expect(answer.body.errors).toBeUndefined();
    expect(payload?.journey.status).toBe('COMPLETED');
    expect(payload?.rail).toBe('correspondent');
    expect(payload?.paidOut).toEqual({ amount: '100.00', currency: 'USD' });
    // 100 USD at the quoted rate (1/1.0842 less the 50 bp spread) costs a little over 92.23 EUR.
    expect(payload?.debited?.currency).toBe('EUR');
    expect(Number(payload?.debited?.amount)).toBeGreaterThan(92.23);
    expect(Number(payload?.debited?.amount)).toBeLessThan(93);
    const conversion = await stack.journeys.deps.fxWallet.findConversion(`${payload!.journey.id}.convertCurrency`);
    expect(conversion && toDecimalString(conversion.sell)).toBe(payload?.debited?.amount);
    expect(conversion && toDecimalString(conversion.buy)).toBe('100.00');
    const book = await railBook(stack, 'correspondent');
    expect(book.filter((p) => p.EndToEndId === payload?.endToEndId)).toEqual([expect.objectContaining({ Ccy: 'USD', value: '100.00', TxSts: 'ACSC' })]);
  });

  it('refunds the debit and unwinds the conversion when the rail rejects the payout (AC01)', async () => {
    const { payload } = await send(paymentInput({ amount: '40.00', currency: 'USD', iban: IBAN.rejectedAC01, country: 'DE' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.errorCode).toBe('PAYOUT_REJECTED');
    expect(payload?.journey.reason).toMatch(/AC01/);
    expect(payload?.paidOut).toBeNull();
    const id = payload!.journey.id;
    const { coreBanking, fxWallet } = stack.journeys.deps;
    const debit = await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount`);
    const refund = await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount.undo`);
    expect(debit?.type).toBe('WITHDRAWAL');
    expect(refund?.type).toBe('DEPOSIT');
    expect(refund && toDecimalString(refund.amount)).toBe(debit && toDecimalString(debit.amount));
    const conversion = await fxWallet.findConversion(`${id}.convertCurrency`);
    expect(conversion?.status).toBe('REVERSED');
    expect(stepStatuses(payload!.journey)).toMatchObject({ debitSourceAccount: 'COMPENSATED', convertCurrency: 'COMPENSATED' });
  });

  it('falls back to the correspondent rail when the instant rail is down, and records which rail carried it', async () => {
    // The whole instant rail is down (its status route too): the choice falls back before anything is sent.
    stack.fault('payment-rail', { route: 'POST /instant/pacs.008', down: true });
    stack.fault('payment-rail', { route: 'POST /instant/pacs.028', down: true });
    const { payload } = await send(paymentInput({ amount: '12.00' }));
    expect(payload?.journey.status).toBe('COMPLETED');
    expect(payload?.rail).toBe('correspondent');
    const book = await railBook(stack, 'correspondent');
    expect(book.filter((p) => p.EndToEndId === payload?.endToEndId)).toHaveLength(1);
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payload?.endToEndId)).toHaveLength(0);
  });

  it('completes when the notifier is down, and the notification is retried in the background until it goes', async () => {
    stack.fault('notifier', { down: true });
    const { payload } = await send(paymentInput({ amount: '5.00' }));
    expect(payload?.journey.status).toBe('COMPLETED');
    const id = payload!.journey.id;
    const queued = await stack.journeys.engine.get(id);
    expect(['QUEUED', 'RUNNING']).toContain(stepStatuses(queued!).notifyCustomer);
    await new Promise((r) => setTimeout(r, 300));
    stack.clearFaults();
    const done = await settled(stack, id);
    const notify = done.steps.find((s) => s.name === 'notifyCustomer');
    expect(notify?.status).toBe('SUCCEEDED');
    expect(notify!.attempts.length).toBeGreaterThan(1);
  });

  it('screens the beneficiary the Onfido way and stops a payment to a sanctioned name before any money moves', async () => {
    await stack.resetStats();
    const { payload } = await send(paymentInput({ name: 'Ivan Sanctioned' }));
    expect(payload?.journey.status).toBe('REJECTED');
    expect(payload?.journey.errorCode).toBe('SANCTIONS_HIT');
    expect(payload?.journey.reason).toMatch(/EU-CONSOLIDATED/);
    expect(payload?.debited).toBeNull();
    const stats = await stack.stats();
    // An applicant for the payee, a synchronous watchlist check, the check read back, its report for the lists.
    expect(stats['kyc-provider'].routes).toMatchObject({ 'POST /v3.6/applicants': 1, 'POST /v3.6/checks': 1, 'GET /v3.6/reports': 1 });
    expect(stats['payment-rail'].total + stats['fx-wallet'].total).toBe(0);
  });

  it('refuses bad input with BAD_USER_INPUT naming the field, and starts nothing', async () => {
    await stack.resetStats();
    const cases: [ReturnType<typeof paymentInput>, string][] = [
      [paymentInput({ amount: '-5.00' }), 'amount.amount'],
      [paymentInput({ amount: '10.001' }), 'amount.amount'],
      [paymentInput({ amount: '99999999.00' }), 'amount.amount'],
      // Only the schema's decimal grammar: no spaces, sign, exponent, leading zeros or bare points.
      ...[' 1.00 ', '+1.00', '1e2', '01.00', '1.', '.50', '1,00'].map((amount): [ReturnType<typeof paymentInput>, string] => [paymentInput({ amount }), 'amount.amount']),
      [paymentInput({ currency: 'XXX' }), 'amount.currency'],
      [paymentInput({ iban: 'DE75512108001245126198' }), 'beneficiary.iban'],
      [paymentInput({ bic: 'DEUT' }), 'beneficiary.bic'],
      [paymentInput({ country: 'FR' }), 'beneficiary.country'],
    ];
    for (const [input, field] of cases) {
      const { answer } = await send(input);
      expect(answer.body.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
    const stats = await stack.stats();
    // Only the ownership read of the source account reached a legacy system: no screening, quote, debit or payout.
    expect(stats['kyc-provider'].total + stats['fx-wallet'].total + stats['payment-rail'].total).toBe(0);
    // (the account in Fineract's batch, then its client, whose externalId says whose account it is)
    expect(Object.keys(stats['core-banking'].routes).sort()).toEqual(['GET /fineract-provider/api/v1/clients/:clientId', 'POST /fineract-provider/api/v1/batches']);
  });

  it("refuses to pay from another customer's account, and hides another customer's journey", async () => {
    const { answer } = await send(paymentInput({ sourceAccountId: 'acc-5004' }));
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'sourceAccountId' });
    const mine = await send(paymentInput({ amount: '1.00' }));
    const id = mine.payload!.journey.id;
    const other = await stack.graphql(JOURNEY, { id }, await stack.customerToken('cust-0002'));
    expect(other.body.data?.journey ?? null).toBeNull();
    expect(other.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const support = await stack.graphql(JOURNEY, { id }, await stack.staffToken('support'));
    expect(support.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const operations = await stack.graphql(JOURNEY, { id }, await stack.staffToken('operations'));
    expect((operations.body.data?.journey as { id: string }).id).toBe(id);
    // An unknown id answers like another customer's: no way to test whether a key was used.
    const unknown = await stack.graphql(JOURNEY, { id: 'jrn_doesnotexist' }, await stack.customerToken('cust-0002'));
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(unknown.body.errors?.[0]?.message).toBe(other.body.errors?.[0]?.message);

    // Customer.journeys: the customer's own list, and operations staff; support staff get FORBIDDEN on the field.
    const own = await stack.graphql('{ me { journeys(first: 50) { id type status } } }', {}, token);
    expect((own.body.data?.me as { journeys: { id: string; type: string }[] }).journeys).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, type: 'SEND_INTERNATIONAL_PAYMENT' })]),
    );
    const query = '{ customer(id: "cust-0001") { id journeys(first: 50) { id } } }';
    const ops = await stack.graphql(query, {}, await stack.staffToken('operations'));
    expect((ops.body.data?.customer as { journeys: { id: string }[] }).journeys.map((j) => j.id)).toContain(id);
    const sup = await stack.graphql(query, {}, await stack.staffToken('support'));
    expect((sup.body.data?.customer as { journeys: unknown }).journeys).toBeNull();
    expect(sup.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('sendInternationalPayment on a slow rail', () => {
  let stack: Stack;

  beforeAll(async () => {
    // Settlement takes 4 s: the journey asks the rail (pacs.028) while the payout is on its way. Pushed reports off:
    // this is the fallback's pace (test/journeys/payment-reports.test.ts has the pushes).
    stack = await startStack({ paymentRail: { settlementDelayMs: 4000 }, railReports: false });
  });
  afterAll(() => stack?.stop());

  it('follows settlement with status requests that back off, not one every 250 ms', async () => {
    const token = await stack.customerToken('cust-0001');
    await stack.resetStats();
    const answer = await stack.graphql(SEND, { idempotencyKey: `slow-${Date.now()}`, input: paymentInput({ amount: '12.00' }) }, token);
    const id = (answer.body.data?.sendInternationalPayment as Payload).journey.id;
    expect((await settled(stack, id)).status).toBe('COMPLETED');
    const polls = (await stack.stats())['payment-rail'].routes['POST /instant/pacs.028'] ?? 0;
    // One from chooseRail, then awaitSettlement's: 250 ms apart, 4 s of settlement would be 17 or more status
    // requests; doubling from 250 ms they are 6 (0, 0.25, 0.75, 1.75, 3.75, 7.75 s).
    expect(polls).toBeGreaterThan(2);
    expect(polls).toBeLessThan(10);
  });
});
