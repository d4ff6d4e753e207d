import type { EngineContext } from './context.js';
import { withStep } from './record.js';
import { JourneyNotFound } from './store.js';
import { isTerminal, type CheckNowOutcome } from './types.js';

/**
 * "Check now": news from outside (a rail's pushed pacs.002, a KYC vendor's webhook) says that a step waiting for its
 * next check (pending-wait.ts) may have an answer, so the check should not wait for its back-off. The news itself
 * decides nothing: the step runs its own check, as it would have at the end of its wait, and decides from that.
 *
 *   waiting   -> a wake-up job for the wait's token, due at once (queue.ts): whichever worker receives it claims the
 *                journey by the same compare-and-set on the token as the delayed job would, and checks. The delayed
 *                job, when it comes, finds its token spent and does nothing. (Through the queue, not a drive in this
 *                process: with BullMQ any worker may take it; a lost job leaves the wait and its delayed job as they were.)
 *   not yet waiting (the step's check is under way, or the step has not begun) -> `recheck` is set on the step, and
 *                the next wait the step begins is zero (releaseUntilCheck): news that arrives during a check whose
 *                answer predates it is not lost until the back-off ends.
 *   done, terminal or unknown -> nothing.
 * Repeats are harmless: a second wake-up for the same token is the same job (or a stale one); `recheck` is a flag.
 */
export async function checkNow(ctx: EngineContext, journeyId: string, stepName: string): Promise<CheckNowOutcome> {
  // What the last decision (the one on the record in the store) found; a lost compare-and-set decides again.
  const seen: { outcome: CheckNowOutcome; token: number; traceparent?: string } = { outcome: 'not-waiting', token: 0 };
  try {
    await ctx.store.update(journeyId, (r) => {
      const step = r.steps.find((s) => s.name === stepName);
      seen.outcome = 'not-waiting';
      if (isTerminal(r.status) || r.status !== 'RUNNING' || !step || step.mode !== 'critical') return null;
      if (step.wait) {
        seen.outcome = 'woken';
        seen.token = step.wait.token;
        seen.traceparent = step.wait.traceparent;
        return null;
      }
      if (step.status !== 'PENDING' && step.status !== 'RUNNING') return null;
      seen.outcome = 'marked';
      return step.recheck ? null : withStep(r, stepName, { recheck: true });
    });
  } catch (err) {
    if (err instanceof JourneyNotFound) return 'unknown';
    throw err;
  }
  if (seen.outcome === 'woken') {
    // In the journey's own trace (the wait's), not the trace of the request that brought the news.
    const traceparent = seen.traceparent;
    await ctx.queue.enqueue({ journeyId, step: stepName, wake: seen.token, early: true, ...(traceparent ? { traceparent } : {}) }, { attempts: 1, backoffMs: 0 });
  }
  return seen.outcome;
}
