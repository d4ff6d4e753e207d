import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { journeyIdOf } from '../../../subgraphs/journeys/engine/ids.js';
import { BullMqQueue, type EnqueueOptions, type JobQueue, type JourneyJob, type QueueDepth } from '../../../subgraphs/journeys/engine/queue.js';
import { attemptCount, WORKER_LOST } from '../../../subgraphs/journeys/engine/record.js';
import { StepPending, type StepDefinition } from '../../../subgraphs/journeys/engine/types.js';
import { WAITING_OWNER } from '../../../subgraphs/journeys/engine/pending-wait.js';
import { requireRedis } from '../../support/redis.js';
import { CUSTOMER, deleteKeys, eventually, Ledger, ledgerStep, newKey, QUEUES, STORES, testEngine, toyFlow, type StoreUnderTest } from './fixtures.js';

/**
 * A step waiting for settlement (up to 36 h): consecutive "pending" checks are one attempt entry, so the record stays
 * bounded; the re-checks back off to a cap; each wait is a delayed job, with the journey released meanwhile.
 */


/** The real queue, with the wake-up delays the engine asks for written down. */
class RecordingQueue implements JobQueue {
  readonly wakes: Array<{ readonly job: JourneyJob; readonly delayMs: number }> = [];
  constructor(private readonly inner: JobQueue) {}
  enqueue(job: JourneyJob, options: EnqueueOptions): Promise<void> {
    if (job.wake !== undefined) this.wakes.push({ job, delayMs: options.delayMs ?? 0 });
    return this.inner.enqueue(job, options);
  }
  process(handler: (job: JourneyJob) => Promise<void>): void {
    this.inner.process(handler);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
  depth(): Promise<QueueDepth> {
    return this.inner.depth!();
  }
}

/** A settlement check that answers "pending" (asking for `retryAfterMs`) `times` times, then settles. */
function settlement(times: number, retryAfterMs: number, extra: Partial<StepDefinition> = {}): StepDefinition & { checks(): number } {
  let checks = 0;
  return {
    name: 'awaitSettlement',
    readOnly: true,
    pendingBudgetMs: 36 * 60 * 60 * 1000,
    async run() {
      if (++checks <= times) throw new StepPending(retryAfterMs, 'payment accepted, not settled yet');
      return { settled: true };
    },
    checks: () => checks,
    ...extra,
  };
}

const terminal = (engine: JourneyEngineHandle, id: string, timeoutMs = 10_000) =>
  eventually(async () => {
    const r = await engine.get(id);
    return r && ['COMPLETED', 'REJECTED', 'COMPENSATED', 'NEEDS_ATTENTION'].includes(r.status) ? r : undefined;
  }, timeoutMs, `journey ${id} to end`);

describe.each(QUEUES)('waiting for a settlement with the $name', (kind) => {
  let store: StoreUnderTest;
  let queues: { queue: () => JobQueue; cleanup(): Promise<void> };
  let engine: JourneyEngineHandle | undefined;
  beforeAll(async () => {
    store = await kind.store.make();
    queues = await kind.make();
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });
  afterAll(async () => {
    await queues.cleanup();
    await store.cleanup();
  });

  // The bound is the record's own (store-agnostic compaction): 10,000 checks on the memory store show it; on Redis,
  // 1,000 show the same code on the real store within the suite's time budget (10,000 there took 49 s).
  const CHECKS = kind.store.name === 'memory' ? 10_000 : 1_000;
  it(`a settlement that needs ${CHECKS.toLocaleString('en')} checks keeps its record under 64 KB and counts every check`, async () => {
    const ledger = new Ledger();
    const settle = settlement(CHECKS - 1, 0);
    const flow = toyFlow([ledgerStep(ledger, 'debit'), settle]);
    engine = testEngine(store.kv, [flow], { queue: queues.queue() });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    const done = await terminal(engine, started.id, 240_000);

    expect(done.status).toBe('COMPLETED');
    // The record as stored (JSON bytes): bounded whatever the number of checks.
    const raw = await store.kv.get(`journey:${done.id}`);
    expect(Buffer.byteLength(raw!, 'utf8')).toBeLessThan(64 * 1024);
    expect(settle.checks()).toBe(CHECKS);
    const step = done.steps[1]!;
    expect(attemptCount(step)).toBe(CHECKS);
    expect(step.attempts.map((a) => [a.number, a.outcome, a.count ?? 1])).toEqual([
      [1, 'PENDING', CHECKS - 1],
      [CHECKS, 'SUCCEEDED', 1],
    ]);
    expect(ledger.effectsEndingWith('.debit')).toBe(1);
  }, 300_000);

  it('re-checks back off: the delays asked for double from retryAfterMs up to pendingMaxDelayMs', async () => {
    const queue = new RecordingQueue(queues.queue());
    const flow = toyFlow([settlement(8, 5, { pendingMaxDelayMs: 80 })]);
    engine = testEngine(store.kv, [flow], { queue });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    const done = await terminal(engine, started.id);

    expect(done.status).toBe('COMPLETED');
    expect(queue.wakes.map((w) => w.delayMs)).toEqual([5, 10, 20, 40, 80, 80, 80, 80]);
    // One wake-up job per wait, naming the wait (its token: the step's attempt count when it began).
    expect(queue.wakes.map((w) => [w.job.journeyId, w.job.step, w.job.wake])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [started.id, 'awaitSettlement', n]));
    expect(attemptCount(done.steps[0]!)).toBe(9);
  });

  it('a retryAfterMs larger than the cap is respected', async () => {
    const queue = new RecordingQueue(queues.queue());
    const flow = toyFlow([settlement(3, 60, { pendingMaxDelayMs: 20 })]);
    engine = testEngine(store.kv, [flow], { queue });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    expect((await terminal(engine, started.id)).status).toBe('COMPLETED');
    expect(queue.wakes.map((w) => w.delayMs)).toEqual([60, 60, 60]);
  });

  it('a long wait is one delayed job in the queue (its depth counts it), with the journey released until then', async () => {
    const queue = new RecordingQueue(queues.queue());
    const flow = toyFlow([settlement(1, 60_000)]);
    engine = testEngine(store.kv, [flow], { queue });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    const waiting = await eventually(async () => {
      const r = await engine!.get(started.id);
      return r?.steps[0]!.wait ? r : undefined;
    }, 5_000, 'the step to wait');
    expect(Date.parse(waiting.steps[0]!.wait!.until) - Date.parse(waiting.steps[0]!.attempts[0]!.endedAt)).toBeGreaterThanOrEqual(59_000);
    expect(waiting.lease?.owner).toBe(WAITING_OWNER);
    expect(await eventually(async () => ((await queue.depth()).delayed === 1 ? queue.depth() : undefined), 5_000, 'the delayed job')).toMatchObject({ delayed: 1, active: 0 });
    expect(queue.wakes.map((w) => w.delayMs)).toEqual([60_000]);
  });

  it('while it waits, the journey is released (no worker holds it) with its next check in the record; the mutation still answers once it settles', async () => {
    const flow = toyFlow([settlement(2, 150)]);
    engine = testEngine(store.kv, [flow], { queue: queues.queue() });
    const key = newKey();
    const answer = engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 5 }, waitMs: 10_000 });
    const id = journeyIdOf(CUSTOMER, key);
    const waiting = await eventually(async () => {
      const r = await engine!.get(id);
      return r?.steps[0]!.wait ? r : undefined;
    }, 5_000, 'the step to wait');
    const wait = waiting.steps[0]!.wait!;
    expect(waiting.status).toBe('RUNNING');
    expect(waiting.lease?.owner).toBe(WAITING_OWNER);
    // Recovery leaves it alone until well after its next check is due.
    expect(waiting.lease!.expiresAt).toBeGreaterThan(Date.parse(wait.until));
    expect(wait.token).toBe(attemptCount(waiting.steps[0]!));

    const done = await answer;
    expect(done.status).toBe('COMPLETED');
    expect(done.steps[0]!.wait ?? null).toBeNull();
    expect(done.steps[0]!.attempts.map((a) => [a.outcome, a.count ?? 1])).toEqual([
      ['PENDING', 2],
      ['SUCCEEDED', 1],
    ]);
  });
});

describe('a waiting journey continues on another worker', () => {
  let redisUrl: string;
  const cleanups: Array<() => Promise<void>> = [];
  const engines: JourneyEngineHandle[] = [];
  beforeAll(async () => {
    redisUrl = await requireRedis();
  });
  afterEach(async () => {
    for (const e of engines.splice(0)) await e.close();
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  const redis = STORES.find((s) => s.name === 'redis')!;

  it('BullMQ: the delayed job survives the worker that began the wait, and another worker checks and finishes', async () => {
    const store = await redis.make();
    const prefix = `{bankgraph-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}}`;
    cleanups.push(() => deleteKeys(redisUrl, `${prefix}*`), () => store.cleanup());
    const flow = toyFlow([settlement(1, 400)]);
    const a = testEngine(store.kv, [flow], { queue: new BullMqQueue({ redisUrl, prefix }), workerId: 'worker-a' });
    engines.push(a);
    const started = await a.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    await eventually(async () => (await a.get(started.id))?.steps[0]!.wait, 5_000, 'the step to wait');
    await a.close();
    engines.splice(0);

    // No recovery timer: only the wake-up job can move the journey on.
    const b = testEngine(store.kv, [flow], { queue: new BullMqQueue({ redisUrl, prefix }), workerId: 'worker-b' });
    engines.push(b);
    const done = await terminal(b, started.id);
    expect(done.status).toBe('COMPLETED');
    expect(done.steps[0]!.attempts.map((x) => [x.outcome, x.worker])).toEqual([
      ['PENDING', 'worker-a'],
      ['SUCCEEDED', 'worker-b'],
    ]);
  });

  it.each(STORES)('in-process queue on the $name store: a wake-up lost with its process is recovered once the wait and a lease have passed, with no attempt recorded as lost', async (storeKind) => {
    const store = await storeKind.make();
    cleanups.push(() => store.cleanup());
    const flow = toyFlow([settlement(1, 100)]);
    const a = testEngine(store.kv, [flow], { workerId: 'worker-a' });
    engines.push(a);
    const started = await a.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    await eventually(async () => (await a.get(started.id))?.steps[0]!.wait, 5_000, 'the step to wait');
    await a.abandon();
    engines.splice(0);

    const b = testEngine(store.kv, [flow], { workerId: 'worker-b' });
    engines.push(b);
    expect(await b.recoverStalled()).toBe(0); // its wait is not over: nobody takes it yet
    await eventually(async () => (await b.recoverStalled()) > 0, 5_000, 'recovery to take the journey over');
    const done = await terminal(b, started.id);
    expect(done.status).toBe('COMPLETED');
    const attempts = done.steps[0]!.attempts;
    expect(attempts.map((x) => [x.outcome, x.worker])).toEqual([
      ['PENDING', 'worker-a'],
      ['SUCCEEDED', 'worker-b'],
    ]);
    expect(attempts.some((x) => x.errorCode === WORKER_LOST)).toBe(false);
  });
});
