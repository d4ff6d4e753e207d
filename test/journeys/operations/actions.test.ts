import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MemoryAuditSink } from '../../../lib/audit.js';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import type { Principal } from '../../../lib/principal.js';
import type { JourneyEngineHandle } from '../../../subgraphs/journeys/engine/engine.js';
import { actionsTotal, resolutionSeconds } from '../../../subgraphs/journeys/engine/metrics.js';
import type { FlowDefinition, Json, JourneyRecord, StepDefinition } from '../../../subgraphs/journeys/engine/types.js';
import { JourneyActions, type JourneyActionRequest } from '../../../subgraphs/journeys/operations/actions.js';
import { availableActions } from '../../../subgraphs/journeys/engine/intervention.js';
import {
  CUSTOMER,
  Ledger,
  STORES,
  counterValue,
  eventually,
  ledgerStep,
  newKey,
  testEngine,
  toyFlow,
  unavailable,
  type StoreUnderTest,
} from '../engine/fixtures.js';

/**
 * Four-eyes actions on parked journeys (subgraphs/journeys/operations/actions.ts), on the real engine over each real
 * store, with toy flows whose steps write to a ledger that dedupes by reference as a legacy system does: a payout
 * whose answer is lost while the rail's status query is down parks the journey; people then retry it, resolve it or
 * undo it. Every refusal has its code, and nothing happens twice.
 */

const alice: Principal = { kind: 'staff', role: 'operations', staffId: 'ops-alice' };
const bob: Principal = { kind: 'staff', role: 'operations', staffId: 'ops-bob' };
const carol: Principal = { kind: 'staff', role: 'operations', staffId: 'ops-carol' };
const support: Principal = { kind: 'staff', role: 'support', staffId: 'sup-dan' };

/**
 * A rail that can be taken down: while down, status queries fail and a payout is lost on the way back (`lost:
 * 'answer'`: the rail has it, its answer is lost) or on the way there (`lost: 'request'`: the rail never had it).
 */
class Rail {
  down = true;
  lost: 'answer' | 'request' = 'answer';
  constructor(readonly ledger: Ledger) {}
}

/** debit, then payOut (outcome unknown while the rail is down), `after` steps, then a notification follow-up. */
function paymentFlow(rail: Rail, notified: string[], after: StepDefinition[] = []): FlowDefinition {
  const ledger = rail.ledger;
  return toyFlow([
    ledgerStep(ledger, 'debit'),
    {
      name: 'payOut',
      retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
      compensateRetry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
      run: async (ctx) => {
        if (rail.down && rail.lost === 'request') throw unavailable();
        const effect = ledger.apply(ctx.reference, { paid: (ctx.input as { amount: number }).amount });
        if (rail.down) throw unavailable();
        return effect;
      },
      recover: async (ctx) => {
        if (rail.down) throw unavailable();
        return ledger.find(ctx.reference);
      },
      compensate: async (ctx) => {
        ledger.apply(ctx.reference);
      },
    },
    ...after,
    {
      name: 'notify',
      mode: 'background',
      retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
      run: async (ctx) => {
        notified.push(ctx.journeyId);
        return { sent: true };
      },
    },
  ]);
}

for (const kind of STORES) {
  describe(`four-eyes actions on parked journeys (${kind.name} store)`, () => {
    let store: StoreUnderTest;
    let engine: JourneyEngineHandle | undefined;
    let audit: MemoryAuditSink;

    beforeAll(async () => {
      store = await kind.make();
    });
    afterAll(async () => {
      await store.cleanup();
    });
    afterEach(async () => {
      await engine?.close();
      engine = undefined;
    });

    function setUp(flow: FlowDefinition, approvalTtlMs = 60_000) {
      engine = testEngine(store.kv, [flow]);
      audit = new MemoryAuditSink();
      const actions = new JourneyActions({ engine, audit, logger: pino({ level: 'silent' }), approvalTtlMs, workerId: engine.workerId });
      return { engine, actions };
    }

    async function parked(e: JourneyEngineHandle, flow: FlowDefinition): Promise<JourneyRecord> {
      const record = await e.start(flow, { principal: CUSTOMER, idempotencyKey: newKey('pay'), input: { amount: 25 } });
      expect(record.status).toBe('NEEDS_ATTENTION');
      return record;
    }

    const retry = (journeyId: string, reason = 'rail confirmed the outage is over; status query works again'): JourneyActionRequest => ({
      journeyId,
      kind: 'RETRY_STEP',
      resolution: null,
      reason,
    });

    it('a retry asked for by one person and approved by another asks the rail first and completes: paid once, follow-ups run', async () => {
      const rail = new Rail(new Ledger());
      const notified: string[] = [];
      const flow = paymentFlow(rail, notified);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      expect(journey.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'FAILED', 'PENDING']);
      const paidBefore = rail.ledger.callsEndingWith('.payOut');

      const requested = await actions.request(alice, newKey('act'), retry(journey.id));
      expect(requested.action).toMatchObject({ kind: 'RETRY_STEP', step: 'payOut', status: 'AWAITING_APPROVAL', requestedBy: 'ops-alice' });
      expect(requested.action.parkedReason).toMatch(/payOut/);
      // Requested is not done: the journey is still parked.
      expect((await e.get(journey.id))!.status).toBe('NEEDS_ATTENTION');

      rail.down = false;
      const approved = await actions.approve(bob, journey.id, requested.action.id, 'checked with the rail desk');
      expect(approved.action).toMatchObject({ status: 'APPLIED', decidedBy: 'ops-bob', decisionReason: 'checked with the rail desk' });
      expect(approved.journey.status).toBe('COMPLETED');
      const payOut = approved.journey.steps.find((s) => s.name === 'payOut')!;
      // Asked first (recover found the effect that landed while the rail was down): not run again.
      expect(payOut.attempts.slice(payOut.manual!.fromAttempt).map((a) => [a.kind, a.outcome])).toEqual([['recover', 'SUCCEEDED']]);
      expect(rail.ledger.callsEndingWith('.payOut')).toBe(paidBefore);
      expect(rail.ledger.effectsEndingWith('.payOut')).toBe(1);
      expect(rail.ledger.effectsEndingWith('.debit.undo')).toBe(0);
      await eventually(async () => notified.includes(journey.id), 5_000, 'the follow-up');

      // Audited, each of them: who asked, who approved, which journey and action.
      expect(audit.events.map((ev) => [ev.kind, ev.who, ev.operation, ev.outcome, ev.journeyId, ev.actionId])).toEqual([
        ['journey-action', 'staff:operations:ops-alice', 'requestJourneyAction:RETRY_STEP', 'AWAITING_APPROVAL', journey.id, requested.action.id],
        ['journey-action', 'staff:operations:ops-bob', 'approveJourneyAction:RETRY_STEP', 'APPLIED', journey.id, requested.action.id],
      ]);
      const { values } = await resolutionSeconds.get();
      expect(values.some((v) => v.labels.type === flow.type && v.labels.status === 'COMPLETED' && String(v.metricName).endsWith('_count') && v.value === 1)).toBe(true);
    });

    it('refuses with a code: the requester approving, other roles, a second pending action, a reused key; a replay answers the same', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const key = newKey('act');
      const first = await actions.request(alice, key, retry(journey.id));
      const before = (await e.get(journey.id))!;

      // The same request again (a client retrying): the same action, nothing written, nothing audited twice.
      const replay = await actions.request(alice, key, retry(journey.id));
      expect(replay.action).toEqual(first.action);
      expect((await e.get(journey.id))!.version).toBe(before.version);
      expect(audit.events).toHaveLength(1);
      await expect(actions.request(alice, key, retry(journey.id, 'another reason'))).rejects.toMatchObject({ code: ErrorCode.IDEMPOTENCY_KEY_REUSED });
      await expect(actions.request(bob, newKey('act'), { journeyId: journey.id, kind: 'UNDO', resolution: null, reason: 'undo it' })).rejects.toMatchObject({
        code: ErrorCode.ACTION_ALREADY_PENDING,
      });

      await expect(actions.approve(alice, journey.id, first.action.id, null)).rejects.toMatchObject({ code: ErrorCode.FOUR_EYES_REQUIRED });
      await expect(actions.approve(support, journey.id, first.action.id, null)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(actions.approve(CUSTOMER, journey.id, first.action.id, null)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(actions.request(support, newKey('act'), retry(journey.id))).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(actions.approve(bob, journey.id, 'act_nope', null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_FOUND });
      await expect(actions.approve(bob, 'jrn_unknown', first.action.id, null)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
      // Bad input: nothing is written.
      await expect(actions.request(bob, newKey('act'), { ...retry(journey.id), reason: '   ' })).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
      await expect(actions.request(bob, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: null, reason: 'done' })).rejects.toMatchObject({
        code: ErrorCode.BAD_USER_INPUT,
      });
      expect((await e.get(journey.id))!.actions).toHaveLength(1);
      expect((await e.get(journey.id))!.status).toBe('NEEDS_ATTENTION');

      rail.down = false;
      const applied = await actions.approve(bob, journey.id, first.action.id, null);
      expect(applied.journey.status).toBe('COMPLETED');
      // Approving again what you approved answers as before; a third person finds it decided.
      const again = await actions.approve(bob, journey.id, first.action.id, null);
      expect(again.action).toEqual(applied.action);
      await expect(actions.approve(carol, journey.id, first.action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_PENDING });
      // The journey is no longer parked: a new action is refused.
      await expect(actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: 'COMPLETED', reason: 'x' })).rejects.toMatchObject({
        code: ErrorCode.JOURNEY_NOT_PARKED,
      });
      expect(rail.ledger.effectsEndingWith('.payOut')).toBe(1);
    });

    it('two approvers at once apply the action once; the other is told it was decided', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), retry(journey.id));
      rail.down = false;
      const results = await Promise.allSettled([actions.approve(bob, journey.id, action.id, null), actions.approve(carol, journey.id, action.id, null)]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason).toMatchObject({ code: ErrorCode.ACTION_NOT_PENDING });
      expect((await e.get(journey.id))!.status).toBe('COMPLETED');
      expect(audit.events.filter((ev) => ev.operation.startsWith('approve'))).toHaveLength(1);
      expect(rail.ledger.effectsEndingWith('.payOut')).toBe(1);
    });

    it('an approval after the action expired is refused, and the journey stays parked; a new request may follow', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow, 1);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), retry(journey.id));
      await new Promise((r) => setTimeout(r, 5));
      const refusedBefore = await counterValue(actionsTotal, { kind: 'RETRY_STEP', decision: 'refused', code: ErrorCode.ACTION_EXPIRED });
      const expiredBefore = await counterValue(actionsTotal, { kind: 'RETRY_STEP', decision: 'expired', code: '' });
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_EXPIRED });
      await expect(actions.approve(carol, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_EXPIRED });
      expect(await counterValue(actionsTotal, { kind: 'RETRY_STEP', decision: 'refused', code: ErrorCode.ACTION_EXPIRED })).toBe(refusedBefore + 2);
      expect((await e.get(journey.id))!.status).toBe('NEEDS_ATTENTION');
      // An expired action no longer blocks: asking again is allowed, and records the expiry (counted once).
      const second = await actions.request(bob, newKey('act'), retry(journey.id));
      expect(second.action.status).toBe('AWAITING_APPROVAL');
      expect(second.journey.actions?.map((a) => a.status)).toEqual(['EXPIRED', 'AWAITING_APPROVAL']);
      expect(await counterValue(actionsTotal, { kind: 'RETRY_STEP', decision: 'expired', code: '' })).toBe(expiredBefore + 1);
    });

    it('the requester may withdraw their own request (no second person needed); then another may be asked for', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), retry(journey.id));
      const withdrawn = await actions.decline(alice, journey.id, action.id, 'asked too early: the rail desk has not answered yet');
      expect(withdrawn.action).toMatchObject({ status: 'WITHDRAWN', decidedBy: 'ops-alice' });
      expect((await actions.decline(alice, journey.id, action.id, 'again')).action).toEqual(withdrawn.action);
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_PENDING });
      const next = await actions.request(bob, newKey('act'), retry(journey.id));
      expect(next.action.status).toBe('AWAITING_APPROVAL');
      expect(audit.events.map((ev) => ev.operation)).toEqual(['requestJourneyAction:RETRY_STEP', 'declineJourneyAction:RETRY_STEP', 'requestJourneyAction:RETRY_STEP']);
    });

    it('a declined action changes nothing; the journey stays parked for another decision', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'UNDO', resolution: null, reason: 'refund the customer' });
      const declined = await actions.decline(bob, journey.id, action.id, 'the rail says the payout went out: do not refund');
      expect(declined.action).toMatchObject({ status: 'DECLINED', decidedBy: 'ops-bob' });
      expect(declined.journey.status).toBe('NEEDS_ATTENTION');
      expect(rail.ledger.effectsEndingWith('.debit.undo')).toBe(0);
      await expect(actions.approve(carol, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_PENDING });
    });

    it('RESOLVE as COMPLETED closes the journey as the person found it: nothing run, nothing undone, the follow-ups sent', async () => {
      const rail = new Rail(new Ledger());
      const notified: string[] = [];
      const flow = paymentFlow(rail, notified);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const calls = rail.ledger.calls.length;
      const { action } = await actions.request(alice, newKey('act'), {
        journeyId: journey.id,
        kind: 'RESOLVE',
        resolution: 'COMPLETED',
        reason: 'rail desk confirms EndToEndId settled on their side (ticket 4711)',
      });
      // While the rail cannot be asked, the approval cannot be carried out: try again later.
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE });
      rail.down = false;
      const { journey: done } = await actions.approve(bob, journey.id, action.id, null);
      expect(done.status).toBe('COMPLETED');
      expect(done.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'QUEUED']);
      expect(done.steps[1]!.manual).toMatchObject({ kind: 'resolved', actionId: action.id });
      // The payout's output is the rail's own answer (asked, not run again), so the follow-ups and the result have it.
      expect(done.state.payOut).toEqual({ paid: 25 });
      expect(done.steps[1]!.attempts.slice(-2).map((a) => [a.kind, a.outcome])).toEqual([
        ['recover', 'FAILED'],
        ['recover', 'SUCCEEDED'],
      ]);
      expect(rail.ledger.calls.length).toBe(calls);
      await eventually(async () => notified.includes(journey.id), 5_000, 'the follow-up');
    });

    it('RESOLVE as UNDONE closes it COMPENSATED without calling anything (refunded out of band)', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const calls = rail.ledger.calls.length;
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: 'UNDONE', reason: 'recalled and refunded by hand' });
      const { journey: done } = await actions.approve(bob, journey.id, action.id, null);
      expect(done.status).toBe('COMPENSATED');
      expect(done.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'COMPENSATED', 'PENDING']);
      expect(rail.ledger.calls.length).toBe(calls);
      expect(await e.journeys.list({ status: 'NEEDS_ATTENTION', type: flow.type }, 10, null)).toEqual({ records: [], next: null });
    });

    it('UNDO undoes the completed steps with their undo references and leaves the stuck step failed', async () => {
      const rail = new Rail(new Ledger());
      rail.lost = 'request';
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'UNDO', resolution: null, reason: 'rail confirms it never received the payout' });
      rail.down = false;
      const { journey: done } = await actions.approve(bob, journey.id, action.id, null);
      expect(done.status).toBe('COMPENSATED');
      expect(done.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'FAILED', 'PENDING']);
      // The rail was asked first, and had nothing under the payout's reference.
      expect(done.steps[1]!.attempts.some((a) => a.kind === 'recover' && a.errorCode === ErrorCode.NOT_FOUND)).toBe(true);
      expect(rail.ledger.effectsEndingWith('.debit.undo')).toBe(1);
      expect(rail.ledger.effectsEndingWith('.payOut.undo')).toBe(0);
    });

    it('UNDO is refused when the rail has the payout (its effect happened): nothing is refunded', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'UNDO', resolution: null, reason: 'I think it never went out' });
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.UPSTREAM_UNAVAILABLE });
      rail.down = false;
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_APPLICABLE });
      const after = (await e.get(journey.id))!;
      expect(after.status).toBe('NEEDS_ATTENTION');
      expect(after.actions?.[0]?.status).toBe('AWAITING_APPROVAL');
      expect(rail.ledger.effectsEndingWith('.debit.undo')).toBe(0);
    });

    it('RESOLVE as COMPLETED is refused when the rail has no trace of the payout', async () => {
      const rail = new Rail(new Ledger());
      rail.lost = 'request';
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: 'COMPLETED', reason: 'looks paid to me' });
      rail.down = false;
      await expect(actions.approve(bob, journey.id, action.id, null)).rejects.toMatchObject({ code: ErrorCode.ACTION_NOT_APPLICABLE });
      expect((await e.get(journey.id))!.status).toBe('NEEDS_ATTENTION');
    });

    it('RESOLVE as COMPLETED of a step with steps after it runs them: nothing is skipped on a person\'s word', async () => {
      const rail = new Rail(new Ledger());
      const flow = paymentFlow(rail, [], [ledgerStep(rail.ledger, 'settle')]);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const { action } = await actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: 'COMPLETED', reason: 'rail desk: paid' });
      rail.down = false;
      const { journey: done } = await actions.approve(bob, journey.id, action.id, null);
      expect(done.status).toBe('COMPLETED');
      expect(done.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED', 'QUEUED']);
      expect(rail.ledger.effectsEndingWith('.settle')).toBe(1);
    });

    it('UNDO is refused past the point of no return (the payout went out; only settlement is in doubt)', async () => {
      const ledger = new Ledger();
      const flow = toyFlow([
        ledgerStep(ledger, 'debit'),
        { name: 'payOut', retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, run: async (ctx) => ledger.apply(ctx.reference) },
        { name: 'awaitSettlement', readOnly: true, onFailure: 'park', retry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 }, run: () => Promise.reject(unavailable()) },
      ]);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      const story = await e.get(journey.id);
      expect(availableActions(flow, story!)).toEqual(['RETRY_STEP', 'RESOLVE']);
      await expect(actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'UNDO', resolution: null, reason: 'refund' })).rejects.toMatchObject({
        code: ErrorCode.ACTION_NOT_APPLICABLE,
      });
      expect(ledger.effectsEndingWith('.debit.undo')).toBe(0);
    });

    it('a retry of an undo that kept failing runs that undo again and finishes the compensation', async () => {
      const ledger = new Ledger();
      let undoDown = true;
      const flow = toyFlow([
        ledgerStep(ledger, 'openAccount'),
        ledgerStep(ledger, 'debit', {
          compensate: async (ctx) => {
            if (undoDown) throw unavailable();
            ledger.apply(ctx.reference);
          },
          compensateRetry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 },
        }),
        ledgerStep(ledger, 'payOut', { run: async () => Promise.reject(new BankError(ErrorCode.UPSTREAM_REJECTED, 'no')) }),
      ]);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      expect(journey.steps.map((s) => s.status)).toEqual(['SUCCEEDED', 'COMPENSATION_FAILED', 'FAILED']);
      const { action } = await actions.request(alice, newKey('act'), retry(journey.id, 'core banking is back'));
      expect(action.step).toBe('debit');
      undoDown = false;
      const { journey: done } = await actions.approve(bob, journey.id, action.id, null);
      expect(done.status).toBe('COMPENSATED');
      expect(done.steps.map((s) => s.status)).toEqual(['COMPENSATED', 'COMPENSATED', 'FAILED']);
      expect(ledger.effectsEndingWith('.debit.undo')).toBe(1);
      expect(ledger.effectsEndingWith('.openAccount.undo')).toBe(1);
    });

    it('a journey that was being undone cannot be resolved as COMPLETED', async () => {
      const ledger = new Ledger();
      const flow = toyFlow([
        ledgerStep(ledger, 'openAccount'),
        ledgerStep(ledger, 'debit', { compensate: async () => Promise.reject(unavailable()), compensateRetry: { maxAttempts: 2, baseDelayMs: 2, maxDelayMs: 5 } }),
        ledgerStep(ledger, 'payOut', { run: async () => Promise.reject(new BankError(ErrorCode.UPSTREAM_REJECTED, 'no')) }),
      ]);
      const { engine: e, actions } = setUp(flow);
      const journey = await parked(e, flow);
      await expect(actions.request(alice, newKey('act'), { journeyId: journey.id, kind: 'RESOLVE', resolution: 'COMPLETED', reason: 'x' })).rejects.toMatchObject({
        code: ErrorCode.ACTION_NOT_APPLICABLE,
      });
    });

    it('an action that does not apply is refused: nothing to retry on a journey not stopped on a step', async () => {
      const rail = new Rail(new Ledger());
      rail.down = false;
      const flow = paymentFlow(rail, []);
      const { engine: e, actions } = setUp(flow);
      const done = await e.start(flow, { principal: CUSTOMER, idempotencyKey: newKey('pay'), input: { amount: 5 } as Json });
      expect(done.status).toBe('COMPLETED');
      await expect(actions.request(alice, newKey('act'), retry(done.id))).rejects.toMatchObject({ code: ErrorCode.JOURNEY_NOT_PARKED });
    });
  });
}
