import { attemptLabel, runAttempt, stepContext } from './attempt.js';
import { inSpan } from '../../../lib/telemetry/spans.js';
import { backoffMs, ownedWrite, pause, type EngineContext } from './context.js';
import { stepReference } from './ids.js';
import { alertNeedsAttention, countTerminal } from './metrics.js';
import { appendReason, countAttempts, DEFAULT_COMPENSATE_RETRY, DEFAULT_TIMEOUT_MS, modeOf, now, stepOf, withAttempt, withStep } from './record.js';
import { withResult } from './result.js';
import { endStepSpan, stepAttributes } from './step.js';
import { classifyStepError, errorCodeOf, StepPending, type FlowDefinition, type JourneyRecord, type StepDefinition } from './types.js';

/**
 * Undoes a failed journey: each SUCCEEDED step that has `compensate`, newest first, with reference
 * `<journeyId>.<step>.undo`, retried (compensateRetry: by default 6 attempts whose waits, with equal jitter, add up
 * to 7.75-15.5 s, outlasting a connector breaker's 5 s open period). The journey then ends as
 * `afterCompensation` decided (REJECTED, COMPENSATED, or NEEDS_ATTENTION when the failed step's outcome is unknown).
 *
 * An undo that keeps failing stops the compensation there: the journey ends NEEDS_ATTENTION with a reason naming
 * the step, and the alert fires. The older steps are left as they are (still SUCCEEDED, visibly not undone): undoing
 * them out of order could do harm (closing an account the failed refund should have credited), so a person decides.
 */
export async function compensate(ctx: EngineContext, flow: FlowDefinition, start: JourneyRecord): Promise<JourneyRecord> {
  let record = start;
  // A journey bound for NEEDS_ATTENTION (a step's outcome is unknown, or it failed past its point of no return) is
  // parked as it stands: undoing earlier steps before a person knows what happened could refund a payment that went
  // out, or leave money moved with no record of it.
  const toUndo =
    record.afterCompensation === 'NEEDS_ATTENTION'
      ? []
      : [...flow.steps].reverse().filter((def) => modeOf(def) === 'critical' && def.compensate);
  for (const def of toUndo) {
    const status = stepOf(record, def.name).status;
    if (status !== 'SUCCEEDED' && status !== 'COMPENSATING') continue;
    const undone = await undo(ctx, record, def);
    record = undone.record;
    if (!undone.ok) return record;
  }
  const final = record.afterCompensation ?? 'COMPENSATED';
  const update = await ownedWrite(ctx, record.id, (r) => withResult(ctx, flow, { ...r, status: final }));
  countTerminal(update.previous, update.record);
  if (final === 'NEEDS_ATTENTION') alertNeedsAttention(ctx.logger, update.record, update.record.reason ?? 'outcome unknown');
  return update.record;
}

/** One undo in a span (`journey.undo <step>`), its attempts as children. */
function undo(ctx: EngineContext, start: JourneyRecord, def: StepDefinition): Promise<{ ok: boolean; record: JourneyRecord }> {
  return inSpan(`journey.undo ${def.name}`, { attributes: stepAttributes(start, def.name, 'undo') }, async (span) => {
    const undone = await undoStep(ctx, start, def);
    endStepSpan(span, undone.record, def.name);
    return undone;
  });
}

async function undoStep(ctx: EngineContext, start: JourneyRecord, def: StepDefinition): Promise<{ ok: boolean; record: JourneyRecord }> {
  const name = def.name;
  const policy = def.compensateRetry ?? DEFAULT_COMPENSATE_RETRY;
  const timeoutMs = def.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let record = start;
  if (stepOf(record, name).status === 'SUCCEEDED') {
    record = (await ownedWrite(ctx, record.id, (r) => withStep(r, name, { status: 'COMPENSATING' }))).record;
  }
  for (;;) {
    const output = record.state[name] ?? null;
    const result = await runAttempt(ctx, 'compensate', timeoutMs, (signal) => def.compensate!(stepContext(record, name, 'compensate', signal), output), attemptLabel(record, name));
    record = (await ownedWrite(ctx, record.id, (r) => withAttempt(r, name, result.attempt))).record;
    if (result.ok) {
      record = (await ownedWrite(ctx, record.id, (r) => withStep(r, name, { status: 'COMPENSATED', endedAt: now() }))).record;
      return { ok: true, record };
    }
    const cls = classifyStepError(result.error);
    const attempts = countAttempts(stepOf(record, name), 'compensate');
    // A refusal or a permanent error will not change on its own: a person is needed now, not after five more tries.
    if (cls === 'rejected' || cls === 'permanent' || attempts >= policy.maxAttempts) {
      const code = errorCodeOf(result.error);
      const why = `undoing ${name} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${code}); reference ${stepReference(record.id, name, 'compensate')} must be finished by a person`;
      ctx.logger.error({ err: result.error, journeyId: record.id, step: name }, why);
      const flow = ctx.flows.get(record.type);
      const update = await ownedWrite(ctx, record.id, (r) => {
        const parked = { ...withStep(r, name, { status: 'COMPENSATION_FAILED', endedAt: now(), errorCode: code }), status: 'NEEDS_ATTENTION' as const, reason: appendReason(r.reason, why) };
        return flow ? withResult(ctx, flow, parked) : parked;
      });
      countTerminal(update.previous, update.record);
      alertNeedsAttention(ctx.logger, update.record, why);
      return { ok: false, record: update.record };
    }
    await pause(cls === 'pending' ? (result.error as StepPending).retryAfterMs : backoffMs(policy, attempts, 'equal'), ctx.closing);
  }
}
