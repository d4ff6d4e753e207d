import { ErrorCode } from '../../../lib/errors.js';
import { withLogContext } from '../../../lib/telemetry/log-context.js';
import { activeTraceparent, contextFromTraceparent, inSpan } from '../../../lib/telemetry/spans.js';
import { attemptLabel, runAttempt, stepContext } from './attempt.js';
import { EngineClosed, type EngineContext } from './context.js';
import { alertFollowUpFailed } from './metrics.js';
import type { JourneyJob } from './queue.js';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, lastAttempt, liveBackgroundSteps, modeOf, now, stepOf, withAttempt, withOutput, withStep } from './record.js';
import { classifyStepError, errorCodeOf, isTerminal, type AttemptRecord, type JourneyRecord, type StepRecord } from './types.js';

/**
 * Background steps (`mode: 'background'`) are the journey's follow-ups (notifications, card fulfilment): queued once
 * the journey is COMPLETED, each delivery runs one attempt (after asking `recover`, if the previous delivery timed
 * out or died), persisted like any other. A failure is retried by the queue with backoff; one that is final
 * (rejected, permanent, or attempts used up) marks the step FAILED with its code, counts it in
 * bankgraph_journey_followups_failed_total and logs a warning. The journey's status is money status and stays as it
 * is (COMPLETED): a follow-up giving up is not NEEDS_ATTENTION. StepPending counts as a failed delivery here.
 *
 * Background writes take no lease: the journey is terminal, the queue runs one delivery of a step at a time, and
 * every write is a compare-and-set that re-checks the step's status.
 */

/** Enqueues the journey's QUEUED (or interrupted RUNNING) background steps; idempotent thanks to the job id. */
export async function enqueueBackground(ctx: EngineContext, record: JourneyRecord): Promise<void> {
  const flow = ctx.flows.get(record.type);
  for (const step of liveBackgroundSteps(record)) {
    const def = flow?.steps.find((d) => d.name === step.name);
    const policy = def?.retry ?? DEFAULT_RETRY;
    try {
      // The job carries the trace context of the run that completed the journey: its delivery continues that trace.
      const traceparent = activeTraceparent();
      await ctx.queue.enqueue({ journeyId: record.id, step: step.name, ...(traceparent ? { traceparent } : {}) }, { attempts: policy.maxAttempts, backoffMs: policy.baseDelayMs });
    } catch (err) {
      // The step stays QUEUED in the record and the journey in the active index: the recovery sweep enqueues it again.
      ctx.logger.error({ err, journeyId: record.id, step: step.name }, 'enqueueing a background step failed; recovery will retry');
    }
  }
}

/**
 * Each delivery in a span (`journey.background <step>`) under the trace the job was enqueued in (its traceparent), with
 * the journey's log context.
 */
export function backgroundHandler(ctx: EngineContext): (job: JourneyJob) => Promise<void> {
  return (job) =>
    withLogContext({ journeyId: job.journeyId }, () =>
      inSpan(
        `journey.background ${job.step}`,
        {
          parent: contextFromTraceparent(job.traceparent),
          attributes: { 'journey.id': job.journeyId, 'journey.step': job.step, 'journey.step.mode': 'background' },
        },
        () => runBackgroundStep(ctx, job),
      ),
    );
}

async function runBackgroundStep(ctx: EngineContext, job: JourneyJob): Promise<void> {
  if (ctx.closing.aborted) throw new EngineClosed();
  const found = await ctx.store.get(job.journeyId);
  if (!found) {
    ctx.logger.warn({ journeyId: job.journeyId, step: job.step }, 'a background job names a journey that is not in the store');
    return;
  }
  const def = ctx.flows.get(found.type)?.steps.find((d) => d.name === job.step);
  if (!def || modeOf(def) !== 'background') {
    ctx.logger.error({ journeyId: job.journeyId, step: job.step, journeyType: found.type }, 'a background job names no background step of its flow');
    return;
  }
  const name = def.name;
  const policy = def.retry ?? DEFAULT_RETRY;
  const timeoutMs = def.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  const claim = await ctx.store.update(job.journeyId, (r) => {
    const s = stepOf(r, name);
    return isTerminal(r.status) && (s.status === 'QUEUED' || s.status === 'RUNNING') ? withStep(r, name, { status: 'RUNNING', startedAt: s.startedAt ?? now() }) : null;
  });
  if (!claim.written) return; // done already: a duplicate delivery
  let record = claim.record;
  const before = stepOf(claim.previous, name);
  const append = async (attempt: Omit<AttemptRecord, 'number'>) => {
    record = (await ctx.store.update(record.id, (r) => withAttempt(r, name, attempt))).record;
  };
  const settle = async (patch: (r: JourneyRecord) => JourneyRecord) => ctx.store.update(record.id, (r) => (stepOf(r, name).status === 'RUNNING' ? patch(r) : null));

  // The previous delivery timed out, or died mid-run (the step was left RUNNING): ask before running again.
  if (def.recover && (before.status === 'RUNNING' || lastAttempt(before, 'run')?.outcome === 'TIMED_OUT')) {
    const asked = await runAttempt(ctx, 'recover', timeoutMs, (signal) => def.recover!(stepContext(record, name, 'recover', signal)), attemptLabel(record, name));
    if (asked.ok && asked.value !== null) {
      const output = asked.value;
      await append(asked.attempt);
      await settle((r) => withOutput(withStep(r, name, { status: 'SUCCEEDED', endedAt: now(), errorCode: null }), name, output));
      return;
    }
    await append(asked.ok ? { ...asked.attempt, outcome: 'FAILED', errorCode: ErrorCode.NOT_FOUND } : asked.attempt);
    if (!asked.ok) return fail(asked.error);
  }

  const result = await runAttempt(ctx, 'run', timeoutMs, (signal) => def.run(stepContext(record, name, 'run', signal)), attemptLabel(record, name));
  await append(result.attempt);
  if (result.ok) {
    const output = result.value;
    await settle((r) => withOutput(withStep(r, name, { status: 'SUCCEEDED', endedAt: now(), errorCode: null }), name, output));
    return;
  }
  return fail(result.error);

  async function fail(error: unknown): Promise<void> {
    const cls = classifyStepError(error);
    const code = errorCodeOf(error);
    const failures = failedDeliveries(stepOf(record, name));
    if (cls !== 'rejected' && cls !== 'permanent' && failures < policy.maxAttempts) {
      await settle((r) => withStep(r, name, { status: 'QUEUED', errorCode: code }));
      throw error; // the queue delivers it again after its backoff
    }
    const why = `follow-up ${name} failed after ${failures} attempt${failures === 1 ? '' : 's'} (${code})`;
    // Only the step: the journey's status, reason and error code say what became of the money, which this does not change.
    const update = await settle((r) => withStep(r, name, { status: 'FAILED', endedAt: now(), errorCode: code }));
    if (!update.written) return;
    alertFollowUpFailed(ctx.logger, update.record, name, code, why);
  }
}

/** Deliveries that failed: every attempt except successes and a `recover` that merely found nothing. */
function failedDeliveries(step: StepRecord): number {
  return step.attempts.filter((a) => a.outcome !== 'SUCCEEDED' && !(a.kind === 'recover' && a.errorCode === ErrorCode.NOT_FOUND)).length;
}
