import { BankError, ErrorCode } from '../../../lib/errors.js';
import { modeOf, now, stepOf, withStep } from './record.js';
import type { FlowDefinition, JourneyActionKind, JourneyRecord, JourneyResolution, Json, StepRecord } from './types.js';

/**
 * What a person's approved action does to a parked (NEEDS_ATTENTION) journey: pure functions from the record to the
 * next record, written by the engine (engine.ts intervene) in one compare-and-set with the action's approval.
 *
 *   RETRY_STEP  the stuck step runs again with its own reference (the legacy system dedupes on it), its retry budgets
 *               counted afresh; a step whose outcome was unknown first asks the legacy system (recover) what became
 *               of that reference. An undo that kept failing is tried again the same way. The journey is RUNNING (or
 *               COMPENSATING) again and the engine drives it on: it may end parked again, with a new reason.
 *   RESOLVE     the person checked the legacy system out of band and states the outcome: COMPLETED (the money moved:
 *               the steps left are marked done by a person, the follow-ups run) or UNDONE (everything was refunded or
 *               reversed out of band: the steps that had an effect are marked undone by a person; COMPENSATED).
 *   UNDO        the completed steps are undone, newest first, by the engine (their undo references); the stuck step is
 *               left FAILED (the person checked it had no effect). Ends COMPENSATED, or parked again if an undo fails.
 */

export type Intervention =
  | { readonly kind: 'RETRY_STEP' }
  /** `output`: the stuck step's output as its legacy system reported it (check-step.ts), when it could be asked. */
  | { readonly kind: 'RESOLVE'; readonly resolution: JourneyResolution; readonly output?: Json }
  | { readonly kind: 'UNDO' };

/** An action that cannot apply to the journey as it is: a client's mistake, with a stable code. */
export function refused(code: ErrorCode, message: string): BankError {
  return new BankError(code, message);
}

/**
 * The step a retry runs again: an undo that kept failing first (COMPENSATION_FAILED), else the critical step the
 * journey stopped on (FAILED with its outcome unknown or past its point of no return; RUNNING when the engine itself
 * could not drive the journey). Undefined when the journey is not parked on a step.
 */
export function stuckStep(record: JourneyRecord): StepRecord | undefined {
  if (record.status !== 'NEEDS_ATTENTION') return undefined;
  const critical = record.steps.filter((s) => s.mode === 'critical');
  return critical.find((s) => s.status === 'COMPENSATION_FAILED') ?? critical.find((s) => s.status === 'FAILED' || s.status === 'RUNNING' || s.status === 'COMPENSATING');
}

/** Critical steps that had an effect an undo could reverse (done, or being undone). */
function undoable(flow: FlowDefinition, record: JourneyRecord): StepRecord[] {
  return flow.steps
    .filter((def) => modeOf(def) === 'critical' && def.compensate)
    .map((def) => stepOf(record, def.name))
    .filter((s) => s.status === 'SUCCEEDED' || s.status === 'COMPENSATING' || s.status === 'COMPENSATION_FAILED');
}

/**
 * Done steps no undo can reverse: a critical step that changes something, has no `compensate`, and succeeded (a
 * payout the rail accepted: only the rail's own return brings the money back). Undoing the steps before it would
 * refund a payment that went out.
 */
function irreversible(flow: FlowDefinition, record: JourneyRecord): StepRecord[] {
  return flow.steps
    .filter((def) => modeOf(def) === 'critical' && !def.compensate && !def.readOnly)
    .map((def) => stepOf(record, def.name))
    .filter((s) => s.status === 'SUCCEEDED');
}

/** Whether the journey was being undone when it parked (a refusal or a failure, then an undo that failed). */
export function wasBeingUndone(record: JourneyRecord): boolean {
  return (
    record.afterCompensation === 'REJECTED' ||
    record.afterCompensation === 'COMPENSATED' ||
    record.steps.some((s) => s.mode === 'critical' && (s.status === 'COMPENSATED' || s.status === 'COMPENSATING' || s.status === 'COMPENSATION_FAILED'))
  );
}

/** The actions that apply to the journey now: none unless it is parked. */
export function availableActions(flow: FlowDefinition | undefined, record: JourneyRecord): JourneyActionKind[] {
  if (record.status !== 'NEEDS_ATTENTION' || !flow) return [];
  const kinds: JourneyActionKind[] = [];
  if (stuckStep(record)) kinds.push('RETRY_STEP');
  kinds.push('RESOLVE');
  if (undoable(flow, record).length > 0 && irreversible(flow, record).length === 0) kinds.push('UNDO');
  return kinds;
}

/** Refuses (JOURNEY_NOT_PARKED, ACTION_NOT_APPLICABLE) an action that cannot apply to the journey as it is now. */
export function checkApplicable(flow: FlowDefinition | undefined, record: JourneyRecord, kind: JourneyActionKind, resolution: JourneyResolution | null = null): void {
  if (record.status !== 'NEEDS_ATTENTION') {
    throw refused(ErrorCode.JOURNEY_NOT_PARKED, `The journey is ${record.status}, not NEEDS_ATTENTION: only a parked journey can be acted on.`);
  }
  if (!flow) throw refused(ErrorCode.ACTION_NOT_APPLICABLE, `No worker here knows journeys of type ${record.type}.`);
  if (kind === 'UNDO') {
    const done = irreversible(flow, record);
    if (done.length > 0) {
      throw refused(
        ErrorCode.ACTION_NOT_APPLICABLE,
        `UNDO does not apply: ${done.map((s) => s.name).join(', ')} cannot be undone (the money went out), so undoing the steps before it would refund it twice; RESOLVE as UNDONE once it came back.`,
      );
    }
  }
  if (kind === 'RESOLVE' && resolution === 'COMPLETED' && wasBeingUndone(record)) {
    throw refused(ErrorCode.ACTION_NOT_APPLICABLE, 'RESOLVE as COMPLETED does not apply: the journey was being undone when it parked; finish the undo (RETRY_STEP) or RESOLVE as UNDONE.');
  }
  if (!availableActions(flow, record).includes(kind)) {
    const why = kind === 'RETRY_STEP' ? 'the journey is not stopped on a step that could run again' : 'no completed step of the journey can be undone';
    throw refused(ErrorCode.ACTION_NOT_APPLICABLE, `${kind} does not apply to this journey: ${why}.`);
  }
}

/**
 * The step whose outcome an action depends on and the legacy system can be asked about: the stuck step when it is a
 * forward step that changes something (not an undo that failed, not a read). Undefined when there is none.
 */
export function stepToCheck(flow: FlowDefinition, record: JourneyRecord): StepRecord | undefined {
  const stuck = stuckStep(record);
  if (!stuck || (stuck.status !== 'FAILED' && stuck.status !== 'RUNNING')) return undefined;
  const def = flow.steps.find((d) => d.name === stuck.name);
  return def && !def.readOnly ? stuck : undefined;
}

/**
 * The record after the intervention, before the engine drives it (a retry or an undo) or as it ends (a resolution).
 * Throws the refusals of checkApplicable. `result` computes the flow's result of a journey it closes.
 */
export function applyIntervention(
  flow: FlowDefinition,
  record: JourneyRecord,
  intervention: Intervention,
  actionId: string,
  result: (record: JourneyRecord) => JourneyRecord,
): JourneyRecord {
  checkApplicable(flow, record, intervention.kind, intervention.kind === 'RESOLVE' ? intervention.resolution : null);
  const at = now();
  const mark = (step: StepRecord, kind: 'retry' | 'resolved', outcomeUnknown: boolean) => ({
    kind,
    fromAttempt: step.attempts.length,
    outcomeUnknown,
    actionId,
    at,
  });
  switch (intervention.kind) {
    case 'RETRY_STEP': {
      const step = stuckStep(record)!;
      // Parked while being undone (the engine failed between two undos): the undo goes on, the failed step stays failed.
      if (wasBeingUndone(record) && step.status === 'FAILED') return { ...record, status: 'COMPENSATING', errorCode: null };
      if (step.status === 'COMPENSATION_FAILED' || step.status === 'COMPENSATING') {
        const next = withStep(record, step.name, { status: 'COMPENSATING', endedAt: null, errorCode: null, manual: mark(step, 'retry', false) });
        return { ...next, status: 'COMPENSATING', errorCode: null };
      }
      // FAILED after an unknown outcome, or past the point of no return, or RUNNING when the engine gave up on it: in
      // each case its effect may have happened, so it asks before it runs.
      const next = withStep(record, step.name, { status: 'RUNNING', endedAt: null, errorCode: null, wait: null, manual: mark(step, 'retry', true) });
      const { afterCompensation: _after, ...running } = next;
      return { ...running, status: 'RUNNING', reason: null, errorCode: null };
    }
    case 'RESOLVE': {
      let next = record;
      if (intervention.resolution === 'COMPLETED') {
        // The step the journey stopped on did happen, the person says (and its legacy system, when it can be asked:
        // its output is then the one recorded). The steps after it still run: nothing is skipped on anyone's word.
        const step = stuckStep(record);
        if (step) {
          next = withStep(next, step.name, { status: 'SUCCEEDED', endedAt: at, errorCode: null, wait: null, manual: mark(step, 'resolved', false) });
          next = { ...next, state: { ...next.state, [step.name]: intervention.output ?? { resolvedByAction: actionId } } };
        }
        const { afterCompensation: _after, ...cleared } = next;
        if (cleared.steps.some((s) => s.mode === 'critical' && s.status === 'PENDING')) return { ...cleared, status: 'RUNNING', reason: null, errorCode: null };
        let done: JourneyRecord = { ...cleared, status: 'COMPLETED', reason: null, errorCode: null };
        for (const s of done.steps) if (s.mode === 'background' && s.status === 'PENDING') done = withStep(done, s.name, { status: 'QUEUED' });
        return result(done);
      }
      for (const step of record.steps) {
        if (step.mode !== 'critical' || step.status === 'PENDING' || step.status === 'SKIPPED' || step.status === 'COMPENSATED') continue;
        next = withStep(next, step.name, { status: 'COMPENSATED', endedAt: at, errorCode: null, wait: null, manual: mark(step, 'resolved', false) });
      }
      return result({ ...next, status: 'COMPENSATED' });
    }
    case 'UNDO': {
      let next = record;
      for (const step of record.steps) {
        if (step.mode !== 'critical') continue;
        // The step the journey stopped on had no effect, the person checked: it stays FAILED and is not undone.
        if (step.status === 'RUNNING') next = withStep(next, step.name, { status: 'FAILED', endedAt: at, wait: null });
        if (step.status === 'COMPENSATION_FAILED') next = withStep(next, step.name, { status: 'COMPENSATING', endedAt: null, errorCode: null, manual: mark(step, 'retry', false) });
      }
      return { ...next, status: 'COMPENSATING', afterCompensation: 'COMPENSATED' };
    }
  }
}
