import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { badUserInput, BankError, ErrorCode } from '../../../lib/errors.js';
import type { Principal } from '../../../lib/principal.js';
import { MemoryStore, RedisStore, type KeyValueStore } from '../../../lib/store/index.js';
import { createJourneyEngine, type JourneyEngineHandle, type JourneyEngineOptions } from '../../../subgraphs/journeys/engine/engine.js';
import type { FlowDefinition, Json, JourneyRecord, StepContext, StepDefinition } from '../../../subgraphs/journeys/engine/types.js';
import { BullMqQueue, InProcessQueue, type JobQueue } from '../../../subgraphs/journeys/engine/queue.js';
import { requireRedis, uniquePrefix } from '../../support/redis.js';

/**
 * Test fixtures for the journey engine: real stores (memory and Redis), a "legacy ledger" that dedupes effects by
 * reference exactly as a legacy system does, toy flows whose steps write to it, and a logger that keeps its lines.
 */

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const CUSTOMER: Principal = { kind: 'customer', customerId: 'cust-0001' };

// ---- stores -----------------------------------------------------------------------------------------------------

export interface StoreUnderTest {
  readonly kv: KeyValueStore;
  cleanup(): Promise<void>;
}

export interface StoreKind {
  readonly name: 'memory' | 'redis';
  make(): Promise<StoreUnderTest>;
}

export const memoryStore: StoreKind = {
  name: 'memory',
  async make() {
    const kv = new MemoryStore();
    return { kv, cleanup: () => kv.close() };
  },
};

/** A RedisStore under a prefix of its own; cleanup deletes every key under it. Fails loudly without Redis. */
export const redisStore: StoreKind = {
  name: 'redis',
  async make() {
    const url = await requireRedis();
    const prefix = uniquePrefix('journeys');
    const kv = new RedisStore(url, { prefix });
    return {
      kv,
      async cleanup() {
        await deleteKeys(url, `${prefix}*`);
        await kv.close();
      },
    };
  },
};

export const STORES: readonly StoreKind[] = [memoryStore, redisStore];

export async function deleteKeys(url: string, pattern: string): Promise<void> {
  const redis = new Redis(url);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

// ---- the legacy ledger ------------------------------------------------------------------------------------------

/** What a legacy system does with references: the first call with a reference has an effect, later ones return it. */
export class Ledger {
  /** Every call, in order, by reference (to count re-runs). */
  readonly calls: string[] = [];
  private readonly effects = new Map<string, Json>();

  apply(reference: string, effect: Json = { ok: true }): Json {
    this.calls.push(reference);
    if (!this.effects.has(reference)) this.effects.set(reference, effect);
    return this.effects.get(reference)!;
  }

  find(reference: string): Json | null {
    return this.effects.get(reference) ?? null;
  }

  /** References with an effect, in the order the effects happened. */
  references(): string[] {
    return [...this.effects.keys()];
  }

  /** Effects whose reference ends with `suffix` (e.g. `.debit`, `.debit.undo`). */
  effectsEndingWith(suffix: string): number {
    return this.references().filter((r) => r.endsWith(suffix)).length;
  }

  callsEndingWith(suffix: string): number {
    return this.calls.filter((r) => r.endsWith(suffix)).length;
  }
}

// ---- toy flows --------------------------------------------------------------------------------------------------

export type ToyInput = { amount: number; note?: string };

/** A step that records its effect in the ledger under ctx.reference and undoes it under its own `.undo` reference. */
export function ledgerStep(ledger: Ledger, name: string, extra: Partial<StepDefinition> = {}): StepDefinition {
  return {
    name,
    run: async (ctx) => ledger.apply(ctx.reference, { step: name, amount: (ctx.input as ToyInput).amount }),
    compensate: async (ctx) => {
      ledger.apply(ctx.reference);
    },
    retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    compensateRetry: { maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 10 },
    ...extra,
  };
}

/** A run that throws `error` for its first `times` calls, then does what `then` does. */
export function failing(times: number, error: () => Error, then: (ctx: StepContext) => Promise<Json>): (ctx: StepContext) => Promise<Json> {
  let calls = 0;
  return async (ctx) => {
    calls++;
    if (calls <= times) throw error();
    return then(ctx);
  };
}

export const unavailable = () => new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'core banking is unavailable', { service: 'core-banking' });
export const upstreamTimeout = () => new BankError(ErrorCode.UPSTREAM_TIMEOUT, 'core banking timed out', { service: 'core-banking' });

let flowCounter = 0;
/** A flow with a unique type (so the global metrics can be read per test). Input: { amount > 0 }. */
export function toyFlow(steps: readonly StepDefinition[], name = 'TOY'): FlowDefinition {
  return {
    type: `${name}_${process.pid}_${++flowCounter}`,
    validate(raw) {
      const input = raw as Partial<ToyInput> | null;
      if (typeof input?.amount !== 'number' || !(input.amount > 0)) throw badUserInput('amount', 'amount must be a positive number');
      return { amount: input.amount, ...(input.note !== undefined ? { note: input.note } : {}) };
    },
    customerOf: (_input, principal) => (principal.kind === 'customer' ? principal.customerId : null),
    steps,
    result: (record: JourneyRecord) => ({ status: record.status, steps: Object.keys(record.state) }),
  };
}

// ---- engines and logs -------------------------------------------------------------------------------------------

export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: Array<Record<string, unknown>>;
  errors(): Array<Record<string, unknown>>;
}

export function captureLogger(): CapturedLog {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return { logger, lines, errors: () => lines.filter((l) => l.level === 50) };
}

/** An engine with test timings (no recovery timer unless asked). Remember to close it. */
export function testEngine(kv: KeyValueStore, flows: readonly FlowDefinition[], options: Partial<JourneyEngineOptions> = {}): JourneyEngineHandle {
  return createJourneyEngine({
    store: kv,
    flows,
    leaseMs: 300,
    recoveryIntervalMs: 0,
    defaultWaitMs: 5_000,
    logger: pino({ level: 'silent' }),
    ...options,
  });
}

/** Polls until `check` returns a value (not undefined/false), or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 5_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A promise with its resolve, to hold a step until the test lets it go. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => (open = r));
  return { promise, open };
}

let keyCounter = 0;
/** A fresh idempotency key. */
export function newKey(label = 'key'): string {
  return `${label}-${Date.now().toString(36)}-${++keyCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The current value of a prom-client counter for these labels (0 when never incremented). */
export async function counterValue(
  counter: { get(): Promise<{ values: Array<{ value: number; labels: Record<string, string | number | undefined> }> }> },
  labels: Record<string, string>,
): Promise<number> {
  const { values } = await counter.get();
  const match = values.find((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want));
  return match?.value ?? 0;
}

/** A queue to run the engine on, with the store it goes with: in-process over each store, and BullMQ over Redis. */
export interface QueueKind {
  readonly name: string;
  readonly store: StoreKind;
  make(): Promise<{ queue: () => JobQueue; cleanup(): Promise<void> }>;
}

export const QUEUES: QueueKind[] = [
  ...STORES.map((store) => ({ name: `in-process queue, ${store.name} store`, store, make: async () => ({ queue: () => new InProcessQueue(), cleanup: async () => {} }) })),
  {
    name: 'BullMQ queue, redis store',
    store: STORES.find((s) => s.name === 'redis')!,
    async make() {
      const redisUrl = await requireRedis();
      const prefix = `{bankgraph-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}}`;
      return { queue: () => new BullMqQueue({ redisUrl, prefix }), cleanup: () => deleteKeys(redisUrl, `${prefix}*`) };
    },
  },
];

/** openAccount, then fundAccount, whose first attempt blocks until `held` opens (its effect happens after), then `extra`. */
export function blockingFlow(ledger: Ledger, held: { promise: Promise<void> }, extra: StepDefinition[] = []): FlowDefinition {
  const fund = ledgerStep(ledger, 'fundAccount');
  return toyFlow([
    ledgerStep(ledger, 'openAccount'),
    {
      ...fund,
      run: async (ctx) => {
        if (ctx.attempt === 1) await held.promise;
        return fund.run(ctx);
      },
    },
    ...extra,
  ]);
}
