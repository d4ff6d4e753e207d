import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { journeysTotal, needsAttentionTotal } from '../../../subgraphs/journeys/engine/metrics.js';
import { StepRejected, type Json, type StepContext } from '../../../subgraphs/journeys/engine/types.js';
import {
  captureLogger,
  counterValue,
  CUSTOMER,
  eventually,
  failing,
  Ledger,
  ledgerStep,
  newKey,
  sleep,
  STORES,
  testEngine,
  toyFlow,
  unavailable,
  type StoreUnderTest,
} from './fixtures.js';

/** When steps fail: compensation newest first, rejections, unknown outcomes, and what needs a person. */
describe.each(STORES)('journey failures on the $name store', (kind) => {
  let store: StoreUnderTest;
  let engine: JourneyEngineHandle | undefined;
  beforeAll(async () => {
    store = await kind.make();
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });
  afterAll(async () => {
    await store.cleanup();
  });

  const start = (flow: ReturnType<typeof toyFlow>) => engine!.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 7 } });

  it('exhausted retries compensate the done steps newest first, then COMPENSATED with the failing step code', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      ledgerStep(ledger, 'debit'),
      ledgerStep(ledger, 'payOut', { run: async () => Promise.reject(unavailable()), retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 5 } }),
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);

    expect(record.status).toBe('COMPENSATED');
    expect(record.errorCode).toBe('UPSTREAM_UNAVAILABLE');
    expect(record.reason).toBe('payOut failed after 3 attempts (UPSTREAM_UNAVAILABLE)');
    expect(record.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'COMPENSATED', 'FAILED']);
    expect(record.steps[2]!.attempts.map((a) => a.outcome)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(record.steps[1]!.attempts.map((a) => a.kind)).toEqual(['run', 'compensate']);
    // Undone newest first, each with its own reference.
    expect(ledger.references()).toEqual([
      `${record.id}.openAccount`,
      `${record.id}.debit`,
      `${record.id}.debit.undo`,
      `${record.id}.openAccount.undo`,
    ]);
    expect(record.result).toEqual({ status: 'COMPENSATED', steps: ['openAccount', 'debit'] });
    expect(await counterValue(journeysTotal, { type: flow.type, status: 'COMPENSATED' })).toBe(1);
  });

  it('a permanent error is not retried', async () => {
    const ledger = new Ledger();
    const insufficient = () => new BankError(ErrorCode.INSUFFICIENT_FUNDS, 'not enough money');
    const flow = toyFlow([ledgerStep(ledger, 'openAccount'), ledgerStep(ledger, 'debit', { run: async () => Promise.reject(insufficient()) })]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPENSATED');
    expect(record.errorCode).toBe('INSUFFICIENT_FUNDS');
    expect(record.steps[1]!.attempts).toHaveLength(1);
    expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(1);
  });

  it('a rejection ends REJECTED with its reason, after undoing what was done', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      ledgerStep(ledger, 'checkKyc', { run: async () => Promise.reject(new StepRejected('KYC_REJECTED', 'the applicant was not cleared')) }),
      ledgerStep(ledger, 'issueCard'),
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('REJECTED');
    expect(record.reason).toBe('the applicant was not cleared');
    expect(record.errorCode).toBe('KYC_REJECTED');
    expect(record.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'FAILED', 'PENDING']);
    expect(record.steps[1]!.attempts).toMatchObject([{ outcome: 'REJECTED', errorCode: 'KYC_REJECTED' }]);
    expect(ledger.references()).toEqual([`${record.id}.openAccount`, `${record.id}.openAccount.undo`]);
  });

  it('unknown outcome: a step that timed out after its effect is recovered, with one effect', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      {
        name: 'debit',
        timeoutMs: 40,
        retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 5 },
        run: failingSlowly(1, ledger),
        recover: async (ctx) => ledger.find(ctx.reference),
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPLETED');
    expect(record.steps[0]!.attempts.map((a) => [a.kind, a.outcome, a.errorCode])).toEqual([
      ['run', 'TIMED_OUT', 'UPSTREAM_TIMEOUT'],
      ['recover', 'SUCCEEDED', null],
    ]);
    expect(record.state.debit).toEqual({ debited: 7 });
    expect(ledger.callsEndingWith('.debit')).toBe(1);
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
  });

  it('unknown outcome without recover: run again with the same reference, still one effect', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([{ name: 'debit', timeoutMs: 40, retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 5 }, run: failingSlowly(1, ledger) }]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPLETED');
    expect(record.steps[0]!.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ['run', 'TIMED_OUT'],
      ['run', 'SUCCEEDED'],
    ]);
    expect(ledger.callsEndingWith('.debit')).toBe(2);
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
  });

  it('unknown outcome, recover finds nothing: the step runs again (recover recorded as NOT_FOUND)', async () => {
    const ledger = new Ledger();
    const run = failing(1, () => new BankError(ErrorCode.UPSTREAM_TIMEOUT, 'timed out before reaching the ledger'), async (ctx) => ledger.apply(ctx.reference));
    const flow = toyFlow([{ name: 'debit', retry: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 5 }, run, recover: async (ctx) => ledger.find(ctx.reference) }]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPLETED');
    expect(record.steps[0]!.attempts.map((a) => [a.kind, a.outcome, a.errorCode])).toEqual([
      ['run', 'TIMED_OUT', 'UPSTREAM_TIMEOUT'],
      ['recover', 'FAILED', 'NOT_FOUND'],
      ['run', 'SUCCEEDED', null],
    ]);
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
  });

  it('retries exhausted on garbled answers: recover is asked once before giving up, and finds the effect', async () => {
    const ledger = new Ledger();
    const garbled = () => new BankError(ErrorCode.UPSTREAM_BAD_RESPONSE, 'unreadable answer');
    const flow = toyFlow([
      {
        name: 'debit',
        retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 5 },
        run: async (ctx) => {
          ledger.apply(ctx.reference, { debited: 7 });
          throw garbled();
        },
        recover: async (ctx) => ledger.find(ctx.reference),
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPLETED');
    expect(record.steps[0]!.attempts.map((a) => [a.kind, a.outcome])).toEqual([
      ['run', 'FAILED'],
      ['run', 'FAILED'],
      ['run', 'FAILED'],
      ['recover', 'SUCCEEDED'],
    ]);
    expect(record.state.debit).toEqual({ debited: 7 });
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
  });

  it('an outcome still unknown when attempts run out parks the journey as it stands: NEEDS_ATTENTION, nothing undone', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      { name: 'payOut', timeoutMs: 20, retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 }, run: () => new Promise<Json>(() => {}) },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('NEEDS_ATTENTION');
    expect(record.reason).toMatch(/payOut: outcome unknown after 2 attempts \(UPSTREAM_TIMEOUT\); check reference jrn_\w+\.payOut/);
    // Undoing openAccount before a person knows whether the payout went out could refund a payment that was made.
    expect(record.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(0);
    // The alert follows the durable write: the record can be read a moment before the counter moves.
    await eventually(async () => (await counterValue(needsAttentionTotal, { type: flow.type })) === 1, 5_000, 'the alert');
  });

  it('a step past its point of no return (onFailure: park) that fails parks the journey with nothing undone', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'debit'),
      ledgerStep(ledger, 'payOut'),
      { name: 'awaitSettlement', readOnly: true, onFailure: 'park', retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 }, run: () => Promise.reject(unavailable()) },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('NEEDS_ATTENTION');
    expect(record.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'FAILED']);
    // The payout is out: refunding the debit because settlement could not be confirmed would lose the amount.
    expect(ledger.effectsEndingWith('.debit.undo')).toBe(0);
  });

  it('an effect that may have landed (a timeout, then failures) is never taken as absent when recover cannot answer', async () => {
    const ledger = new Ledger();
    let runs = 0;
    const flow = toyFlow([
      ledgerStep(ledger, 'debit'),
      {
        name: 'payOut',
        timeoutMs: 20,
        retry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 5 },
        compensateRetry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
        // The first attempt times out and its effect lands late; later attempts meet an outage.
        run: (ctx) => {
          runs++;
          if (runs === 1) {
            setTimeout(() => ledger.apply(ctx.reference), 40);
            return new Promise<Json>(() => {});
          }
          return Promise.reject(unavailable());
        },
        recover: () => Promise.reject(unavailable()),
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    await sleep(60); // the late effect lands
    expect(ledger.effectsEndingWith('.payOut')).toBe(1);
    expect(record.status).toBe('NEEDS_ATTENTION');
    expect(record.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED']);
    expect(ledger.effectsEndingWith('.debit.undo')).toBe(0);
  });

  it('a read-only step that keeps timing out is a plain failure: the journey compensates, nobody is paged', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      { name: 'screenBeneficiary', readOnly: true, timeoutMs: 20, retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 }, run: () => new Promise<Json>(() => {}) },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await start(flow);
    expect(record.status).toBe('COMPENSATED');
    expect(record.errorCode).toBe('UPSTREAM_TIMEOUT');
    expect(record.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'FAILED']);
    expect(await counterValue(needsAttentionTotal, { type: flow.type })).toBe(0);
  });

  it('a compensation that keeps failing parks the journey NEEDS_ATTENTION, names the step, and alerts', async () => {
    const ledger = new Ledger();
    const log = captureLogger();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      ledgerStep(ledger, 'debit', { compensate: async () => Promise.reject(unavailable()), compensateRetry: { maxAttempts: 3, baseDelayMs: 2, maxDelayMs: 5 } }),
      ledgerStep(ledger, 'fundCard'),
      ledgerStep(ledger, 'payOut', { run: async () => Promise.reject(new BankError(ErrorCode.UPSTREAM_REJECTED, 'no')) }),
    ]);
    engine = testEngine(store.kv, [flow], { logger: log.logger });
    const before = await counterValue(needsAttentionTotal, { type: flow.type });
    const record = await start(flow);

    expect(record.status).toBe('NEEDS_ATTENTION');
    expect(record.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'COMPENSATION_FAILED', 'COMPENSATED', 'FAILED']);
    expect(record.steps[1]!.attempts.filter((a) => a.kind === 'compensate').map((a) => a.errorCode)).toEqual([
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
      'UPSTREAM_UNAVAILABLE',
    ]);
    expect(record.reason).toContain('undoing debit failed after 3 attempts (UPSTREAM_UNAVAILABLE)');
    expect(record.reason).toContain(`${record.id}.debit.undo`);
    expect(record.errorCode).toBe('UPSTREAM_REJECTED');
    await eventually(async () => (await counterValue(needsAttentionTotal, { type: flow.type })) === before + 1, 5_000, 'the alert');
    expect(log.errors().some((l) => l.journeyId === record.id && l.alert === 'JOURNEY_NEEDS_ATTENTION')).toBe(true);
    // The older step is left as it was, visibly not undone: a person decides.
    expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(0);
    expect(ledger.effectsEndingWith('.fundCard.undo')).toBe(1);
  });
});

/** Applies its effect, then hangs past the step timeout for its first `times` calls (the answer is lost). */
function failingSlowly(times: number, ledger: Ledger): (ctx: StepContext) => Promise<Json> {
  let calls = 0;
  return async (ctx) => {
    const effect = ledger.apply(ctx.reference, { debited: (ctx.input as { amount: number }).amount });
    if (++calls <= times) await sleep(200);
    return effect;
  };
}
