import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCoreBankingConnector } from '../../connectors/factory.js';
import type { LegacySystem } from '../../lib/config.js';
import { toDecimalString } from '../../lib/money.js';
import type { Principal } from '../../lib/principal.js';
import type { JourneyRecord } from '../../subgraphs/journeys/engine/types.js';
import { startStack, type Stack } from '../support/stack.js';
import { IBAN, paymentInput, railBook, settled } from './support.js';

const PAYMENTS = 200;
const ONBOARDINGS = 100;
const CONCURRENCY = 30;
const SYSTEMS: LegacySystem[] = ['core-banking', 'card-processor', 'kyc-provider', 'fx-wallet', 'payment-rail', 'notifier'];

/** Runs tasks with at most `limit` at a time. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}

/** A deterministic spread of amounts (never ending in .13, which the correspondent rail refuses by design). */
const amountFor = (i: number) => `${1 + (i % 9)}.${String((i * 37) % 100).padStart(2, '0').replace('13', '14')}`;

describe('chaos: 10% errors and 5% timeouts on every legacy system', () => {
  let stack: Stack;
  let sources: { customerId: string; accountId: string }[];

  beforeAll(async () => {
    // Injected timeouts never answer, so they still time out; 800 ms keeps a loaded CI machine from adding its own.
    const patient = { timeoutMs: 800, breaker: { threshold: 8, halfOpenAfterMs: 500 } };
    stack = await startStack({
      connectors: Object.fromEntries(SYSTEMS.map((s) => [s, patient])),
      paymentRail: { settlementDelayMs: 60 },
      journeyWaitMs: 120_000,
    });
    const customers = Array.from({ length: 24 }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`);
    // Read with the default timeout: the sandbox's 24 customers, before the chaos, are setup, not what is under test.
    const setupReader = createCoreBankingConnector({ NODE_ENV: 'test' }, { baseUrl: stack.simulators['core-banking'].running.url });
    const accounts = await setupReader.getAccountsOfCustomers(customers);
    await setupReader.http.close();
    sources = customers.flatMap((customerId, i) => {
      const eur = accounts[i]!.find((a) => a.currency === 'EUR' && a.status === 'ACTIVE' && a.availableBalance.minor >= 10_000n);
      return eur ? [{ customerId, accountId: eur.id }] : [];
    });
    expect(sources.length).toBeGreaterThan(10);
    for (const s of SYSTEMS) stack.fault(s, { errorRate: 0.1, timeoutRate: 0.05 });
  });
  afterAll(() => stack?.stop());

  it('ends every journey in a terminal state and conserves money, by the simulators own books', async () => {
    const { engine, flows } = stack.journeys;
    const run = Date.now().toString(36);
    const paymentTasks = Array.from({ length: PAYMENTS }, (_, i) => async () => {
      const src = sources[i % sources.length]!;
      const principal: Principal = { kind: 'customer', customerId: src.customerId };
      const kind = i % 20;
      const args =
        kind < 12 ? { amount: amountFor(i) }
        : kind < 17 ? { amount: amountFor(i), currency: 'USD', iban: IBAN.GB, country: 'GB', bic: 'NWBKGB2L' }
        : kind < 19 ? { amount: amountFor(i), iban: IBAN.AE, country: 'AE', bic: 'EBILAEAD' }
        : { amount: amountFor(i), iban: IBAN.rejectedAC01, country: 'DE' };
      const input = { ...paymentInput({ ...args, sourceAccountId: src.accountId }), sourceCurrency: 'EUR' };
      const r = await engine.start(flows.sendInternationalPayment as never, { principal, idempotencyKey: `chaos-pay-${run}-${i}`, input, waitMs: 120_000 });
      return { id: r.id, accountId: src.accountId, requested: input.amount };
    });
    const onboardTasks = Array.from({ length: ONBOARDINGS }, (_, i) => async () => {
      const principal: Principal = { kind: 'staff', staffId: 'chaos', role: 'operations' };
      const lastName = i % 10 === 0 ? 'Consider' : i % 10 === 5 ? 'Risky' : `Chaos${i}`;
      const input = { firstName: 'Test', lastName, email: `t${i}.${run}@example.com`, dateOfBirth: '1985-01-01', country: 'DE' };
      const r = await engine.start(flows.onboardCustomer as never, { principal, idempotencyKey: `chaos-onb-${run}-${i}`, input, waitMs: 120_000 });
      return { id: r.id };
    });
    const tasks: (() => Promise<{ id: string; accountId?: string; requested?: { amount: string; currency: string } }>)[] = [];
    for (let i = 0; i < Math.max(PAYMENTS, ONBOARDINGS); i++) {
      if (i < PAYMENTS) tasks.push(paymentTasks[i]!);
      if (i < ONBOARDINGS) tasks.push(onboardTasks[i]!);
    }
    const started = await pool(tasks, CONCURRENCY);
    const finals: JourneyRecord[] = await pool(started.map((s) => () => settled(stack, s.id, 120_000)), CONCURRENCY);

    // The books are read without faults.
    stack.clearFaults();
    const byStatus: Record<string, number> = {};
    for (const r of finals) byStatus[`${r.type}:${r.status}`] = (byStatus[`${r.type}:${r.status}`] ?? 0) + 1;
    console.log('chaos outcome', byStatus);
    expect(finals.every((r) => ['COMPLETED', 'REJECTED', 'COMPENSATED', 'NEEDS_ATTENTION'].includes(r.status))).toBe(true);
    expect(finals.filter((r) => r.status === 'NEEDS_ATTENTION').map((r) => r.reason)).toEqual([]);

    const books = [...(await railBook(stack, 'instant')), ...(await railBook(stack, 'correspondent'))];
    const { coreBanking, fxWallet } = stack.journeys.deps;
    for (const [i, s] of started.entries()) {
      const r = finals[i]!;
      if (r.type !== 'SEND_INTERNATIONAL_PAYMENT') continue;
      const debit = await coreBanking.findTransactionByReference(s.accountId!, `${r.id}.debitSourceAccount`);
      const refund = await coreBanking.findTransactionByReference(s.accountId!, `${r.id}.debitSourceAccount.undo`);
      const e2e = (r.state.chooseRail as { endToEndId?: string } | undefined)?.endToEndId;
      const settledPayouts = books.filter((p) => p.EndToEndId === e2e && p.TxSts === 'ACSC');
      const conversion = r.state.convertCurrency ? await fxWallet.findConversion(`${r.id}.convertCurrency`) : null;
      if (r.status === 'COMPLETED') {
        // Paid out exactly what was asked, once, and debited exactly once (what the conversion sold, if any).
        expect(settledPayouts, r.id).toHaveLength(1);
        expect(`${settledPayouts[0]!.value} ${settledPayouts[0]!.Ccy}`).toBe(`${s.requested!.amount} ${s.requested!.currency}`);
        expect(debit, r.id).not.toBeNull();
        expect(refund, r.id).toBeNull();
        if (conversion) expect(toDecimalString(conversion.sell)).toBe(toDecimalString(debit!.amount));
      } else {
        // Not paid: nothing settled, and whatever was debited was refunded in full.
        expect(settledPayouts, r.id).toHaveLength(0);
        if (debit) expect(refund && toDecimalString(refund.amount), r.id).toBe(toDecimalString(debit.amount));
        else expect(refund, r.id).toBeNull();
        if (conversion) expect(conversion.status, r.id).toBe('REVERSED');
      }
    }
    for (const r of finals.filter((f) => f.type === 'ONBOARD_CUSTOMER')) {
      const customerId = (r.state.createKycApplicant as { customerId?: string } | undefined)?.customerId;
      const client = customerId ? await coreBanking.findClientByCustomerId(customerId) : null;
      if (r.status === 'COMPLETED') {
        expect(client?.status, r.id).toBe('ACTIVE');
        const [accounts] = await coreBanking.getAccountsOfCustomers([customerId!]);
        expect(accounts!.filter((a) => a.status === 'ACTIVE'), r.id).toHaveLength(1);
      } else {
        // Nothing half-opened: no client, or a closed one.
        expect([undefined, 'CLOSED'], r.id).toContain(client?.status);
      }
    }
    // The chaos really happened: legacy calls failed and journeys retried through them.
    const retried = finals.filter((r) => r.steps.some((s) => s.attempts.some((a) => a.outcome !== 'SUCCEEDED' && a.outcome !== 'PENDING')));
    expect(retried.length).toBeGreaterThan(50);
  }, 300_000);
});
