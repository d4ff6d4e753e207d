import type { Principal } from '../../../lib/principal.js';
import {
  isTerminal,
  type AttemptKind,
  type AttemptRecord,
  type FlowDefinition,
  type Json,
  type JourneyRecord,
  type RetryPolicy,
  type StepDefinition,
  type StepMode,
  type StepRecord,
} from './types.js';

/** Pure helpers over journey records: every change is a new record, written by the store with compare-and-set. */

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 2000 };
/** Undoing is worth waiting for: the waits (equal jitter) span at least 7.75 s, longer than a breaker's open period. */
export const DEFAULT_COMPENSATE_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8000 };
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_PENDING_BUDGET_MS = 60_000;
/** The longest wait between two checks of a pending step (the back-off's cap). */
export const DEFAULT_PENDING_MAX_DELAY_MS = 180_000;

/** The code recorded for an attempt that was under way when its worker died (its outcome is unknown). */
export const WORKER_LOST = 'WORKER_LOST';

export function modeOf(def: StepDefinition): StepMode {
  return def.mode ?? 'critical';
}

export function now(): string {
  return new Date().toISOString();
}

export interface NewJourney {
  readonly id: string;
  readonly flow: FlowDefinition;
  readonly principal: Principal;
  readonly customerId: string | null;
  readonly idempotencyKey: string;
  readonly requestHash: string;
  readonly input: Json;
  readonly owner: string;
  readonly leaseMs: number;
}

export function newJourneyRecord(j: NewJourney): JourneyRecord {
  const at = now();
  return {
    id: j.id,
    type: j.flow.type,
    version: 1,
    principal: j.principal,
    customerId: j.customerId,
    idempotencyKey: j.idempotencyKey,
    requestHash: j.requestHash,
    input: j.input,
    status: 'RUNNING',
    steps: j.flow.steps.map((def) => ({
      name: def.name,
      mode: modeOf(def),
      status: 'PENDING',
      attempts: [],
      startedAt: null,
      endedAt: null,
      errorCode: null,
    })),
    state: {},
    result: null,
    reason: null,
    errorCode: null,
    createdAt: at,
    updatedAt: at,
    lease: { owner: j.owner, expiresAt: Date.now() + j.leaseMs },
  };
}

export function stepOf(record: JourneyRecord, name: string): StepRecord {
  const step = record.steps.find((s) => s.name === name);
  if (!step) throw new Error(`journey ${record.id} has no step ${name} (did the flow ${record.type} change while it ran?)`);
  return step;
}

export function withStep(record: JourneyRecord, name: string, patch: Partial<Omit<StepRecord, 'name' | 'mode'>>): JourneyRecord {
  stepOf(record, name);
  return { ...record, steps: record.steps.map((s) => (s.name === name ? { ...s, ...patch } : s)) };
}

/**
 * Appends an attempt. A critical step's "pending" check right after another one is folded into that entry (count + 1,
 * endedAt and worker of the new check), so that waiting costs one entry however many checks it takes; every other
 * attempt is an entry of its own (bounded by the step's retry policies). `number` is the number of the entry's first
 * attempt: attempts are numbered as before, each check counting one.
 */
export function withAttempt(record: JourneyRecord, name: string, attempt: Omit<AttemptRecord, 'number'>): JourneyRecord {
  const step = stepOf(record, name);
  const last = step.attempts[step.attempts.length - 1];
  // Only a critical step's checks wait (a background step's "pending" is a failed delivery, bounded by its retries).
  if (last && step.mode === 'critical' && attempt.kind === 'run' && attempt.outcome === 'PENDING' && last.kind === 'run' && last.outcome === 'PENDING') {
    const folded: AttemptRecord = { ...last, endedAt: attempt.endedAt, errorCode: attempt.errorCode, worker: attempt.worker, count: countOf(last) + 1 };
    return withStep(record, name, { attempts: [...step.attempts.slice(0, -1), folded] });
  }
  const { count: _count, ...single } = attempt;
  return withStep(record, name, { attempts: [...step.attempts, { ...single, number: attemptCount(step) + 1 }] });
}

/** How many attempts an entry stands for. */
export function countOf(attempt: AttemptRecord): number {
  return attempt.count ?? 1;
}

/** Attempts of the step in all, each pending check counting one. */
export function attemptCount(step: StepRecord): number {
  let n = 0;
  for (const a of step.attempts) n += countOf(a);
  return n;
}

/** Consecutive "pending" answers of the step's run up to now (0 if its last attempt was something else). */
export function pendingStreak(step: StepRecord): number {
  const last = step.attempts[step.attempts.length - 1];
  return last?.kind === 'run' && last.outcome === 'PENDING' ? countOf(last) : 0;
}

export function withOutput(record: JourneyRecord, name: string, output: Json): JourneyRecord {
  return { ...record, state: { ...record.state, [name]: output } };
}

/** Attempts of one kind; `run` attempts that answered "pending" do not use up the retry budget. */
export function countAttempts(step: StepRecord, kind: AttemptKind): number {
  // After a person's approved retry, the budgets start again from there (the earlier attempts stay in the story).
  return budgetedAttempts(step).filter((a) => a.kind === kind && !(kind === 'run' && a.outcome === 'PENDING')).length;
}

/** The attempts the step's budgets count: all of them, or those since a person's retry. */
export function budgetedAttempts(step: StepRecord): readonly AttemptRecord[] {
  return step.manual ? step.attempts.slice(step.manual.fromAttempt) : step.attempts;
}

export function lastAttempt(step: StepRecord, kind?: AttemptKind): AttemptRecord | undefined {
  const attempts = kind ? step.attempts.filter((a) => a.kind === kind) : step.attempts;
  return attempts[attempts.length - 1];
}

/** When the step first answered "pending" (epoch ms), for its pending budget. */
export function pendingSince(step: StepRecord): number | null {
  const first = budgetedAttempts(step).find((a) => a.kind === 'run' && a.outcome === 'PENDING');
  return first ? Date.parse(first.startedAt) : null;
}

/** The step of the journey that is waiting for its next check, released by every worker (step.ts, wait.ts). */
export function waitingStep(record: JourneyRecord): StepRecord | undefined {
  return record.steps.find((s) => s.wait);
}

/** Background steps still to run (QUEUED, or RUNNING in some worker). */
export function liveBackgroundSteps(record: JourneyRecord): StepRecord[] {
  return record.steps.filter((s) => s.mode === 'background' && (s.status === 'QUEUED' || s.status === 'RUNNING'));
}

/** Whether anything is left to do: recovery watches such journeys (the `journeys:active` index). */
export function needsWork(record: JourneyRecord): boolean {
  return !isTerminal(record.status) || liveBackgroundSteps(record).length > 0;
}

/**
 * A takeover: the attempts that were under way when the previous worker died are recorded as lost (outcome unknown,
 * worker = the previous owner), so the record shows the crash and the retry budget counts them.
 */
export function withLostAttempts(record: JourneyRecord, previousOwner: string): JourneyRecord {
  let next = record;
  for (const step of record.steps) {
    if (step.mode !== 'critical') continue;
    // A waiting step had nothing under way (its wake-up job was lost, or is late): the taker ends the wait and checks.
    if (step.wait) {
      next = withStep(next, step.name, { wait: null });
      continue;
    }
    const kind: AttemptKind | null = step.status === 'RUNNING' ? 'run' : step.status === 'COMPENSATING' ? 'compensate' : null;
    if (!kind) continue;
    const last = lastAttempt(step);
    next = withAttempt(next, step.name, {
      kind,
      startedAt: last?.endedAt ?? step.startedAt ?? record.updatedAt,
      endedAt: now(),
      outcome: 'TIMED_OUT',
      errorCode: WORKER_LOST,
      worker: previousOwner,
    });
  }
  return next;
}

export function appendReason(existing: string | null, more: string): string {
  return existing ? `${existing}; ${more}` : more;
}
