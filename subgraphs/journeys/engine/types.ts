import type { Principal } from '../../../lib/principal.js';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { StepCheck } from './check-step.js';
import type { JourneyPage, JourneyQuery, QueueCursor } from './queue-index.js';

/**
 * The journey engine's contract. A journey is a declared flow (an ordered list of steps) run durably: every
 * transition is persisted before the next step starts, every step gives the legacy system a reference derived from
 * the journey id and the step name (so running it again never repeats its effect), failures are retried or
 * compensated, and nothing ends silently. A new journey is a new flow file, never new engine code.
 */

/** JSON values: what records, inputs, step outputs and results are made of (they live in the store as JSON). */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// ---- lifecycles (discriminated by status; switches over them are exhaustive) ----------------------------------

/**
 * RUNNING: critical steps under way (or being retried).
 * COMPENSATING: a step failed for good; completed steps are being undone, newest first.
 * The status is the money status: what became of the money or the account the journey is about. Follow-ups
 * (background steps: notifications, card fulfilment) carry their own step status and never change it.
 *
 * COMPLETED: every critical step succeeded (follow-ups may still be QUEUED, and stay COMPLETED if one of them fails).
 * REJECTED: a business rule said no (KYC "consider", sanctions hit, a payout the rail refused) and whatever had been
 *   done was undone. Not an error: `reason` says why.
 * COMPENSATED: a technical failure ended the journey and every completed step was undone.
 * NEEDS_ATTENTION: money or an account is at stake (an undo kept failing, an outcome stayed unknown, a failure past
 *   a point of no return); a person must look. `reason` says what. A follow-up that gives up never leads here.
 */
export type JourneyStatus = 'RUNNING' | 'COMPENSATING' | 'COMPLETED' | 'REJECTED' | 'COMPENSATED' | 'NEEDS_ATTENTION';
export const TERMINAL_STATUSES: readonly JourneyStatus[] = ['COMPLETED', 'REJECTED', 'COMPENSATED', 'NEEDS_ATTENTION'];
export const JOURNEY_STATUSES: readonly JourneyStatus[] = ['RUNNING', 'COMPENSATING', ...TERMINAL_STATUSES];
export function isTerminal(status: JourneyStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export type StepStatus =
  | 'PENDING'
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'SKIPPED'
  /** A background step (a follow-up) waiting in the queue; FAILED once it gave up. */
  | 'QUEUED'
  | 'FAILED'
  | 'COMPENSATING'
  | 'COMPENSATED'
  | 'COMPENSATION_FAILED';

export type AttemptKind = 'run' | 'recover' | 'compensate';
export type AttemptOutcome = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'PENDING' | 'REJECTED';

export interface AttemptRecord {
  readonly number: number;
  readonly kind: AttemptKind;
  /** ISO 8601 date-times. */
  readonly startedAt: string;
  readonly endedAt: string;
  readonly outcome: AttemptOutcome;
  /** A public ErrorCode (or our own step code); never legacy text. */
  readonly errorCode: string | null;
  /** Which worker ran it (a lease owner id): shows takeovers after a crash. */
  readonly worker: string;
  /**
   * How many consecutive checks this entry stands for. A step that keeps answering "pending" is one entry, not one
   * per check: startedAt is the first check's start, endedAt the last check's end, worker the last check's. So
   * the record stays bounded however long the wait (a settlement after the cut-off: 36 h). Absent = 1.
   */
  readonly count?: number;
}

/**
 * A step waiting for its next check, released by every worker: a delayed job (queue.ts) wakes it at `until`.
 * `token` is the step's attempt count when it began to wait: the wake-up job names it, so a stale or duplicate job
 * claims nothing.
 */
export interface StepWait {
  /** ISO 8601 date-time of the next check. */
  readonly until: string;
  readonly token: number;
  /**
   * The trace of the run that began the wait (its first checks only): a wake-up, the delayed one or an early one that
   * news from outside asked for (checkNow), continues it rather than the trace of whoever brought the news.
   */
  readonly traceparent?: string;
}

export interface StepRecord {
  readonly name: string;
  readonly mode: StepMode;
  readonly status: StepStatus;
  /** Entries in order; consecutive "pending" checks share one entry (AttemptRecord.count). */
  readonly attempts: readonly AttemptRecord[];
  /** Set while the step waits for its next check, with no worker holding the journey. */
  readonly wait?: StepWait | null;
  /**
   * A check was asked for (JourneyEngine.checkNow) while the step had no wait to cut short (its check under way, or
   * not begun): the next wait it begins is zero, and clears this. (Engine addition.)
   */
  readonly recheck?: boolean;
  readonly startedAt: string | null;
  readonly endedAt: string | null;
  readonly errorCode: string | null;
  /**
   * Set when a person's approved action (operations/actions.ts) ran the step again or closed it: the step's retry
   * budgets count only the attempts from `fromAttempt` on, and `outcomeUnknown` makes the step ask the legacy system
   * what became of its reference before it runs again. (Engine addition.)
   */
  readonly manual?: ManualStepMark;
}

export interface ManualStepMark {
  /** Why: `retry` (run again), `resolved` (closed by a person as they found it in the legacy system). */
  readonly kind: 'retry' | 'resolved';
  /** Index into `attempts` from which the retry budgets count again. */
  readonly fromAttempt: number;
  readonly outcomeUnknown: boolean;
  /** The action (JourneyActionRecord.id) that did it. */
  readonly actionId: string;
  readonly at: string;
}

/** What a person can do about a parked journey (operations/actions.ts; the graph's JourneyActionKind). */
export type JourneyActionKind = 'RETRY_STEP' | 'RESOLVE' | 'UNDO';
export type JourneyResolution = 'COMPLETED' | 'UNDONE';

/**
 * A person's action on a journey, kept in the journey's record (so the action and its effect are one write) and
 * shown in its story. Requested by one operations staff member, carried out only once another approves it.
 */
export interface JourneyActionRecord {
  readonly id: string;
  readonly kind: JourneyActionKind;
  readonly resolution: JourneyResolution | null;
  /** RETRY_STEP: the step it runs again. */
  readonly step: string | null;
  readonly reason: string;
  /** Stored status; AWAITING_APPROVAL past expiresAt reads as EXPIRED. */
  readonly status: 'AWAITING_APPROVAL' | 'APPLIED' | 'DECLINED' | 'WITHDRAWN' | 'EXPIRED';
  /** The requester's staff id. */
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly expiresAt: string;
  /** SHA-256 of the request (kind, resolution, reason): a replay with the same key must match it. */
  readonly requestHash: string;
  /** Why the journey was parked when the action was asked for, and since when (for the time-to-resolve metric). */
  readonly parkedReason: string | null;
  readonly parkedSince: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
}

export interface Lease {
  /** Worker id of the process running the journey. */
  readonly owner: string;
  /** Epoch ms; after it, another worker may take the journey over. */
  readonly expiresAt: number;
}

export interface JourneyRecord {
  /** Derived from the principal and the idempotency key: the same request always has the same id. */
  readonly id: string;
  readonly type: string;
  /** Optimistic-concurrency counter: every write is a compare-and-set on the previous version. */
  readonly version: number;
  readonly principal: Principal;
  /** The customer the journey concerns (for Customer.journeys and access), when there is one. */
  readonly customerId: string | null;
  readonly idempotencyKey: string;
  /** SHA-256 of the journey type and the validated input: a replay must match it. */
  readonly requestHash: string;
  readonly input: Json;
  readonly status: JourneyStatus;
  readonly steps: readonly StepRecord[];
  /** Each succeeded step's output, by step name. */
  readonly state: Readonly<Record<string, Json>>;
  /** Set once the journey is terminal (the flow's `result`). */
  readonly result: Json | null;
  /** Why it was REJECTED or needs attention. */
  readonly reason: string | null;
  readonly errorCode: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * When the journey entered its current status (set by the store on every status change); absent on records written
   * before it existed, whose createdAt stands in. (Engine addition.)
   */
  readonly statusSince?: string;
  readonly lease: Lease | null;
  /**
   * Set when the journey enters COMPENSATING: what it becomes once every completed step is undone (REJECTED for a
   * business refusal; NEEDS_ATTENTION when the failed step's own outcome is unknown; COMPENSATED otherwise).
   * Persisted so that a worker taking over a compensation ends it the same way. (Engine addition.)
   */
  readonly afterCompensation?: 'REJECTED' | 'COMPENSATED' | 'NEEDS_ATTENTION';
  /** People's actions on the journey, oldest first (operations/actions.ts). Absent: none. (Engine addition.) */
  readonly actions?: readonly JourneyActionRecord[];
}

// ---- flows and steps -----------------------------------------------------------------------------------------

export type StepMode = 'critical' | 'background';

export interface RetryPolicy {
  /** Attempts in all, including the first. */
  readonly maxAttempts: number;
  /** First backoff; doubled each attempt, with full jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface StepContext<I extends Json = Json> {
  readonly journeyId: string;
  readonly input: I;
  /** Outputs of the steps that succeeded so far, by step name. */
  readonly state: Readonly<Record<string, Json>>;
  /**
   * The reference to give the legacy system: `<journeyId>.<step>` for run and recover, `<journeyId>.<step>.undo`
   * for compensate. Deterministic: the same step of the same journey always sends the same reference.
   */
  readonly reference: string;
  readonly attempt: number;
  readonly principal: Principal;
  /**
   * Aborted when the attempt has timed out or the engine is closing: pass it to HTTP calls so that an abandoned
   * attempt stops. (Engine addition; optional so that tests may build contexts by hand.)
   */
  readonly signal?: AbortSignal;
}

export interface StepDefinition<I extends Json = Json> {
  /** In the bank's language: `debitSourceAccount`, not `step3`. Unique within the flow. */
  readonly name: string;
  /**
   * Does the step. Must be safe to run again with the same `ctx.reference` (the legacy system dedupes on it, or the
   * step checks first). Its output is stored under `state[name]`.
   */
  run(ctx: StepContext<I>): Promise<Json>;
  /**
   * After a timeout the outcome is unknown: asks the legacy system what became of `ctx.reference`. Returns the
   * output if the step's effect happened, null if it did not (the step is then run again). Without it, a timed-out
   * step is simply run again (its reference makes that safe).
   */
  recover?(ctx: StepContext<I>): Promise<Json | null>;
  /** Undoes a succeeded step. Idempotent (uses its own reference) and retried; `output` is what run returned. */
  compensate?(ctx: StepContext<I>, output: Json): Promise<void>;
  /** Skipped (status SKIPPED) when true, e.g. no FX conversion when the currencies are the same. */
  skipIf?(ctx: StepContext<I>): boolean;
  /** @default { maxAttempts: 4, baseDelayMs: 50, maxDelayMs: 2000 } */
  readonly retry?: RetryPolicy;
  /** Longest one attempt may take before it counts as timed out (unknown outcome). @default 10000 */
  readonly timeoutMs?: number;
  /**
   * Critical steps run before the mutation answers. Background ones are follow-ups (a notification, card
   * fulfilment), queued once the journey is COMPLETED and retried there; one that gives up is FAILED on its own and
   * the journey stays COMPLETED, so a step that moves money or opens an account must be critical. @default 'critical'
   */
  readonly mode?: StepMode;
  /**
   * The step moves no money and changes nothing the journey would have to reconcile (a read, a screening, a quote,
   * a status poll, a record keyed by its reference that may be left behind). A timeout that retries cannot resolve is
   * then a plain failure (the journey compensates), not an unknown outcome for a person to check. @default false
   */
  readonly readOnly?: boolean;
  /**
   * What a failure of this step (other than a rejection) does to the journey. 'park' marks a point of no return: the
   * journey ends NEEDS_ATTENTION as it stands, nothing undone (a payout the rail accepted must not be refunded because
   * its settlement could not be confirmed). A rejection still compensates. @default 'compensate'
   */
  readonly onFailure?: 'compensate' | 'park';
  /**
   * How long in all a critical step may keep answering StepPending (measured from its first pending answer) before
   * it counts as a permanent failure. Pending answers do not use up `retry.maxAttempts`. (Engine addition.)
   * @default 60000
   */
  readonly pendingBudgetMs?: number;
  /**
   * Re-checks of a pending step back off: the first waits the step's retryAfterMs, each next one twice as long, up to
   * this cap (a larger retryAfterMs the step asks for is respected). Each wait is a delayed job: no worker is held.
   * (Engine addition.) @default 180000 (3 minutes)
   */
  readonly pendingMaxDelayMs?: number;
  /**
   * How `compensate` is retried before the journey is parked as NEEDS_ATTENTION, with equal jitter (each wait at
   * least half its ceiling), so that the default's waits span 7.75-15.5 s: longer than a connector breaker's open
   * period, which a failure just before compensation has often tripped. (Engine addition.)
   * @default { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 8000 }
   */
  readonly compensateRetry?: RetryPolicy;
}

export interface FlowDefinition<I extends Json = Json> {
  /** The journey type, e.g. ONBOARD_CUSTOMER. */
  readonly type: string;
  /**
   * Checks and normalises the raw input before anything starts (amounts positive and within precision and limits,
   * IBAN checksums...). Throws a BankError BAD_USER_INPUT naming the field; nothing is written then.
   */
  validate(raw: unknown, principal: Principal): I;
  /** The customer this journey concerns, if any. */
  customerOf(input: I, principal: Principal): string | null;
  readonly steps: readonly StepDefinition<I>[];
  /** The journey's result once it is terminal (ids of what it created, the rail that carried a payment...). */
  result(record: JourneyRecord): Json;
}

// ---- what steps throw --------------------------------------------------------------------------------------

/**
 * A business rule said no (KYC "consider", a sanctions hit, a payout the rail refused with a reason code). The
 * engine undoes the completed steps and ends the journey REJECTED with this reason. Not retried.
 */
export class StepRejected extends Error {
  override readonly name = 'StepRejected';
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Not done yet (an asynchronous check still running, a payment not settled): run again after `retryAfterMs`. */
export class StepPending extends Error {
  override readonly name = 'StepPending';
  constructor(
    readonly retryAfterMs: number,
    message = 'not finished yet',
  ) {
    super(message);
  }
}

/**
 * How the engine treats an error a step throws:
 *   StepRejected                                   -> rejected (compensate, REJECTED)
 *   StepPending                                    -> pending (run again later; does not use up attempts... up to the step timeout budget)
 *   UPSTREAM_TIMEOUT                               -> unknown outcome (recover, then retry)
 *   UPSTREAM_UNAVAILABLE, UPSTREAM_BAD_RESPONSE    -> transient (retry with backoff)
 *   anything else (UPSTREAM_REJECTED, NOT_FOUND, INSUFFICIENT_FUNDS, bugs) -> permanent (compensate, COMPENSATED)
 */
export type ErrorClass = 'rejected' | 'pending' | 'unknown-outcome' | 'transient' | 'permanent';

export function classifyStepError(err: unknown): ErrorClass {
  if (err instanceof StepRejected) return 'rejected';
  if (err instanceof StepPending) return 'pending';
  if (err instanceof BankError) {
    switch (err.code) {
      case ErrorCode.UPSTREAM_TIMEOUT:
        return 'unknown-outcome';
      case ErrorCode.UPSTREAM_UNAVAILABLE:
      case ErrorCode.UPSTREAM_BAD_RESPONSE:
        return 'transient';
      default:
        return 'permanent';
    }
  }
  return 'permanent';
}

/** The public code of an error, for attempt records: ours, never legacy text. */
export function errorCodeOf(err: unknown): string {
  if (err instanceof StepRejected) return err.code;
  if (err instanceof StepPending) return 'PENDING';
  if (err instanceof BankError) return err.code;
  return ErrorCode.INTERNAL_SERVER_ERROR;
}

// ---- the engine ----------------------------------------------------------------------------------------------

/**
 * What checkNow did: `woken` (the step's wait is cut short: a wake-up job is due now), `marked` (the step's check is
 * under way or not begun: its next wait will be zero), `not-waiting` (terminal, compensating, or past the step:
 * nothing to do), `unknown` (no such journey).
 */
export type CheckNowOutcome = 'woken' | 'marked' | 'not-waiting' | 'unknown';

export interface StartOptions {
  readonly principal: Principal;
  readonly idempotencyKey: string;
  /** Raw input; the flow validates it before anything is written. */
  readonly input: unknown;
  /** How long to wait for the critical steps before answering with the journey still RUNNING. */
  readonly waitMs?: number;
}

export interface JourneyEngine {
  /**
   * Starts a journey, or returns the existing one for the same principal and key (Stripe's semantics):
   * a replay with the same request returns the stored journey; the same key with another request is refused with
   * IDEMPOTENCY_KEY_REUSED; a duplicate that arrives while the first is still running waits for the same result
   * (up to waitMs) rather than failing. Answers when the critical steps are done, or after waitMs.
   */
  start(flow: FlowDefinition, options: StartOptions): Promise<JourneyRecord>;
  get(journeyId: string): Promise<JourneyRecord | null>;
  /** A customer's journeys, newest first. */
  listByCustomer(customerId: string): Promise<JourneyRecord[]>;
  /** Takes over journeys whose worker died (lease expired) and drives them to a terminal state. Returns how many. */
  recoverStalled(): Promise<number>;
  /**
   * News from outside (a rail's pushed status report, a vendor's webhook) about the journey's pending `step`: check it
   * now rather than at the end of its back-off (engine/check-now.ts). Through the queue, so any worker may do it.
   * The step still decides from its own check; for a journey that is unknown, terminal or past the step, nothing.
   */
  checkNow(journeyId: string, step: string): Promise<CheckNowOutcome>;
  /**
   * One page of the operations work queue, newest first, from the store's indexes (queue-index.ts). `after` is the
   * previous page's `next`.
   */
  list(query: JourneyQuery, first: number, after: QueueCursor | null): Promise<JourneyPage>;
  /** Journeys per status and per type, and parked per type, from the indexes. */
  count(): Promise<JourneyCounts>;
  /** The registered flow of a journey type (undefined when this worker does not know it). */
  flowOf(type: string): FlowDefinition | undefined;
  /**
   * A write about the journey that is not the engine's own (a person's action requested or declined): decide the
   * next record from the current one, compare-and-set like every write. Throws what `decide` throws.
   */
  annotate(journeyId: string, decide: (current: JourneyRecord) => JourneyRecord | null): Promise<JourneyRecord>;
  /**
   * A person's approved action carried out (operations/actions.ts, intervention.ts): `decide` returns the next
   * record (or null: nothing to do, e.g. a replayed approval), written with this worker's lease when it is not
   * terminal; the engine then drives the journey on and answers, like start, once it is terminal or after waitMs.
   */
  intervene(journeyId: string, decide: (current: JourneyRecord, flow: FlowDefinition | undefined) => JourneyRecord | null, waitMs?: number): Promise<JourneyRecord>;
  /**
   * Asks the legacy system, once, through the step's `recover`, what became of a parked journey's step (check-step.ts),
   * recording the question as an attempt: before an action that depends on the answer is carried out.
   */
  checkStep(journeyId: string, step: string): Promise<StepCheck>;
  /** Stops workers and timers; leaves running journeys for another worker to recover. */
  close(): Promise<void>;
}

export interface JourneyCounts {
  readonly byStatus: ReadonlyMap<JourneyStatus, number>;
  readonly byType: ReadonlyMap<string, number>;
  readonly parkedByType: ReadonlyMap<string, number>;
}
