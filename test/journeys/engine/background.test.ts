import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { JourneyEngineHandle, JourneyEngineOptions } from '../../../subgraphs/journeys/engine/engine.js';
import { followUpsFailedTotal, journeysTotal, needsAttentionTotal } from '../../../subgraphs/journeys/engine/metrics.js';
import type { JobQueue } from '../../../subgraphs/journeys/engine/queue.js';
import type { JourneyRecord } from '../../../subgraphs/journeys/engine/types.js';
import {
  captureLogger,
  counterValue,
  CUSTOMER,
  eventually,
  failing,
  gate,
  Ledger,
  ledgerStep,
  newKey,
  QUEUES,
  testEngine,
  toyFlow,
  unavailable,
  type QueueKind,
  type StoreUnderTest,
} from './fixtures.js';

/** Background steps: queued once the journey is COMPLETED, retried by the queue, parked when they keep failing. */


describe.each(QUEUES)('background steps with the $name', (kind) => {
  let store: StoreUnderTest;
  let queues: Awaited<ReturnType<QueueKind['make']>>;
  let engines: JourneyEngineHandle[] = [];
  beforeAll(async () => {
    store = await kind.store.make();
    queues = await kind.make();
  });
  afterEach(async () => {
    await Promise.all(engines.map((e) => e.close()));
    engines = [];
  });
  afterAll(async () => {
    await queues.cleanup();
    await store.cleanup();
  });
  const engineFor = (flow: ReturnType<typeof toyFlow>, queue: JobQueue = queues.queue(), options: Partial<JourneyEngineOptions> = {}) => {
    const engine = testEngine(store.kv, [flow], { queue, ...options });
    engines.push(engine);
    return engine;
  };
  const finished = (engine: JourneyEngineHandle, id: string, step: string) =>
    eventually(async () => {
      const r = await engine.get(id);
      const s = r?.steps.find((x) => x.name === step);
      return s && (s.status === 'SUCCEEDED' || s.status === 'FAILED') ? r! : undefined;
    }, 10_000, `${step} to finish`);

  it('answers COMPLETED before the background step runs; the step then succeeds', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount'),
      ledgerStep(ledger, 'sendWelcomeEmail', {
        mode: 'background',
        run: async (ctx) => {
          await held.promise;
          return ledger.apply(ctx.reference, { sent: true });
        },
      }),
    ]);
    const engine = engineFor(flow);
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    expect(record.status).toBe('COMPLETED');
    expect(record.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'QUEUED']);
    expect(ledger.effectsEndingWith('.sendWelcomeEmail')).toBe(0);
    expect(await store.kv.setMembers('journeys:active')).toContain(record.id);

    held.open();
    const done = await finished(engine, record.id, 'sendWelcomeEmail');
    expect(done.status).toBe('COMPLETED');
    expect(done.state.sendWelcomeEmail).toEqual({ sent: true });
    expect(done.steps[1]!.attempts).toMatchObject([{ kind: 'run', outcome: 'SUCCEEDED', worker: engine.workerId }]);
    expect(ledger.effectsEndingWith('.sendWelcomeEmail')).toBe(1);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(record.id);
  });

  it('a background step failing twice is retried by the queue, then SUCCEEDED', async () => {
    const ledger = new Ledger();
    const step = ledgerStep(ledger, 'fulfilCard', { mode: 'background', retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 } });
    const flow = toyFlow([ledgerStep(ledger, 'issueCard'), { ...step, run: failing(2, unavailable, step.run) }]);
    const engine = engineFor(flow);
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    const done = await finished(engine, record.id, 'fulfilCard');
    expect(done.status).toBe('COMPLETED');
    expect(done.steps[1]!.status).toBe('SUCCEEDED');
    expect(done.steps[1]!.attempts.map((a) => [a.outcome, a.errorCode])).toEqual([
      ['FAILED', 'UPSTREAM_UNAVAILABLE'],
      ['FAILED', 'UPSTREAM_UNAVAILABLE'],
      ['SUCCEEDED', null],
    ]);
    expect(ledger.effectsEndingWith('.fulfilCard')).toBe(1);
  });

  it('a follow-up that exhausts its retries is FAILED on its own: the journey stays COMPLETED, the follow-up alert fires', async () => {
    const log = captureLogger();
    const flow = toyFlow([
      ledgerStep(new Ledger(), 'issueCard'),
      { name: 'fulfilCard', mode: 'background', retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, run: async () => Promise.reject(unavailable()) },
    ]);
    const engine = engineFor(flow, queues.queue(), { logger: log.logger });
    const record = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    expect(record.status).toBe('COMPLETED');
    const done = await finished(engine, record.id, 'fulfilCard');
    expect(done.steps[1]!).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM_UNAVAILABLE' });
    expect(done.steps[1]!.attempts).toHaveLength(3);
    // The money status is untouched: a follow-up giving up is not a journey for a person.
    expect(done.status).toBe('COMPLETED');
    expect(done.reason).toBeNull();
    expect(done.errorCode).toBeNull();
    expect(done.result).toEqual(record.result);
    // The alert follows the durable write: the record can be read a moment before the counter moves.
    await eventually(async () => (await counterValue(followUpsFailedTotal, { type: flow.type, step: 'fulfilCard' })) === 1, 5_000, 'the follow-up alert');
    expect(log.lines.find((l) => l.alert === 'JOURNEY_FOLLOW_UP_FAILED')).toMatchObject({
      level: 40,
      journeyId: record.id,
      step: 'fulfilCard',
      errorCode: 'UPSTREAM_UNAVAILABLE',
      reason: 'follow-up fulfilCard failed after 3 attempts (UPSTREAM_UNAVAILABLE)',
    });
    expect(log.lines.some((l) => l.alert === 'JOURNEY_NEEDS_ATTENTION')).toBe(false);
    expect(await counterValue(needsAttentionTotal, { type: flow.type })).toBe(0);
    expect(await counterValue(journeysTotal, { type: flow.type, status: 'NEEDS_ATTENTION' })).toBe(0);
    expect(await counterValue(journeysTotal, { type: flow.type, status: 'COMPLETED' })).toBe(1);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(record.id);
  });

  it('a follow-up refused for good is FAILED after one attempt; a journey with money at stake still NEEDS_ATTENTION', async () => {
    const ledger = new Ledger();
    const notify = { name: 'notifyCustomer', mode: 'background' as const, run: async () => Promise.reject(new BankError(ErrorCode.UPSTREAM_REJECTED, 'refused')) };
    const paid = toyFlow([ledgerStep(ledger, 'debit'), notify]);
    const engine = engineFor(paid);
    const record = await engine.start(paid, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    const done = await finished(engine, record.id, 'notifyCustomer');
    expect(done.status).toBe('COMPLETED');
    expect(done.steps[1]!).toMatchObject({ status: 'FAILED', errorCode: 'UPSTREAM_REJECTED' });
    expect(done.steps[1]!.attempts).toHaveLength(1);
    await eventually(async () => (await counterValue(followUpsFailedTotal, { type: paid.type, step: 'notifyCustomer' })) === 1, 5_000, 'the follow-up alert');
    expect(await counterValue(needsAttentionTotal, { type: paid.type })).toBe(0);

    // Past the point of no return the money is at stake: parked for a person as before, and its follow-up never runs.
    const parked = toyFlow([
      ledgerStep(ledger, 'payOut'),
      { name: 'awaitSettlement', readOnly: true, onFailure: 'park', retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 }, run: () => Promise.reject(unavailable()) },
      notify,
    ]);
    const other = engineFor(parked);
    const stuck = await other.start(parked, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    expect(stuck.status).toBe('NEEDS_ATTENTION');
    expect(stuck.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
    await eventually(async () => (await counterValue(needsAttentionTotal, { type: parked.type })) === 1, 5_000, 'the needs-attention alert');
    expect(await counterValue(followUpsFailedTotal, { type: parked.type, step: 'notifyCustomer' })).toBe(0);
  });

  it('recovery enqueues the QUEUED steps of a journey completed by a worker that died before enqueueing', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([ledgerStep(ledger, 'openAccount'), ledgerStep(ledger, 'sendWelcomeEmail', { mode: 'background' })]);
    // Worker A completes the journey, but its enqueue never reaches a queue (it "dies" right after COMPLETED).
    const lost: JobQueue = { enqueue: async () => {}, process: () => {}, close: async () => {} };
    const a = engineFor(flow, lost);
    const record = await a.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 1 } });
    expect(record.steps[1]!.status).toBe('QUEUED');
    await a.abandon();

    const b = engineFor(flow);
    await b.recoverStalled();
    const done: JourneyRecord = await finished(b, record.id, 'sendWelcomeEmail');
    expect(done.steps[1]!.status).toBe('SUCCEEDED');
    // A second sweep finds nothing left to do, and enqueues nothing twice.
    await b.recoverStalled();
    expect(ledger.callsEndingWith('.sendWelcomeEmail')).toBe(1);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(record.id);
  });
});
