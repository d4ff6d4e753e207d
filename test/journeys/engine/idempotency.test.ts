import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { Principal } from '../../../lib/principal.js';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { journeyIdOf } from '../../../subgraphs/journeys/engine/ids.js';
import { CUSTOMER, eventually, gate, Ledger, ledgerStep, newKey, sleep, STORES, testEngine, toyFlow, type StoreUnderTest } from './fixtures.js';

/** Idempotent start: one run per (principal, key), replays, reuse with another request, validation, waiting. */
describe.each(STORES)('idempotent start on the $name store', (kind) => {
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
  const engineFor = (...args: Parameters<typeof testEngine>) => {
    const engine = testEngine(...args);
    engines.push(engine);
    return engine;
  };

  it('50 concurrent starts with one key (on two engines): one run, one journey, one answer', async () => {
    const ledger = new Ledger();
    const slow = (name: string) =>
      ledgerStep(ledger, name, {
        run: async (ctx) => {
          await sleep(20);
          return ledger.apply(ctx.reference, { step: name });
        },
      });
    const flow = toyFlow([slow('openAccount'), slow('fundAccount')]);
    const a = engineFor(store.kv, [flow]);
    const b = engineFor(store.kv, [flow]);
    const key = newKey('concurrent');
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 } })),
    );
    const id = journeyIdOf(CUSTOMER, key);
    expect(new Set(answers.map((r) => r.id))).toEqual(new Set([id]));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set(['COMPLETED']));
    expect(ledger.calls).toEqual([`${id}.openAccount`, `${id}.fundAccount`]);
    expect(ledger.references()).toEqual([`${id}.openAccount`, `${id}.fundAccount`]);
    const stored = await a.get(id);
    expect(stored!.steps.every((s) => s.attempts.length === 1)).toBe(true);
  });

  it('a replay after completion returns the identical record and runs nothing', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([ledgerStep(ledger, 'openAccount')]);
    const engine = engineFor(store.kv, [flow]);
    const key = newKey();
    const first = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3, note: 'rent' } });
    const replay = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { note: 'rent', amount: 3 } });
    expect(replay).toEqual(first);
    expect(ledger.calls).toHaveLength(1);
  });

  it('the same key with a different request is refused with IDEMPOTENCY_KEY_REUSED, and nothing runs', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([ledgerStep(ledger, 'openAccount')]);
    const engine = engineFor(store.kv, [flow]);
    const key = newKey();
    const first = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 } });
    const refused = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 4 } }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BankError);
    expect((refused as BankError).code).toBe(ErrorCode.IDEMPOTENCY_KEY_REUSED);
    expect((refused as BankError).message).toMatch(/already used for a different request/);
    expect(ledger.calls).toHaveLength(1);
    expect(await engine.get(first.id)).toEqual(first);
  });

  it('the same key from another principal is another journey', async () => {
    const flow = toyFlow([ledgerStep(new Ledger(), 'openAccount')]);
    const engine = engineFor(store.kv, [flow]);
    const other: Principal = { kind: 'customer', customerId: 'cust-0002' };
    const key = newKey();
    const mine = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 } });
    const theirs = await engine.start(flow, { principal: other, idempotencyKey: key, input: { amount: 4 } });
    expect(theirs.id).not.toBe(mine.id);
    expect(theirs.status).toBe('COMPLETED');
  });

  it('BAD_USER_INPUT from validate writes nothing', async () => {
    const ledger = new Ledger();
    const flow = toyFlow([ledgerStep(ledger, 'openAccount')]);
    const engine = engineFor(store.kv, [flow]);
    const key = newKey();
    const err = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: -1 } }).catch((e: unknown) => e);
    expect((err as BankError).code).toBe(ErrorCode.BAD_USER_INPUT);
    const id = journeyIdOf(CUSTOMER, key);
    expect(await store.kv.get(`journey:${id}`)).toBeNull();
    expect(await store.kv.setMembers('journeys:active')).not.toContain(id);
    expect(ledger.calls).toEqual([]);
    // The key is still free for a valid request.
    expect((await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 1 } })).status).toBe('COMPLETED');
  });

  it('answers RUNNING when waitMs elapses first; the journey completes afterwards', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount', {
        run: async (ctx) => {
          await held.promise;
          return ledger.apply(ctx.reference);
        },
      }),
    ]);
    const engine = engineFor(store.kv, [flow]);
    const key = newKey();
    const early = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 }, waitMs: 30 });
    expect(early.status).toBe('RUNNING');
    expect(early.steps[0]!.status).toBe('RUNNING');
    held.open();
    const done = await eventually(async () => {
      const r = await engine.get(early.id);
      return r?.status === 'COMPLETED' ? r : undefined;
    });
    expect(done.steps[0]!.status).toBe('SUCCEEDED');
    expect(ledger.calls).toHaveLength(1);
  });

  it('a duplicate of a running journey waits for it rather than failing, and gets the same answer', async () => {
    const ledger = new Ledger();
    const held = gate();
    const flow = toyFlow([
      ledgerStep(ledger, 'openAccount', {
        run: async (ctx) => {
          await held.promise;
          return ledger.apply(ctx.reference);
        },
      }),
    ]);
    const engine = engineFor(store.kv, [flow]);
    const key = newKey();
    const first = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 }, waitMs: 0 });
    expect(first.status).toBe('RUNNING');
    const impatient = await engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 }, waitMs: 40 });
    expect(impatient.status).toBe('RUNNING');
    const patient = engine.start(flow, { principal: CUSTOMER, idempotencyKey: key, input: { amount: 3 }, waitMs: 5_000 });
    setTimeout(() => held.open(), 50);
    const answer = await patient;
    expect(answer.id).toBe(first.id);
    expect(answer.status).toBe('COMPLETED');
    expect(ledger.calls).toHaveLength(1);
  });
});
