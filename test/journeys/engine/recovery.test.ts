import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { WORKER_LOST } from '../../../subgraphs/journeys/engine/record.js';
import type { JourneyRecord } from '../../../subgraphs/journeys/engine/types.js';
import { blockingFlow, CUSTOMER, eventually, gate, Ledger, ledgerStep, newKey, sleep, STORES, testEngine, toyFlow, type StoreUnderTest } from './fixtures.js';

/**
 * Leases and recovery: a journey whose worker died is finished by another from its persisted state, with no effect
 * repeated. (The cross-process SIGKILL test lives elsewhere; here a worker "dies" by abandon(): timers stopped,
 * attempts abandoned, nothing handed back.)
 */
/**
 * Leases here last a second (renewed every third of it): long enough that a loaded CI machine's event-loop stalls do
 * not let a live worker's lease lapse, short enough that the take-over tests wait only a second.
 */
const LEASE_MS = 1_000;
const AFTER_LEASE_MS = LEASE_MS + 150;

describe.each(STORES)('recovery on the $name store', (kind) => {
  let store: StoreUnderTest;
  let engines: JourneyEngineHandle[] = [];
  beforeAll(async () => {
    store = await kind.make();
  });
  afterEach(async () => {
    await Promise.all(engines.map((e) => e.close()));
    engines = [];
  });
  afterAll(async () => {
    await store.cleanup();
  });
  const engineFor = (flow: ReturnType<typeof toyFlow>, workerId: string, options: Parameters<typeof testEngine>[2] = {}) => {
    const engine = testEngine(store.kv, [flow], { workerId, leaseMs: LEASE_MS, ...options });
    engines.push(engine);
    return engine;
  };
  const terminal = (engine: JourneyEngineHandle, id: string) =>
    eventually(async () => {
      const r = await engine.get(id);
      return r && r.status !== 'RUNNING' && r.status !== 'COMPENSATING' ? r : undefined;
    }, 5_000, 'a terminal journey');


  /**
   * Starts a journey of blockingFlow and waits until it is inside fundAccount (openAccount done), where it stays until
   * `held` opens: a state every test below can act on however slowly the machine got there.
   */
  async function startBlocked(a: JourneyEngineHandle, flow: ReturnType<typeof toyFlow>, idempotencyKey = newKey()): Promise<JourneyRecord> {
    const started = await a.start(flow, { principal: CUSTOMER, idempotencyKey, input: { amount: 9 }, waitMs: 0 });
    return eventually(async () => {
      const r = await a.get(started.id);
      return r?.steps[0]?.status === 'SUCCEEDED' && r.steps[1]?.status === 'RUNNING' ? r : undefined;
    }, 5_000, 'the journey to reach its blocking step');
  }

  async function startAndKill(a: JourneyEngineHandle, flow: ReturnType<typeof toyFlow>): Promise<JourneyRecord> {
    const running = await startBlocked(a, flow);
    expect(running.status).toBe('RUNNING');
    await a.abandon();
    return running;
  }

  it('another worker takes over after the lease expires and finishes the journey, repeating no effect', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = blockingFlow(ledger, held);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b');
    const running = await startAndKill(a, flow);

    expect(await b.recoverStalled()).toBe(0); // A's lease has not expired yet
    await sleep(AFTER_LEASE_MS);
    expect(await b.recoverStalled()).toBe(1);
    const done = await b.get(running.id);
    expect(done!.status).toBe('COMPLETED');
    expect(done!.steps[0]!.attempts).toMatchObject([{ worker: 'worker-a', outcome: 'SUCCEEDED' }]);
    expect(done!.steps[1]!.attempts).toMatchObject([
      { kind: 'run', outcome: 'TIMED_OUT', errorCode: WORKER_LOST, worker: 'worker-a' },
      { kind: 'run', outcome: 'SUCCEEDED', worker: 'worker-b' },
    ]);
    expect(ledger.callsEndingWith('.openAccount')).toBe(1);

    // The dead worker's abandoned call finally lands: the legacy system dedupes it, and A writes nothing.
    held.open();
    await sleep(30);
    expect(ledger.effectsEndingWith('.fundAccount')).toBe(1);
    expect(await b.get(running.id)).toEqual(done);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(running.id);
  });

  it('a journey the engine cannot drive (its flow changed under it) is parked with the alert, not retried forever', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = blockingFlow(ledger, held);
    const a = engineFor(flow, 'worker-a');
    const running = await startAndKill(a, flow);
    // A deploy renamed the second step while the journey was in it: same journey type, other steps.
    const changed = { ...toyFlow([ledgerStep(ledger, 'openAccount'), ledgerStep(ledger, 'creditAccount')]), type: flow.type };
    const b = engineFor(changed, 'worker-b');
    await sleep(AFTER_LEASE_MS);
    await b.recoverStalled();
    const parked = await eventually(async () => {
      const r = await b.get(running.id);
      return r?.status === 'NEEDS_ATTENTION' ? r : undefined;
    }, 5_000, 'the journey to be parked');
    expect(parked.reason).toMatch(/the engine could not drive this journey/);
    expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(0);
    expect(await store.kv.setMembers('journeys:active')).not.toContain(running.id);
    held.open();
  });

  it('a worker taking over a failed journey resumes its compensation', async () => {
    const ledger = new Ledger();
    const held = gate();
    let undoCalls = 0;
    const open = ledgerStep(ledger, 'openAccount', {
      compensate: async (ctx) => {
        if (++undoCalls === 1) await held.promise; // A dies while undoing
        ledger.apply(ctx.reference);
      },
    });
    const flow = toyFlow([open, ledgerStep(ledger, 'payOut', { run: async () => Promise.reject(new Error('bug')) })]);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b', { recoveryIntervalMs: 50 });
    const started = await a.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 9 }, waitMs: 0 });
    // payOut fails for good; A's undo of openAccount blocks on `held`, so the journey stays COMPENSATING.
    const first = await eventually(async () => {
      const r = await a.get(started.id);
      return r?.status === 'COMPENSATING' && undoCalls === 1 ? r : undefined;
    }, 5_000, 'A to be undoing openAccount');
    await a.abandon();

    // No call to recoverStalled: B's recovery timer finds it once A's lease has expired.
    const done = await terminal(b, first.id);
    expect(done.status).toBe('COMPENSATED');
    expect(done.errorCode).toBe('INTERNAL_SERVER_ERROR');
    expect(done.steps[0]!.status).toBe('COMPENSATED');
    expect(done.steps[0]!.attempts.map((a) => [a.kind, a.worker])).toEqual([
      ['run', 'worker-a'],
      ['compensate', 'worker-a'],
      ['compensate', 'worker-b'],
    ]);
    held.open();
    await sleep(20);
    expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(1);
  });

  it('close() hands running journeys back: another worker resumes them without waiting for the lease', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = blockingFlow(ledger, held);
    const a = engineFor(flow, 'worker-a', { leaseMs: 60_000 });
    const b = engineFor(flow, 'worker-b');
    const running = await startBlocked(a, flow);
    await a.close();
    expect((await b.get(running.id))!.lease!.expiresAt).toBeLessThanOrEqual(Date.now());
    expect(await b.recoverStalled()).toBe(1);
    expect((await b.get(running.id))!.status).toBe('COMPLETED');
    held.open();
  });

  it('a duplicate request waiting on a stalled journey takes it over as soon as its lease expires', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = blockingFlow(ledger, held);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b');
    const key = newKey();
    await startBlocked(a, flow, key);
    await a.abandon();
    const answer = await b.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 9 }, waitMs: 5_000 });
    expect(answer.status).toBe('COMPLETED');
    expect(answer.steps[1]!.attempts.at(-1)!.worker).toBe('worker-b');
    held.open();
  });

  it('a live worker renews its lease: a step longer than the lease is not taken over', async () => {
    const ledger = new Ledger();
    const slow = ledgerStep(ledger, 'fundAccount', {
      run: async (ctx) => {
        await sleep(2.5 * LEASE_MS);
        return ledger.apply(ctx.reference);
      },
    });
    const flow = toyFlow([slow]);
    const a = engineFor(flow, 'worker-a');
    const b = engineFor(flow, 'worker-b');
    const pending = a.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 9 } });
    for (let i = 0; i < 9; i++) {
      await sleep(LEASE_MS / 4);
      expect(await b.recoverStalled()).toBe(0);
    }
    const done = await pending;
    expect(done.status).toBe('COMPLETED');
    expect(done.steps[0]!.attempts.map((x) => x.worker)).toEqual(['worker-a']);
    expect(ledger.calls).toHaveLength(1);
  });

  it('a worker whose lease was taken stops touching the journey', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = blockingFlow(ledger, held);
    const a = engineFor(flow, 'worker-a', { leaseMs: 60_000 });
    const running = await startBlocked(a, flow);
    await a.journeys.update(running.id, (r) => ({ ...r, lease: { owner: 'worker-z', expiresAt: Date.now() + 60_000 } }));
    held.open();
    await sleep(50);
    const after = await a.get(running.id);
    expect(after!.lease!.owner).toBe('worker-z');
    expect(after!.steps[1]!.status).toBe('RUNNING');
    expect(after!.steps[1]!.attempts).toEqual([]);
  });
});
