import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { journeyIdOf } from '../../../subgraphs/journeys/engine/ids.js';
import { journeysTotal, stepRetriesTotal } from '../../../subgraphs/journeys/engine/metrics.js';
import { StepPending, type JourneyRecord, type StepDefinition } from '../../../subgraphs/journeys/engine/types.js';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { counterValue, CUSTOMER, failing, Ledger, ledgerStep, newKey, STORES, testEngine, toyFlow, unavailable, type StoreUnderTest } from './fixtures.js';

/** Running a journey's steps: order, persisted transitions, attempts, retries, pending. Same contract on both stores. */
describe.each(STORES)('journey steps on the $name store', (kind) => {
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

  it('runs every step in order, persisting each transition before the next step starts', async () => {
    const ledger = new Ledger();
    const seen: JourneyRecord[] = [];
    const inspect: StepDefinition = {
      name: 'inspectStore',
      async run(ctx) {
        const persisted = await engine!.get(ctx.journeyId);
        seen.push(persisted!);
        return { sawVersion: persisted!.version };
      },
    };
    const flow = toyFlow([ledgerStep(ledger, 'openAccount'), inspect, ledgerStep(ledger, 'fundAccount')]);
    engine = testEngine(store.kv, [flow]);
    const key = newKey();
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 10 } });

    const id = journeyIdOf(CUSTOMER, key);
    expect(record.id).toBe(id);
    expect(id).toMatch(/^jrn_[a-z2-7]{32}$/);
    expect(record.status).toBe('COMPLETED');
    expect(record.steps.map((s) => [s.name, s.status])).toEqual([
      ['openAccount', 'SUCCEEDED'],
      ['inspectStore', 'SUCCEEDED'],
      ['fundAccount', 'SUCCEEDED'],
    ]);
    expect(ledger.references()).toEqual([`${id}.openAccount`, `${id}.fundAccount`]);
    expect(record.state.openAccount).toEqual({ step: 'openAccount', amount: 10 });
    expect(record.result).toEqual({ status: 'COMPLETED', steps: ['openAccount', 'inspectStore', 'fundAccount'] });
    expect(record.lease).toBeNull();
    expect(record.customerId).toBe('cust-0001');

    // What the middle step read from the store: the first step done (output stored), itself RUNNING, the last not started.
    const during = seen[0]!;
    expect(during.status).toBe('RUNNING');
    expect(during.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'RUNNING', 'PENDING']);
    expect(during.state.openAccount).toEqual({ step: 'openAccount', amount: 10 });
    expect(during.lease?.owner).toBe(engine.workerId);
    expect(record.version).toBeGreaterThan(during.version);

    for (const step of record.steps) {
      expect(step.attempts).toHaveLength(1);
      expect(step.attempts[0]).toMatchObject({ number: 1, kind: 'run', outcome: 'SUCCEEDED', errorCode: null, worker: engine.workerId });
      expect(Date.parse(step.endedAt!)).toBeGreaterThanOrEqual(Date.parse(step.startedAt!));
    }
    expect(await engine.get(id)).toEqual(record);
    expect(await counterValue(journeysTotal, { type: flow.type, status: 'COMPLETED' })).toBe(1);
  });

  it('keeps terminal records forever by default and lists a customer journeys newest first', async () => {
    const flow = toyFlow([ledgerStep(new Ledger(), 'openAccount')]);
    engine = testEngine(store.kv, [flow]);
    const first = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    await new Promise((r) => setTimeout(r, 5));
    const second = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 2 } });
    // Records, not cache: a key whose record expired could re-run the same legacy references.
    expect(await store.kv.ttlMs(`journey:${first.id}`)).toBeNull();
    const listed = (await engine.listByCustomer('cust-0001')).map((r) => r.id);
    expect(listed.indexOf(second.id)).toBeLessThan(listed.indexOf(first.id));
    expect(listed.indexOf(first.id)).toBeGreaterThanOrEqual(0);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(first.id);
  });

  it('skips a step whose skipIf is true, and runs nothing for it', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([ledgerStep(ledger, 'quoteConversion', { skipIf: (ctx) => (ctx.input as { amount: number }).amount < 100 }), ledgerStep(ledger, 'debit')]);
    engine = testEngine(store.kv, [flow]);
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 } });
    expect(record.status).toBe('COMPLETED');
    expect(record.steps.map((s) => s.status)).toEqual(['SKIPPED', 'SUCCEEDED']);
    expect(record.steps[0]!.attempts).toEqual([]);
    expect(ledger.references()).toEqual([`${record.id}.debit`]);
  });

  it('retries transient failures with backoff, then succeeds; every attempt is recorded', async () => {
    const ledger = new Ledger();
    const debit = ledgerStep(ledger, 'debit', { retry: { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 40 } });
    const flow = toyFlow([{ ...debit, run: failing(2, unavailable, debit.run) }]);
    engine = testEngine(store.kv, [flow]);
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 } });

    expect(record.status).toBe('COMPLETED');
    const attempts = record.steps[0]!.attempts;
    expect(attempts.map((a) => [a.number, a.kind, a.outcome, a.errorCode])).toEqual([
      [1, 'run', 'FAILED', 'UPSTREAM_UNAVAILABLE'],
      [2, 'run', 'FAILED', 'UPSTREAM_UNAVAILABLE'],
      [3, 'run', 'SUCCEEDED', null],
    ]);
    for (let i = 1; i < attempts.length; i++) expect(Date.parse(attempts[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(attempts[i - 1]!.endedAt));
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
    expect(await counterValue(stepRetriesTotal, { type: flow.type, step: 'debit' })).toBe(2);
  });

  it('polls a pending step without using up its attempts, until it is done', async () => {
    const ledger = new Ledger();
    let polls = 0;
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      {
        name: 'awaitKycCheck',
        retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 10 },
        async run(ctx) {
          if (++polls <= 3) throw new StepPending(10, 'checks still running');
          return ledger.apply(ctx.reference, { cleared: true });
        },
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 } });
    expect(record.status).toBe('COMPLETED');
    // The three consecutive "pending" checks are one entry (count 3); the attempts are numbered as before.
    const attempts = record.steps[1]!.attempts;
    expect(attempts.map((a) => [a.number, a.outcome, a.count ?? 1])).toEqual([
      [1, 'PENDING', 3],
      [4, 'SUCCEEDED', 1],
    ]);
    expect(attempts[0]!.errorCode).toBe('PENDING');
    expect(Date.parse(attempts[0]!.endedAt)).toBeGreaterThan(Date.parse(attempts[0]!.startedAt));
    expect(record.state.awaitKycCheck).toEqual({ cleared: true });
  });

  it('gives up on a step still pending after its pending budget: permanent, compensated', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([
      ledgerStep(ledger, 'debit'),
      {
        name: 'awaitSettlement',
        pendingBudgetMs: 80,
        run: async () => {
          throw new StepPending(15);
        },
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const started = Date.now();
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(80);
    expect(record.status).toBe('COMPENSATED');
    expect(record.errorCode).toBe('PENDING');
    expect(record.reason).toMatch(/awaitSettlement was still pending after 80 ms/);
    expect(record.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'FAILED']);
    expect(record.steps[1]!.attempts).toHaveLength(1);
    expect(record.steps[1]!.attempts[0]!.count).toBeGreaterThanOrEqual(3);
    expect(ledger.effectsEndingWith('.debit.undo')).toBe(1);
  });
});
