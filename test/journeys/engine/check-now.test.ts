import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { StepPending, type StepDefinition } from '../../../subgraphs/journeys/engine/types.js';
import { CUSTOMER, eventually, gate, newKey, QUEUES, testEngine, toyFlow, type StoreUnderTest } from './fixtures.js';
import type { JobQueue } from '../../../subgraphs/journeys/engine/queue.js';

/**
 * checkNow: news from outside (a rail's pushed report) cuts a pending step's wait short, through the queue; the step
 * still decides from its own check. The waits here are a minute long: only checkNow can end them within a test.
 */

/** A settlement check that answers "pending, ask again in a minute" `times` times, then settles; `before` runs first. */
function settlement(times: number, before?: (check: number) => Promise<void>): StepDefinition & { checks(): number } {
  let checks = 0;
  return {
    name: 'awaitSettlement',
    readOnly: true,
    pendingBudgetMs: 36 * 60 * 60 * 1000,
    async run() {
      const check = ++checks;
      await before?.(check);
      if (check <= times) throw new StepPending(60_000, 'payment accepted, not settled yet');
      return { settled: true };
    },
    checks: () => checks,
  };
}

const terminal = (engine: JourneyEngineHandle, id: string) =>
  eventually(async () => {
    const r = await engine.get(id);
    return r && ['COMPLETED', 'REJECTED', 'COMPENSATED', 'NEEDS_ATTENTION'].includes(r.status) ? r : undefined;
  }, 10_000, `journey ${id} to end`);

describe.each(QUEUES)('checkNow with the $name', (kind) => {
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

  it('wakes a step waiting a minute for its next check: it checks at once and decides from that check', async () => {
    const settle = settlement(1);
    const flow = toyFlow([settle]);
    engine = testEngine(store.kv, [flow], { queue: queues.queue() });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    await eventually(async () => (await engine!.get(started.id))?.steps[0]!.wait, 5_000, 'the step to wait');

    expect(await engine.checkNow(started.id, 'awaitSettlement')).toBe('woken');
    const done = await terminal(engine, started.id);
    expect(done.status).toBe('COMPLETED');
    expect(settle.checks()).toBe(2);
    expect(done.steps[0]!.attempts.map((a) => [a.outcome, a.count ?? 1])).toEqual([
      ['PENDING', 1],
      ['SUCCEEDED', 1],
    ]);
    // Nothing left to wake: a late ask changes nothing.
    expect(await engine.checkNow(started.id, 'awaitSettlement')).toBe('not-waiting');
    expect((await engine.get(started.id))!.version).toBe(done.version);
  });

  it('news during a check (whose answer may predate it) is not lost: the wait that check begins is zero', async () => {
    const held = gate();
    const inCheck = gate();
    const settle = settlement(1, async (check) => {
      if (check !== 1) return;
      inCheck.open();
      await held.promise;
    });
    const flow = toyFlow([settle]);
    engine = testEngine(store.kv, [flow], { queue: queues.queue() });
    const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
    await inCheck.promise;

    expect(await engine.checkNow(started.id, 'awaitSettlement')).toBe('marked');
    held.open();
    const done = await terminal(engine, started.id);
    expect(done.status).toBe('COMPLETED');
    expect(settle.checks()).toBe(2);
  });

  it('a journey that is unknown, finished or not at that step is left alone', async () => {
    const flow = toyFlow([settlement(0)]);
    engine = testEngine(store.kv, [flow], { queue: queues.queue() });
    expect(await engine.checkNow('no-such-journey', 'awaitSettlement')).toBe('unknown');
    const done = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 } });
    expect(done.status).toBe('COMPLETED');
    expect(await engine.checkNow(done.id, 'awaitSettlement')).toBe('not-waiting');
    expect(await engine.checkNow(done.id, 'noSuchStep')).toBe('not-waiting');
    expect((await engine.get(done.id))!.version).toBe(done.version);
  });
});
