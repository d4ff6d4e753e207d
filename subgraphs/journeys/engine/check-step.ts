import { attemptLabel, runAttempt, stepContext } from './attempt.js';
import type { EngineContext } from './context.js';
import { DEFAULT_TIMEOUT_MS, withAttempt } from './record.js';
import { ErrorCode } from '../../../lib/errors.js';
import { classifyStepError, type Json } from './types.js';

/**
 * What the legacy system says became of a parked journey's step, asked once through the step's `recover` with its own
 * reference (pacs.028 for a payout), before a person's action that depends on it is carried out: an UNDO must not
 * refund a payout the rail has, a RESOLVE as COMPLETED records the step's real output. The question is an attempt in
 * the step's story like any other (kind `recover`).
 *
 *   found       the effect happened; `output` is what recover returned
 *   absent      the legacy system has no such reference
 *   unknown     it could not be asked (down, timed out, refused)
 *   no-recover  the step has no way to ask: the person's word (and the second person's approval) decides
 */
export type StepCheck =
  | { readonly verdict: 'found'; readonly output: Json }
  | { readonly verdict: 'absent' | 'unknown' | 'no-recover' };

export async function checkStep(ctx: EngineContext, journeyId: string, step: string): Promise<StepCheck> {
  const record = await ctx.store.get(journeyId);
  if (!record) return { verdict: 'unknown' };
  const def = ctx.flows.get(record.type)?.steps.find((s) => s.name === step);
  if (!def?.recover) return { verdict: 'no-recover' };
  const recover = def.recover;
  const result = await runAttempt(ctx, 'recover', def.timeoutMs ?? DEFAULT_TIMEOUT_MS, (signal) => recover(stepContext(record, step, 'recover', signal)), attemptLabel(record, step));
  const attempt = result.ok && result.value === null ? { ...result.attempt, outcome: 'FAILED' as const, errorCode: ErrorCode.NOT_FOUND } : result.attempt;
  await ctx.store.update(journeyId, (current) => withAttempt(current, step, attempt));
  // The legacy system refused the reference (a payout the rail rejected): no effect stands.
  if (!result.ok) return { verdict: classifyStepError(result.error) === 'rejected' ? 'absent' : 'unknown' };
  return result.value === null ? { verdict: 'absent' } : { verdict: 'found', output: result.value };
}
