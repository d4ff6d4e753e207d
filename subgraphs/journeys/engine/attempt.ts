import { BankError, ErrorCode } from '../../../lib/errors.js';
import { inSpan, markFailed } from '../../../lib/telemetry/spans.js';
import { EngineClosed, type EngineContext } from './context.js';
import { canonicalJson, stepReference } from './ids.js';
import { attemptCount, now, stepOf } from './record.js';
import {
  classifyStepError,
  errorCodeOf,
  StepPending,
  StepRejected,
  type AttemptKind,
  type AttemptOutcome,
  type AttemptRecord,
  type JourneyRecord,
  type Json,
  type StepContext,
} from './types.js';

/**
 * One call of a step's run, recover or compensate, bounded by its timeout, described as an attempt record, in a span
 * of its own (`journey.<kind> <step>`: journey id, step, kind, attempt number, outcome, error code), so every retry is
 * visible in the trace with what made it necessary; the legacy calls the attempt makes are its children.
 */

/** Attempts of one step that get a span of their own; retry policies allow far fewer, only polling goes beyond. */
export const MAX_TRACED_ATTEMPTS = 20;

/** Names the attempt in its span. */
export interface AttemptLabel {
  readonly journeyId: string;
  readonly journeyType: string;
  readonly step: string;
  /** The number its attempt record will have. */
  readonly attempt: number;
}

export type AttemptResult<T> =
  | { readonly ok: true; readonly value: T; readonly attempt: Omit<AttemptRecord, 'number'> }
  | { readonly ok: false; readonly error: unknown; readonly attempt: Omit<AttemptRecord, 'number'> };

export async function runAttempt<T extends Json | null | void>(
  ctx: EngineContext,
  kind: AttemptKind,
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
  label: AttemptLabel,
): Promise<AttemptResult<T>> {
  if (ctx.closing.aborted) throw new EngineClosed();
  // A pending step polled for hours (a settlement after the cut-off) would put thousands of spans in one trace: past
  // the first attempts, they run without a span of their own (the step span counts them all).
  if (label.attempt > MAX_TRACED_ATTEMPTS) return attemptOnce(ctx, kind, timeoutMs, call);
  return inSpan(
    `journey.${kind} ${label.step}`,
    {
      attributes: {
        'journey.id': label.journeyId,
        'journey.type': label.journeyType,
        'journey.step': label.step,
        'journey.attempt.kind': kind,
        'journey.attempt': label.attempt,
      },
    },
    async (span) => {
      const result = await attemptOnce(ctx, kind, timeoutMs, call);
      if (span.isRecording()) {
        span.setAttribute('journey.attempt.outcome', result.attempt.outcome);
        if (result.attempt.errorCode) span.setAttribute('error.type', result.attempt.errorCode);
        if (!result.ok) markFailed(span, result.attempt.errorCode ?? result.attempt.outcome);
      }
      return result;
    },
  );
}

async function attemptOnce<T extends Json | null | void>(
  ctx: EngineContext,
  kind: AttemptKind,
  timeoutMs: number,
  call: (signal: AbortSignal) => Promise<T>,
): Promise<AttemptResult<T>> {
  const startedAt = now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onClose: (() => void) | undefined;
  // The step's promise cannot be cancelled, only abandoned: the signal lets a well-behaved step stop its HTTP call.
  const stopped = new Promise<'timeout' | 'closed'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    onClose = () => resolve('closed');
    ctx.closing.addEventListener('abort', onClose, { once: true });
  });
  const record = (outcome: AttemptOutcome, errorCode: string | null): Omit<AttemptRecord, 'number'> => ({
    kind,
    startedAt,
    endedAt: now(),
    outcome,
    errorCode,
    worker: ctx.workerId,
  });
  try {
    const settled = await Promise.race([
      Promise.resolve()
        .then(() => call(controller.signal))
        .then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
      stopped,
    ]);
    if (settled === 'closed') throw new EngineClosed();
    if (settled === 'timeout') {
      controller.abort();
      const error = new BankError(ErrorCode.UPSTREAM_TIMEOUT, `the ${kind} attempt took longer than ${timeoutMs} ms; its outcome is unknown`);
      return { ok: false, error, attempt: record('TIMED_OUT', ErrorCode.UPSTREAM_TIMEOUT) };
    }
    if ('error' in settled) return { ok: false, error: settled.error, attempt: record(outcomeOf(settled.error), errorCodeOf(settled.error)) };
    const value = (settled.value === undefined ? null : settled.value) as T;
    if (kind !== 'compensate') {
      try {
        canonicalJson(value);
      } catch (err) {
        // A flow bug: the effect may have happened but its output cannot be stored. Loud, and a permanent failure.
        ctx.logger.error({ err, kind }, 'a step returned an output that is not JSON');
        return { ok: false, error: err, attempt: record('FAILED', ErrorCode.INTERNAL_SERVER_ERROR) };
      }
    }
    return { ok: true, value, attempt: record('SUCCEEDED', null) };
  } finally {
    clearTimeout(timer);
    if (onClose) ctx.closing.removeEventListener('abort', onClose);
    if (ctx.closing.aborted) controller.abort();
  }
}

/** What a step's run, recover or compensate is given: `attempt` is the number its attempt record will have. */
export function stepContext(record: JourneyRecord, step: string, kind: AttemptKind, signal?: AbortSignal): StepContext {
  return {
    journeyId: record.id,
    input: record.input,
    state: record.state,
    reference: stepReference(record.id, step, kind),
    attempt: attemptCount(stepOf(record, step)) + 1,
    principal: record.principal,
    ...(signal ? { signal } : {}),
  };
}

function outcomeOf(err: unknown): AttemptOutcome {
  if (err instanceof StepRejected) return 'REJECTED';
  if (err instanceof StepPending) return 'PENDING';
  return classifyStepError(err) === 'unknown-outcome' ? 'TIMED_OUT' : 'FAILED';
}

/** The span label of the next attempt of `step` of this journey. */
export function attemptLabel(record: JourneyRecord, step: string): AttemptLabel {
  return { journeyId: record.id, journeyType: record.type, step, attempt: attemptCount(stepOf(record, step)) + 1 };
}
