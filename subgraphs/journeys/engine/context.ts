import type { Logger } from '../../../lib/log.js';
import type { JobQueue } from './queue.js';
import type { JourneyStore, Update } from './store.js';
import { isTerminal, type FlowDefinition, type JourneyRecord, type Lease } from './types.js';

/** What the runner, the compensation, the background worker and recovery share inside one engine. */
export interface EngineContext {
  readonly store: JourneyStore;
  readonly flows: ReadonlyMap<string, FlowDefinition>;
  readonly queue: JobQueue;
  /** This process's lease owner id, recorded on every attempt. */
  readonly workerId: string;
  readonly leaseMs: number;
  readonly logger: Logger;
  /** Aborted by close(): in-flight attempts are abandoned and nothing more is written for running journeys. */
  readonly closing: AbortSignal;
}

/** The engine is closing: stop touching journeys, another worker will recover them. */
export class EngineClosed extends Error {
  override readonly name = 'EngineClosed';
  constructor() {
    super('the journey engine is closed');
  }
}

/** Another worker took the journey over (our lease expired): stop touching it. */
export class LeaseLost extends Error {
  override readonly name = 'LeaseLost';
  constructor(
    readonly journeyId: string,
    readonly owner: string | null,
  ) {
    super(`journey ${journeyId} is now leased by ${owner ?? 'nobody'}`);
  }
}

export function flowOf(ctx: EngineContext, type: string): FlowDefinition {
  const flow = ctx.flows.get(type);
  if (!flow) throw new Error(`no flow is registered for journey type ${type}`);
  return flow;
}

/**
 * A write by the worker that holds the journey's lease: refused (LeaseLost) if another worker owns it now, refused
 * (EngineClosed) after close(). Each such write also renews the lease (on the store's clock); a terminal record drops it.
 * `release` gives the lease away instead (a step that waits for its next check, pending-wait.ts), also on that clock.
 */
export function ownedWrite(
  ctx: EngineContext,
  id: string,
  change: (current: JourneyRecord, now: number) => JourneyRecord,
  release?: (now: number) => Lease,
): Promise<Update> {
  return ctx.store.update(id, (current, now) => {
    if (ctx.closing.aborted) throw new EngineClosed();
    if (current.lease?.owner !== ctx.workerId) throw new LeaseLost(id, current.lease?.owner ?? null);
    const next = change(current, now);
    return { ...next, lease: isTerminal(next.status) ? null : release ? release(now) : { owner: ctx.workerId, expiresAt: now + ctx.leaseMs } };
  });
}

/**
 * Exponential backoff before retry number n, ceiling min(max, base * 2^(n-1)). `full` jitter (steps): a random
 * delay in [0, ceiling), which spreads retries best. `equal` jitter (compensations): in [ceiling/2, ceiling), so the
 * retries are guaranteed to span a known time (long enough to outlast a connector's open circuit breaker).
 */
export function backoffMs(policy: { baseDelayMs: number; maxDelayMs: number }, failures: number, jitter: 'full' | 'equal' = 'full'): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.floor(jitter === 'full' ? Math.random() * ceiling : ceiling / 2 + (Math.random() * ceiling) / 2);
}

/** Waits `ms`, or throws EngineClosed as soon as the engine closes. */
export function pause(ms: number, closing: AbortSignal): Promise<void> {
  if (closing.aborted) return Promise.reject(new EngineClosed());
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new EngineClosed());
    };
    const timer = setTimeout(() => {
      closing.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    closing.addEventListener('abort', onAbort, { once: true });
  });
}
