import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KeyValueStore } from '../../../lib/store/index.js';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { DUE_KEY, journeyKey } from '../../../subgraphs/journeys/engine/store.js';
import type { JourneyRecord } from '../../../subgraphs/journeys/engine/types.js';
import { blockingFlow, CUSTOMER, eventually, gate, Ledger, newKey, redisStore, sleep, STORES, testEngine, toyFlow, type StoreKind, type StoreUnderTest } from './fixtures.js';

/**
 * Leases on the store's clock, waiters woken by the journey's writes, recovery reading only the due journeys. A
 * worker's clock is skewed by faking Date in this process (timers stay real): the engine's code is not touched.
 */

const LEASE_MS = 1_000;
const AFTER_LEASE_MS = LEASE_MS + 150;
const HOUR_MS = 60 * 60 * 1000;

/** The real store, counting reads of journey records by key (counting only: every call goes to the real store). */
function countingReads(kv: KeyValueStore): { kv: KeyValueStore; readsOf(id: string): number } {
  const reads = new Map<string, number>();
  const counted = new Proxy(kv, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      if (prop === 'get' || prop === 'getWithTime') {
        return (key: string) => {
          reads.set(key, (reads.get(key) ?? 0) + 1);
          return (value as (k: string) => Promise<unknown>).call(target, key);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
  return { kv: counted, readsOf: (id) => reads.get(journeyKey(id)) ?? 0 };
}

function suite(kind: StoreKind, body: (ctx: { store: () => StoreUnderTest; engineFor: EngineFor }) => void) {
  describe(`leases on the ${kind.name} store`, () => {
    let store: StoreUnderTest;
    let engines: JourneyEngineHandle[] = [];
    beforeAll(async () => {
      store = await kind.make();
    });
    afterEach(async () => {
      vi.useRealTimers();
      await Promise.all(engines.map((e) => e.close()));
      engines = [];
    });
    afterAll(async () => {
      await store.cleanup();
    });
    const engineFor: EngineFor = (flow, workerId, options = {}) => {
      const engine = testEngine(options.store ?? store.kv, [flow], { workerId, leaseMs: LEASE_MS, ...options });
      engines.push(engine);
      return engine;
    };
    body({ store: () => store, engineFor });
  });
}

type EngineFor = (flow: ReturnType<typeof toyFlow>, workerId: string, options?: Parameters<typeof testEngine>[2] & { store?: KeyValueStore }) => JourneyEngineHandle;

async function startBlocked(engine: JourneyEngineHandle, flow: ReturnType<typeof toyFlow>, idempotencyKey = newKey()): Promise<JourneyRecord> {
  const started = await engine.start(flow, { principal: CUSTOMER, idempotencyKey, input: { amount: 9 }, waitMs: 0 });
  return eventually(async () => {
    const r = await engine.get(started.id);
    return r?.steps[1]?.status === 'RUNNING' ? r : undefined;
  }, 5_000, 'the journey to reach its blocking step');
}

/** This process's clock, an hour ahead (Date only: timers and Redis keep real time). */
function clockAhead(ms: number): void {
  vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
  vi.setSystemTime(Date.now() + ms);
}

// A skewed worker clock means something only where there is another clock: Redis's.
suite(redisStore, ({ engineFor }) => {
  it('a worker whose clock runs an hour fast does not take over a live lease', async () => {
    const held = gate();
    const flow = blockingFlow(new Ledger(), held);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b');
    const running = await startBlocked(a, flow);
    clockAhead(HOUR_MS);
    expect(await b.recoverStalled()).toBe(0);
    expect((await b.get(running.id))!.lease!.owner).toBe('worker-a');
    vi.useRealTimers();
    held.open();
  });

  it('a lease written by a worker whose clock runs an hour fast still expires by the store clock', async () => {
    const held = gate();
    const flow = blockingFlow(new Ledger(), held);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b');
    clockAhead(HOUR_MS);
    const running = await startBlocked(a, flow);
    await a.abandon();
    vi.useRealTimers();
    await sleep(AFTER_LEASE_MS);
    expect(await b.recoverStalled()).toBe(1);
    const done = await b.get(running.id);
    expect(done!.status).toBe('COMPLETED');
    expect(done!.steps[1]!.attempts.at(-1)!.worker).toBe('worker-b');
    held.open();
  });
});

for (const kind of STORES) {
  suite(kind, ({ store, engineFor }) => {
    it('a duplicate waiting for a running journey is woken by its writes, reading the record a few times, not every 25 ms', async () => {
      const held = gate();
      const flow = blockingFlow(new Ledger(), held);
      const a = engineFor(flow, 'worker-a', { leaseMs: 60_000 });
      const counting = countingReads(store().kv);
      const b = engineFor(flow, 'worker-b', { store: counting.kv });
      const key = newKey();
      const running = await startBlocked(a, flow, key);
      const answer = b.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 9 }, waitMs: 20_000 });
      await eventually(async () => counting.readsOf(running.id) >= 2, 5_000, 'the duplicate to be waiting');
      await sleep(1_000); // polling every 25 ms would read ~40 times here
      held.open();
      const done = await answer;
      expect(done.status).toBe('COMPLETED');
      expect(done.steps[1]!.attempts.map((x) => x.worker)).toEqual(['worker-a']);
      expect(counting.readsOf(running.id)).toBeLessThanOrEqual(10);
    });

    it('a waiter whose wake-up message was lost re-reads on its own and answers', async () => {
      const held = gate();
      const flow = blockingFlow(new Ledger(), held);
      const a = engineFor(flow, 'worker-a', { leaseMs: 60_000 });
      const b = engineFor(flow, 'worker-b');
      const key = newKey();
      const running = await startBlocked(a, flow, key);
      let answered: JourneyRecord | undefined;
      void b.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 9 }, waitMs: 60_000 }).then((r) => (answered = r));
      await sleep(100);
      // A write that publishes nothing (as if its message were lost): a person parks the journey by hand.
      const current = (await a.get(running.id))!;
      await store().kv.set(journeyKey(running.id), JSON.stringify({ ...current, version: current.version + 1, status: 'NEEDS_ATTENTION', lease: null }));
      const done = await eventually(async () => answered, 10_000, 'the waiter to re-read without a message');
      expect(done.status).toBe('NEEDS_ATTENTION');
      held.open();
    });

    it('the full sweep of the timer finds an expired journey missing from the due index (a record older than the index)', async () => {
      const held = gate();
      const flow = blockingFlow(new Ledger(), held);
      const a = engineFor(flow, 'worker-a');
      const running = await startBlocked(a, flow);
      await a.abandon();
      await store().kv.removeFromSorted(DUE_KEY, running.id);
      await sleep(AFTER_LEASE_MS);
      const b = engineFor(flow, 'worker-b');
      expect(await b.recoverStalled()).toBe(0); // the due index does not know it
      engineFor(flow, 'worker-c', { recoveryIntervalMs: 50 }); // its first tick is a full sweep
      const done = await eventually(async () => {
        const r = await b.get(running.id);
        return r?.status === 'COMPLETED' ? r : undefined;
      }, 5_000, 'the full sweep to finish the journey');
      expect(done.steps[1]!.attempts.at(-1)!.worker).toBe('worker-c');
      held.open();
    });

    it('recovery reads only the journeys whose lease has expired, not every running one', async () => {
      const held = gate();
      const flow = blockingFlow(new Ledger(), held);
      const a = engineFor(flow, 'worker-a', { leaseMs: 60_000 });
      const c = engineFor(flow, 'worker-c');
      const live: JourneyRecord[] = [];
      for (let i = 0; i < 30; i++) live.push(await startBlocked(a, flow));
      const stalled = await startBlocked(c, flow);
      await c.abandon();
      await sleep(AFTER_LEASE_MS);

      const counting = countingReads(store().kv);
      const b = engineFor(flow, 'worker-b', { store: counting.kv });
      expect(await b.recoverStalled()).toBe(1);
      expect((await b.get(stalled.id))!.status).toBe('COMPLETED');
      expect(counting.readsOf(stalled.id)).toBeGreaterThan(0);
      expect(live.map((r) => counting.readsOf(r.id))).toEqual(live.map(() => 0));
      // The index holds no live lease as due, and drops a journey once it has nothing left to do.
      const due = await store().kv.dueMembers(DUE_KEY, 10_000);
      expect(due).not.toContain(stalled.id);
      expect(live.filter((r) => due.includes(r.id))).toEqual([]);
      held.open();
    });
  });
}
