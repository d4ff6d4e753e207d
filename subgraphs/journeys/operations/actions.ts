import { createHash } from 'node:crypto';
import type { AuditSink } from '../../../lib/audit.js';
import { badUserInput, BankError, ErrorCode, forbidden } from '../../../lib/errors.js';
import type { Logger } from '../../../lib/log.js';
import { describePrincipal, type Principal } from '../../../lib/principal.js';
import { requestHashOf } from '../engine/ids.js';
import { withResult } from '../engine/result.js';
import { checkedKey } from '../idempotency-key.js';
import { applyIntervention, checkApplicable, stepToCheck, stuckStep, type Intervention } from '../engine/intervention.js';
import { actionsTotal } from '../engine/metrics.js';
import { now } from '../engine/record.js';
import { JourneyNotFound } from '../engine/store.js';
import type { Json, JourneyActionKind, JourneyActionRecord, JourneyEngine, JourneyRecord, JourneyResolution } from '../engine/types.js';

/**
 * Four-eyes actions on parked journeys. One operations staff member asks for an action (retry the stuck step, resolve
 * the journey as they found it in the legacy system, undo the completed steps) with a reason; it takes effect only
 * when a second operations staff member approves it, before it expires. The action lives in the journey's record, so
 * the request, the approval and the change they make are each one compare-and-set: two approvals racing apply once.
 *
 *   request   idempotent per (journey, requester, key): a replay answers the same action, a different request with
 *             the same key is IDEMPOTENCY_KEY_REUSED; refused when the journey is not parked (JOURNEY_NOT_PARKED),
 *             when the action does not apply (ACTION_NOT_APPLICABLE), or while another awaits approval
 *             (ACTION_ALREADY_PENDING)
 *   approve   never by the requester (FOUR_EYES_REQUIRED); refused once expired (ACTION_EXPIRED) or decided by
 *             someone else (ACTION_NOT_PENDING); the same approver approving again answers as before
 *   decline   the same rules, except that the requester may withdraw their own (WITHDRAWN) while nobody decided;
 *             the journey stays parked
 *
 * Each request and decision written is an audit event (kind `journey-action`) and counted in
 * bankgraph_journey_actions_total; refusals are counted by code.
 */

export const MAX_REASON_LENGTH = 1000;

export interface JourneyActionRequest {
  readonly journeyId: string;
  readonly kind: JourneyActionKind;
  readonly resolution: JourneyResolution | null;
  readonly reason: string;
}

export interface ActionAnswer {
  readonly action: JourneyActionRecord;
  readonly journey: JourneyRecord;
}

export interface JourneyActionsOptions {
  readonly engine: JourneyEngine;
  readonly audit: AuditSink;
  readonly logger: Logger;
  /** How long an action waits for approval. */
  readonly approvalTtlMs: number;
  /** Names this worker in audit events (`journeys:<worker>`). */
  readonly workerId: string;
}

type Staff = Extract<Principal, { kind: 'staff' }>;

export class JourneyActions {
  constructor(private readonly o: JourneyActionsOptions) {}

  async request(principal: Principal, idempotencyKey: string, input: JourneyActionRequest, requestId: string | null = null): Promise<ActionAnswer> {
    const staff = operations(principal);
    const reason = checkedReason(input.reason, 'input.reason', true);
    if (input.kind === 'RESOLVE' && input.resolution === null) throw badUserInput('input.resolution', 'RESOLVE needs a resolution: COMPLETED or UNDONE, as found in the legacy system.');
    if (input.kind !== 'RESOLVE' && input.resolution !== null) throw badUserInput('input.resolution', `A resolution goes with RESOLVE only, not ${input.kind}.`);
    const key = checkedKey(idempotencyKey);
    const id = actionIdOf(input.journeyId, staff.staffId, key);
    const requestHash = requestHashOf(input.kind, { resolution: input.resolution, reason });
    let created: JourneyActionRecord | undefined;
    let expiredNow: JourneyActionRecord[] = [];
    const journey = await this.counted(input.kind, () =>
      this.o.engine.annotate(input.journeyId, (current) => {
        // decide may run again after a lost compare-and-set: only the round that is written counts.
        created = undefined;
        expiredNow = [];
        const existing = current.actions?.find((a) => a.id === id);
        if (existing) {
          if (existing.requestHash !== requestHash) {
            throw new BankError(ErrorCode.IDEMPOTENCY_KEY_REUSED, 'This idempotency key was already used for a different action on this journey.', { extensions: { actionId: id } });
          }
          return null;
        }
        checkApplicable(this.o.engine.flowOf(current.type), current, input.kind, input.resolution);
        const at = now();
        const pending = current.actions?.find((a) => a.status === 'AWAITING_APPROVAL' && !expired(a, Date.now()));
        if (pending) {
          throw new BankError(ErrorCode.ACTION_ALREADY_PENDING, `Action ${pending.id} (${pending.kind}) already awaits approval: approve or decline it first.`, { extensions: { actionId: pending.id } });
        }
        // Expired ones are recorded as such in this write (and counted once it is written), so nobody counts them again.
        expiredNow = (current.actions ?? []).filter((a) => a.status === 'AWAITING_APPROVAL');
        created = {
          id,
          kind: input.kind,
          resolution: input.resolution,
          step: input.kind === 'RETRY_STEP' ? (stuckStep(current)?.name ?? null) : null,
          reason,
          status: 'AWAITING_APPROVAL',
          requestedBy: staff.staffId,
          requestedAt: at,
          expiresAt: new Date(Date.now() + this.o.approvalTtlMs).toISOString(),
          requestHash,
          parkedReason: current.reason,
          parkedSince: current.statusSince ?? current.createdAt,
          decidedBy: null,
          decidedAt: null,
          decisionReason: null,
        };
        const actions = (current.actions ?? []).map((a) => (a.status === 'AWAITING_APPROVAL' ? { ...a, status: 'EXPIRED' as const } : a));
        return { ...current, actions: [...actions, created] };
      }),
    );
    const action = actionOf(journey, id);
    if (created) {
      for (const stale of expiredNow) actionsTotal.inc({ kind: stale.kind, decision: 'expired', code: '' });
      actionsTotal.inc({ kind: action.kind, decision: 'requested', code: '' });
      await this.audited(staff, 'requestJourneyAction', journey, action, action.status, requestId);
    }
    return { action, journey };
  }

  async approve(principal: Principal, journeyId: string, actionId: string, reason: string | null, waitMs?: number, requestId: string | null = null): Promise<ActionAnswer> {
    const staff = operations(principal);
    const why = reason === null ? null : checkedReason(reason, 'reason', false);
    let kind: JourneyActionKind = 'RETRY_STEP';
    let applied = false;
    // An undo, or a resolution as completed, depends on what became of the stuck step: the legacy system is asked
    // first (its answer recorded in the step's story), and its word beats the person's.
    const output = await this.counted(() => kind, () => this.checkFirst(staff, journeyId, actionId, (k) => (kind = k)));
    const journey = await this.counted(
      () => kind,
      () =>
        this.o.engine.intervene(
          journeyId,
          (current, flow) => {
            applied = false;
            const action = decidable(current, actionId, staff, 'APPLIED');
            kind = action?.kind ?? actionOf(current, actionId).kind;
            if (action === null) return null;
            if (!flow) throw new BankError(ErrorCode.ACTION_NOT_APPLICABLE, `No worker here knows journeys of type ${current.type}.`);
            const next = applyIntervention(flow, current, interventionOf(action, output), action.id, (r) => withResult(this.o, flow, r));
            applied = true;
            return { ...next, actions: decided(next, action.id, { status: 'APPLIED', decidedBy: staff.staffId, decidedAt: now(), decisionReason: why }) };
          },
          waitMs,
        ),
    );
    const action = actionOf(journey, actionId);
    if (applied) {
      actionsTotal.inc({ kind: action.kind, decision: 'applied', code: '' });
      this.o.logger.warn({ journeyId, actionId, kind: action.kind, requestedBy: action.requestedBy, approvedBy: staff.staffId }, 'a person\'s action on a parked journey was approved and carried out');
      await this.audited(staff, 'approveJourneyAction', journey, action, action.status, requestId);
    }
    return { action, journey };
  }

  /**
   * Before an UNDO or a RESOLVE as COMPLETED: the action checked as the approval will check it (so a refused approval
   * asks nothing), then the stuck step's legacy system asked. UNDO of a step whose effect happened, or RESOLVE as
   * COMPLETED of one the system has no trace of, is refused; a system that cannot answer now is UPSTREAM_UNAVAILABLE
   * (try again). Returns the step's output as the system reported it, for RESOLVE.
   */
  private async checkFirst(staff: Staff, journeyId: string, actionId: string, setKind: (kind: JourneyActionKind) => void): Promise<Json | undefined> {
    const current = await this.o.engine.get(journeyId);
    if (!current) throw new JourneyNotFound(journeyId);
    const action = decidable(current, actionId, staff, 'APPLIED');
    setKind(actionOf(current, actionId).kind);
    if (action === null || action.kind === 'RETRY_STEP' || (action.kind === 'RESOLVE' && action.resolution === 'UNDONE')) return undefined;
    const flow = this.o.engine.flowOf(current.type);
    checkApplicable(flow, current, action.kind, action.resolution);
    const step = flow ? stepToCheck(flow, current) : undefined;
    if (!step) return undefined;
    const check = await this.o.engine.checkStep(journeyId, step.name);
    const reference = `${journeyId}.${step.name}`;
    if (check.verdict === 'unknown') {
      throw new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, `Could not ask the legacy system what became of ${reference}: approve again once it answers.`);
    }
    if (action.kind === 'UNDO' && check.verdict === 'found') {
      throw new BankError(
        ErrorCode.ACTION_NOT_APPLICABLE,
        `The legacy system has ${reference} (its effect happened): undoing the steps before it would refund a payment that went out. Decline this action; RETRY_STEP or RESOLVE as COMPLETED instead.`,
      );
    }
    if (action.kind === 'RESOLVE' && check.verdict === 'absent') {
      throw new BankError(
        ErrorCode.ACTION_NOT_APPLICABLE,
        `The legacy system has no trace of ${reference}: it did not happen. Decline this action; RETRY_STEP or RESOLVE as UNDONE instead.`,
      );
    }
    return check.verdict === 'found' ? check.output : undefined;
  }

  async decline(principal: Principal, journeyId: string, actionId: string, reason: string, requestId: string | null = null): Promise<ActionAnswer> {
    const staff = operations(principal);
    const why = checkedReason(reason, 'reason', true);
    let kind: JourneyActionKind = 'RETRY_STEP';
    let declined = false;
    const journey = await this.counted(
      () => kind,
      () =>
        this.o.engine.annotate(journeyId, (current) => {
          declined = false;
          kind = actionOf(current, actionId).kind;
          // Four eyes are for carrying an action out; taking back your own request needs none.
          const decision = actionOf(current, actionId).requestedBy === staff.staffId ? 'WITHDRAWN' : 'DECLINED';
          const action = decidable(current, actionId, staff, decision);
          if (action === null) return null;
          declined = true;
          return { ...current, actions: decided(current, action.id, { status: decision, decidedBy: staff.staffId, decidedAt: now(), decisionReason: why }) };
        }),
    );
    const action = actionOf(journey, actionId);
    if (declined) {
      actionsTotal.inc({ kind: action.kind, decision: action.status === 'WITHDRAWN' ? 'withdrawn' : 'declined', code: '' });
      await this.audited(staff, 'declineJourneyAction', journey, action, action.status, requestId);
    }
    return { action, journey };
  }

  /** Runs the write; a refusal is counted by code, an unknown journey is NOT_FOUND. */
  private async counted<T>(kind: JourneyActionKind | (() => JourneyActionKind), write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const k = typeof kind === 'function' ? kind() : kind;
      if (err instanceof JourneyNotFound) {
        actionsTotal.inc({ kind: k, decision: 'refused', code: ErrorCode.NOT_FOUND });
        throw new BankError(ErrorCode.NOT_FOUND, 'No journey has this id.');
      }
      if (err instanceof BankError) actionsTotal.inc({ kind: k, decision: 'refused', code: err.code });
      throw err;
    }
  }

  private async audited(staff: Staff, operation: string, journey: JourneyRecord, action: JourneyActionRecord, outcome: string, requestId: string | null): Promise<void> {
    try {
      await this.o.audit.record({
        at: now(),
        who: describePrincipal(staff),
        requestId: requestId || null,
        operation: `${operation}:${action.kind}`,
        kind: 'journey-action',
        ...(journey.customerId !== null ? { customerId: journey.customerId } : {}),
        outcome,
        from: `journeys:${this.o.workerId}`,
        journeyId: journey.id,
        actionId: action.id,
        previousStatus: 'NEEDS_ATTENTION',
      });
    } catch (err) {
      // The action is written in the journey's record (its own, permanent trail); the stream's copy is logged as lost.
      this.o.logger.error({ err, journeyId: journey.id, actionId: action.id }, 'the audit event of a journey action could not be recorded');
    }
  }
}

/** Operations staff only (the permission rule says so first; this keeps the module safe on its own). */
function operations(principal: Principal): Staff {
  if (principal.kind !== 'staff' || principal.role !== 'operations') throw forbidden('Only operations staff can act on journeys.');
  return principal;
}

/**
 * The action as `staff` may decide it now, or null when `staff` already decided it so (a replay: nothing to write).
 * Refusals: ACTION_NOT_FOUND, FOUR_EYES_REQUIRED, ACTION_NOT_PENDING, ACTION_EXPIRED.
 */
function decidable(record: JourneyRecord, actionId: string, staff: Staff, decision: 'APPLIED' | 'DECLINED' | 'WITHDRAWN'): JourneyActionRecord | null {
  const action = actionOf(record, actionId);
  if (action.status === decision && action.decidedBy === staff.staffId) return null;
  if (decision !== 'WITHDRAWN' && action.requestedBy === staff.staffId) {
    throw new BankError(ErrorCode.FOUR_EYES_REQUIRED, 'You asked for this action: a second member of operations staff must approve or decline it.');
  }
  if (action.status !== 'AWAITING_APPROVAL') {
    throw new BankError(ErrorCode.ACTION_NOT_PENDING, `The action was ${action.status.toLowerCase()} already by ${action.decidedBy ?? 'someone else'}.`);
  }
  if (expired(action, Date.now())) {
    throw new BankError(ErrorCode.ACTION_EXPIRED, `The action expired at ${action.expiresAt} without approval: request it again if it is still needed.`);
  }
  return action;
}

function actionOf(record: JourneyRecord, actionId: string): JourneyActionRecord {
  const action = record.actions?.find((a) => a.id === actionId);
  if (!action) throw new BankError(ErrorCode.ACTION_NOT_FOUND, 'The journey has no action with this id.');
  return action;
}

function decided(record: JourneyRecord, actionId: string, patch: Pick<JourneyActionRecord, 'status' | 'decidedBy' | 'decidedAt' | 'decisionReason'>): JourneyActionRecord[] {
  return (record.actions ?? []).map((a) => (a.id === actionId ? { ...a, ...patch } : a));
}

export function expired(action: JourneyActionRecord, at: number): boolean {
  return action.status === 'EXPIRED' || (action.status === 'AWAITING_APPROVAL' && Date.parse(action.expiresAt) <= at);
}

/** The status a client sees: an unapproved action past its expiry is EXPIRED (recorded so by the next request). */
export function visibleStatus(action: JourneyActionRecord, at = Date.now()): JourneyActionRecord['status'] {
  return expired(action, at) ? 'EXPIRED' : action.status;
}

function interventionOf(action: JourneyActionRecord, output: Json | undefined): Intervention {
  if (action.kind === 'RESOLVE') return { kind: 'RESOLVE', resolution: action.resolution ?? 'COMPLETED', ...(output !== undefined ? { output } : {}) };
  return { kind: action.kind };
}

/** `act_` + 128 bits of SHA-256(journey, requester, key), hex: the same request always names the same action. */
export function actionIdOf(journeyId: string, staffId: string, key: string): string {
  return `act_${createHash('sha256').update(`${journeyId}\n${staffId}\n${key}`, 'utf8').digest('hex').slice(0, 32)}`;
}

function checkedReason(reason: string, field: string, required: boolean): string {
  const text = reason.trim();
  if (required && text.length === 0) throw badUserInput(field, 'Say why: what you checked, with whom, and what you saw.');
  if (text.length > MAX_REASON_LENGTH) throw badUserInput(field, `A reason is at most ${MAX_REASON_LENGTH} characters, got ${text.length}.`);
  // Control characters would let a reason forge lines in the console and in logs.
  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text)) throw badUserInput(field, 'A reason cannot contain control characters.');
  return text;
}
