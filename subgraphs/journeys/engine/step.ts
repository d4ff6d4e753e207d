import { ErrorCode, UnreachableCaseError } from '../../../lib/errors.js';
import { attemptLabel, runAttempt, stepContext } from './attempt.js';
import { inSpan, markFailed, type Span } from '../../../lib/telemetry/spans.js';
import { backoffMs, ownedWrite, pause, type EngineContext } from './context.js';
import { stepReference } from './ids.js';
import { stepRetriesTotal } from './metrics.js';
import { pendingDelayMs, releaseUntilCheck } from './pending-wait.js';
import {
  attemptCount,
  countAttempts,
  DEFAULT_COMPENSATE_RETRY,
  DEFAULT_PENDING_BUDGET_MS,
  DEFAULT_PENDING_MAX_DELAY_MS,
  DEFAULT_RETRY,
  DEFAULT_TIMEOUT_MS,
  lastAttempt,
  now,
  pendingSince,
  pendingStreak,
  stepOf,
  withAttempt,
  withOutput,
  withStep,
} from './record.js';
import {
  classifyStepError,
  errorCodeOf,
  StepPending,
  StepRejected,
  type AttemptRecord,
  type ErrorClass,
  type Json,
  type JourneyRecord,
  type StepDefinition,
} from './types.js';

/**
 * Runs one critical step to its end: SUCCEEDED (or SKIPPED), or FAILED with the journey moved to COMPENSATING.
 * Every attempt is persisted as it ends; the budgets are read back from the persisted attempts, so a worker taking
 * the journey over carries on where the dead one stopped.
 *
 *   transient        -> retry after full-jitter backoff, up to retry.maxAttempts runs
 *   unknown outcome  -> ask `recover` (retried like a run): found = SUCCEEDED, absent = run again; no recover = run
 *                       again with the same reference. Still unknown at the end -> the journey ends NEEDS_ATTENTION.
 *   pending          -> released until the next check (wait.ts: a delayed job, no worker held), which backs off
 *                       from retryAfterMs doubling up to pendingMaxDelayMs; does not use up attempts; consecutive
 *                       checks share one attempt entry; bounded by pendingBudgetMs
 *   rejected         -> compensate, REJECTED
 *   permanent        -> compensate, COMPENSATED
 */

type Failure =
  | { readonly kind: 'rejected'; readonly code: string; readonly reason: string }
  | { readonly kind: 'permanent' | 'exhausted' | 'unknown' | 'pendingExpired'; readonly code: string };

type Verdict = { readonly kind: 'found'; readonly output: Json } | { readonly kind: 'absent' } | { readonly kind: 'failed'; readonly failure: Failure };

/** The step in a span (`journey.step <name>`), ending with the step's status; each retry is an event on it. */
export function runCriticalStep(ctx: EngineContext, start: JourneyRecord, def: StepDefinition): Promise<JourneyRecord> {
  return inSpan(`journey.step ${def.name}`, { attributes: stepAttributes(start, def.name, 'critical') }, async (span) => {
    const record = await runStep(ctx, start, def, span);
    endStepSpan(span, record, def.name);
    return record;
  });
}

async function runStep(ctx: EngineContext, start: JourneyRecord, def: StepDefinition, span: Span): Promise<JourneyRecord> {
  const name = def.name;
  const policy = def.retry ?? DEFAULT_RETRY;
  const timeoutMs = def.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const budgetMs = def.pendingBudgetMs ?? DEFAULT_PENDING_BUDGET_MS;
  const maxDelayMs = def.pendingMaxDelayMs ?? DEFAULT_PENDING_MAX_DELAY_MS;
  let record = start;

  const append = async (attempt: Omit<AttemptRecord, 'number'>) => {
    record = (await ownedWrite(ctx, record.id, (r) => withAttempt(r, name, attempt))).record;
  };

  const succeed = async (output: Json): Promise<JourneyRecord> =>
    (await ownedWrite(ctx, record.id, (r) => withOutput(withStep(r, name, { status: 'SUCCEEDED', endedAt: now(), errorCode: null }), name, output)))
      .record;

  const fail = async (failure: Failure): Promise<JourneyRecord> => {
    const runs = countAttempts(stepOf(record, name), 'run');
    const reason = reasonOf(failure, name, runs, budgetMs, stepReference(record.id, name, 'run'));
    ctx.logger.warn({ journeyId: record.id, step: name, errorCode: failure.code, failure: failure.kind }, `journey step failed: ${reason}`);
    const { record: next } = await ownedWrite(ctx, record.id, (r) => ({
      ...withStep(r, name, { status: 'FAILED', endedAt: now(), errorCode: failure.code }),
      status: 'COMPENSATING',
      errorCode: failure.code,
      reason,
      afterCompensation:
        failure.kind === 'rejected' ? 'REJECTED' : failure.kind === 'unknown' || def.onFailure === 'park' ? 'NEEDS_ATTENTION' : 'COMPENSATED',
    }));
    return next;
  };

  /**
   * Asks the legacy system, through `recover`, what became of the step's reference. `persistent`: after a timeout
   * the answer is needed, so asking is retried and "could not ask" means unknown; otherwise one try, best effort.
   */
  const ask = async (persistent: boolean): Promise<Verdict> => {
    // Asking is patient (the undo policy: long enough to outlast an open breaker of the system being asked).
    const askPolicy = def.compensateRetry ?? DEFAULT_COMPENSATE_RETRY;
    for (let failures = 1; ; failures++) {
      const result = await runAttempt(ctx, 'recover', timeoutMs, (signal) => def.recover!(stepContext(record, name, 'recover', signal)), attemptLabel(record, name));
      if (result.ok && result.value !== null) {
        await append(result.attempt);
        return { kind: 'found', output: result.value };
      }
      if (result.ok) {
        // Recorded as FAILED/NOT_FOUND: "recover found no effect", after which the step is run again.
        await append({ ...result.attempt, outcome: 'FAILED', errorCode: ErrorCode.NOT_FOUND });
        return { kind: 'absent' };
      }
      await append(result.attempt);
      const cls = classifyStepError(result.error);
      if (cls === 'rejected') return { kind: 'failed', failure: rejectedFailure(result.error as StepRejected) };
      if (!persistent || cls === 'permanent' || failures >= askPolicy.maxAttempts) {
        // Not knowing is not "no": the effect may have happened, so the step is not run again blindly.
        return { kind: 'failed', failure: { kind: 'unknown', code: errorCodeOf(result.error) } };
      }
      await pause(cls === 'pending' ? (result.error as StepPending).retryAfterMs : backoffMs(askPolicy, failures, 'equal'), ctx.closing);
    }
  };

  if (stepOf(record, name).status === 'PENDING') {
    let skip = false;
    if (def.skipIf) {
      try {
        skip = def.skipIf(stepContext(record, name, 'run'));
      } catch (err) {
        ctx.logger.error({ err, journeyId: record.id, step: name }, 'skipIf threw');
        const at = now();
        await append({ kind: 'run', startedAt: at, endedAt: at, outcome: 'FAILED', errorCode: errorCodeOf(err), worker: ctx.workerId });
        return fail({ kind: 'permanent', code: errorCodeOf(err) });
      }
    }
    const at = now();
    const patch = skip ? ({ status: 'SKIPPED', startedAt: at, endedAt: at } as const) : ({ status: 'RUNNING', startedAt: at } as const);
    record = (await ownedWrite(ctx, record.id, (r) => withStep(r, name, patch))).record;
    if (skip) return record;
  }
  // A step found RUNNING was left so by a worker that died (the takeover recorded that attempt as lost).
  // A read-only step's timeout leaves nothing to reconcile: it is retried like any transient failure.
  // A person's retry of a step whose outcome was unknown asks first, whatever its last attempt was (the person saw the
  // fault cleared; the legacy system may have acted on the lost request).
  const current = stepOf(record, name);
  const askedToRecheck = current.manual?.kind === 'retry' && current.manual.outcomeUnknown && current.attempts.length === current.manual.fromAttempt;
  let unknown = !def.readOnly && (lastAttempt(current)?.outcome === 'TIMED_OUT' || askedToRecheck);
  let lastClass: ErrorClass | null = unknown ? 'unknown-outcome' : null;
  let delay = 0;

  for (;;) {
    if (unknown && def.recover) {
      const verdict = await ask(true);
      if (verdict.kind === 'found') return succeed(verdict.output);
      if (verdict.kind === 'failed') return fail(verdict.failure);
      unknown = false;
    }
    const step = stepOf(record, name);
    const runs = countAttempts(step, 'run');
    if (runs >= policy.maxAttempts) {
      const code = lastAttempt(step, 'run')?.errorCode ?? ErrorCode.INTERNAL_SERVER_ERROR;
      if (unknown) return fail({ kind: 'unknown', code });
      if (lastClass === 'transient' && def.recover && !def.readOnly) {
        // A lost or garbled answer may still have been acted on: find out before giving up (and undoing).
        const verdict = await ask(true);
        if (verdict.kind === 'found') return succeed(verdict.output);
        if (verdict.kind === 'failed') return fail(verdict.failure);
      }
      return fail({ kind: 'exhausted', code });
    }
    await pause(delay, ctx.closing);
    if (runs > 0) {
      stepRetriesTotal.inc({ type: record.type, step: name });
      // A retry after a failure (not the next poll of a pending step), with the error code that made it necessary.
      const previous = lastAttempt(step, 'run');
      if (previous?.outcome !== 'PENDING') span.addEvent('retry', { 'journey.attempt': attemptCount(step) + 1, 'error.type': previous?.errorCode ?? 'unknown' });
    }
    const result = await runAttempt(ctx, 'run', timeoutMs, (signal) => def.run(stepContext(record, name, 'run', signal)), attemptLabel(record, name));
    if (!result.ok && result.error instanceof StepPending) {
      // Not done yet: the check, the wait and the journey's release in one write; a delayed job wakes it (wait.ts).
      const checked = stepOf(withAttempt(record, name, result.attempt), name);
      const left = budgetMs - (Date.now() - (pendingSince(checked) ?? Date.now()));
      if (left > 0) {
        const delayMs = Math.min(pendingDelayMs(result.error.retryAfterMs, pendingStreak(checked), maxDelayMs), left);
        return releaseUntilCheck(ctx, record.id, name, delayMs, (r) => withAttempt(r, name, result.attempt));
      }
      await append(result.attempt);
      return fail({ kind: 'pendingExpired', code: 'PENDING' });
    }
    await append(result.attempt);
    if (result.ok) return succeed(result.value);

    lastClass = classifyStepError(result.error);
    switch (lastClass) {
      case 'rejected':
        return fail(rejectedFailure(result.error as StepRejected));
      case 'permanent':
        if (errorCodeOf(result.error) === ErrorCode.INTERNAL_SERVER_ERROR) {
          ctx.logger.error({ err: result.error, journeyId: record.id, step: name }, 'a journey step threw an unexpected error');
        }
        return fail({ kind: 'permanent', code: errorCodeOf(result.error) });
      case 'transient':
        // Not "unknown = false": a timeout earlier in this step may still land; only recover can clear it.
        delay = backoffMs(policy, runs + 1);
        break;
      case 'unknown-outcome':
        unknown = !def.readOnly;
        delay = backoffMs(policy, runs + 1);
        break;
      case 'pending':
        // Handled above (classifyStepError says pending for a StepPending only).
        throw new Error('a pending answer reached the retry switch');
      default:
        throw new UnreachableCaseError(lastClass);
    }
  }
}

function rejectedFailure(err: StepRejected): Failure {
  return { kind: 'rejected', code: err.code, reason: err.reason };
}

function reasonOf(failure: Failure, step: string, runs: number, budgetMs: number, reference: string): string {
  switch (failure.kind) {
    case 'rejected':
      return failure.reason;
    case 'permanent':
      return `${step} failed (${failure.code})`;
    case 'exhausted':
      return `${step} failed after ${runs} attempts (${failure.code})`;
    case 'unknown':
      return `${step}: outcome unknown after ${runs} attempts (${failure.code}); check reference ${reference} in the legacy system`;
    case 'pendingExpired':
      return `${step} was still pending after ${budgetMs} ms`;
    default:
      throw new UnreachableCaseError(failure);
  }
}

/** What names a step's span: the journey, its type, the step and how it runs (identifiers only, never input). */
export function stepAttributes(record: JourneyRecord, step: string, mode: 'critical' | 'background' | 'undo') {
  return { 'journey.id': record.id, 'journey.type': record.type, 'journey.step': step, 'journey.step.mode': mode };
}

/** The step's status (and error code when it failed) on its span. */
export function endStepSpan(span: Span, record: JourneyRecord, step: string): void {
  if (!span.isRecording()) return;
  const s = stepOf(record, step);
  span.setAttribute('journey.step.status', s.status);
  span.setAttribute('journey.step.attempts', attemptCount(s));
  span.setAttribute('journey.status', record.status);
  if (s.status === 'FAILED' || s.status === 'COMPENSATION_FAILED') markFailed(span, s.errorCode ?? s.status);
}
