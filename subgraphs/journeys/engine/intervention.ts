import { BankError, ErrorCode } from '../../../lib/errors.js';
import { modeOf, now, stepOf, withStep } from './record.js';
import type { FlowDefinition, JourneyActionKind, JourneyRecord, JourneyResolution, StepRecord } from './types.js';

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
  | { readonly kind: 'RESOLVE'; readonly resolution: JourneyResolution }
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

/** The actions that apply to the journey now: none unless it is parked. */
export function availableActions(flow: FlowDefinition | undefined, record: JourneyRecord): JourneyActionKind[] {
  if (record.status !== 'NEEDS_ATTENTION' || !flow) return [];
  const kinds: JourneyActionKind[] = [];
  if (stuckStep(record)) kinds.push('RETRY_STEP');
  kinds.push('RESOLVE');
  if (undoable(flow, record).length > 0) kinds.push('UNDO');
  return kinds;
}

/** Refuses (JOURNEY_NOT_PARKED, ACTION_NOT_APPLICABLE) an action that cannot apply to the journey as it is now. */
export function checkApplicable(flow: FlowDefinition | undefined, record: JourneyRecord, kind: JourneyActionKind): void {
  if (record.status !== 'NEEDS_ATTENTION') {
    throw refused(ErrorCode.JOURNEY_NOT_PARKED, `The journey is ${record.status}, not NEEDS_ATTENTION: only a parked journey can be acted on.`);
  }
  if (!flow) throw refused(ErrorCode.ACTION_NOT_APPLICABLE, `No worker here knows journeys of type ${record.type}.`);
  if (!availableActions(flow, record).includes(kind)) {
    const why = kind === 'RETRY_STEP' ? 'the journey is not stopped on a step that could run again' : 'no completed step of the journey can be undone';
    throw refused(ErrorCode.ACTION_NOT_APPLICABLE, `${kind} does not apply to this journey: ${why}.`);
  }
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
  checkApplicable(flow, record, intervention.kind);
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
        for (const step of record.steps) {
          if (step.mode !== 'critical' || step.status === 'SUCCEEDED' || step.status === 'SKIPPED') continue;
          // The step the journey stopped on (and any undo under way) did happen, the person says; the steps after it
          // never ran and are not needed.
          const status = step.status === 'PENDING' ? 'SKIPPED' : 'SUCCEEDED';
          next = withStep(next, step.name, { status, endedAt: at, errorCode: null, wait: null, manual: mark(step, 'resolved', false) });
        }
        for (const step of next.steps) if (step.mode === 'background' && step.status === 'PENDING') next = withStep(next, step.name, { status: 'QUEUED' });
        return result({ ...next, status: 'COMPLETED', reason: null, errorCode: null });
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
