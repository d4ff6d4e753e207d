import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { withLogContext } from '../../../lib/telemetry/log-context.js';
import { activeTraceparent, contextFromTraceparent } from '../../../lib/telemetry/spans.js';
import { MAX_TRACED_ATTEMPTS } from './attempt.js';
import { ownedWrite, type EngineContext } from './context.js';
import type { JourneyJob } from './queue.js';
import { attemptCount, stepOf, withStep } from './record.js';
import type { JourneyRunner } from './runner.js';
import { JourneyNotFound } from './store.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * Waiting for a pending step's next check without holding a worker. A step that answers "pending" (a settlement
 * after the cut-off: up to 36 h) releases its journey: one write records the check, the wait (`step.wait`: until,
 * token) and a lease that no worker owns, expiring leaseMs after `until`; then a delayed job (queue.ts) wakes the
 * journey at `until`. Whichever worker receives the job claims the journey (one compare-and-set on the token), and
 * drives it from its persisted state: the next check. If the job is lost (an in-process queue dies with its
 * process, the queue is unreachable), the lease runs out and the recovery sweep takes the journey over instead.
 *
 * The checks back off: the step's retryAfterMs, doubled per consecutive "pending" answer, up to the step's
 * pendingMaxDelayMs (a larger retryAfterMs is respected), within its pendingBudgetMs.
 */

/** The lease owner while a step waits: no worker has this id, so no keeper renews it and no owned write passes. */
export const WAITING_OWNER = 'waiting';

/**
 * The wait before the next check of a step that has answered "pending" `streak` times in a row, the last time asking
 * for `retryAfterMs`: retryAfterMs * 2^(streak-1), at most `capMs`, and never less than retryAfterMs.
 */
export function pendingDelayMs(retryAfterMs: number, streak: number, capMs: number): number {
  const asked = Math.max(0, retryAfterMs);
  const grown = Math.min(capMs, asked * 2 ** Math.min(40, Math.max(0, streak - 1)));
  return Math.max(asked, grown);
}

/**
 * Records `change` (the check that answered "pending") and releases the journey until `delayMs` from now, then
 * enqueues its wake-up. Returns the released record: the drive stops there.
 */
export async function releaseUntilCheck(
  ctx: EngineContext,
  journeyId: string,
  step: string,
  delayMs: number,
  change: (current: JourneyRecord) => JourneyRecord,
): Promise<JourneyRecord> {
  let token = 0;
  let waitMs = delayMs;
  let traceparent: string | undefined;
  // `now` is the store's clock (Redis TIME), as every lease is: the wait and its lease are set on it.
  const { record } = await ownedWrite(
    ctx,
    journeyId,
    (r, now) => {
      const next = change(r);
      token = attemptCount(stepOf(next, step));
      // News came while this check was under way (checkNow): its answer may predate it, so check again at once.
      const asked = stepOf(next, step).recheck === true;
      waitMs = asked ? 0 : delayMs;
      traceparent = token < MAX_TRACED_ATTEMPTS ? activeTraceparent() : undefined;
      const wait = { until: new Date(now + waitMs).toISOString(), token, ...(traceparent ? { traceparent } : {}) };
      return withStep(next, step, { wait, ...(asked ? { recheck: false } : {}) });
    },
    (now) => ({ owner: WAITING_OWNER, expiresAt: now + waitMs + ctx.leaseMs }),
  );
  try {
    // The wake-up continues the trace of the run that began the wait (the first checks only, like their attempt spans).
    await ctx.queue.enqueue({ journeyId, step, wake: token, ...(traceparent ? { traceparent } : {}) }, { attempts: 1, backoffMs: 0, delayMs: waitMs });
  } catch (err) {
    ctx.logger.warn({ err, journeyId, step }, 'enqueueing the next check of a waiting step failed; recovery takes the journey over once its wait is over');
  }
  return record;
}

/** The queue's handler for wake-up jobs: claims the waiting journey named by the job and drives it. */
export function wakeHandler(ctx: EngineContext, runner: JourneyRunner): (job: JourneyJob) => Promise<void> {
  return (job) => {
    const run = () => withLogContext({ journeyId: job.journeyId }, () => wake(ctx, runner, job));
    // Past the first checks, a wait's wake-ups are not traced: thousands of them would drown the payment's trace.
    const parent = (job.wake ?? 0) < MAX_TRACED_ATTEMPTS ? contextFromTraceparent(job.traceparent) : suppressTracing(context.active());
    return context.with(parent, run);
  };
}

async function wake(ctx: EngineContext, runner: JourneyRunner, job: JourneyJob): Promise<void> {
  if (ctx.closing.aborted) return; // the wait stays persisted: another worker's job or recovery continues it
  // The drive that began this wait may still be unwinding in this process: one drive per journey at a time.
  await runner.idle(job.journeyId);
  let claimed: boolean;
  try {
    ({ written: claimed } = await ctx.store.update(job.journeyId, (r, now) => {
      const s = r.steps.find((x) => x.name === job.step);
      if (isTerminal(r.status) || !s?.wait || s.wait.token !== job.wake) return null; // stale, or a duplicate delivery
      return { ...withStep(r, job.step, { wait: null }), lease: { owner: ctx.workerId, expiresAt: now + ctx.leaseMs } };
    }));
  } catch (err) {
    if (!(err instanceof JourneyNotFound)) throw err;
    ctx.logger.warn({ journeyId: job.journeyId, step: job.step }, 'a wake-up job names a journey that is not in the store');
    return;
  }
  if (claimed) await runner.drive(job.journeyId);
}
