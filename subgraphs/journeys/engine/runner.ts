import { withLogContext } from '../../../lib/telemetry/log-context.js';
import { inSpan } from '../../../lib/telemetry/spans.js';
import { enqueueBackground } from './background.js';
import { compensate } from './compensation.js';
import { EngineClosed, flowOf, LeaseLost, ownedWrite, type EngineContext } from './context.js';
import { LeaseKeeper } from './lease.js';
import { alertNeedsAttention, countTerminal } from './metrics.js';
import { appendReason, modeOf, stepOf, waitingStep, withStep } from './record.js';
import { withResult } from './result.js';
import { runCriticalStep } from './step.js';
import { isTerminal, type FlowDefinition, type JourneyRecord } from './types.js';

/**
 * Drives a journey this worker holds the lease of, from whatever state is persisted, to a terminal state: the
 * critical steps in order (step.ts), then COMPLETED (background steps QUEUED and enqueued), or compensation
 * (compensation.ts). The loop re-reads the record before each step, so it resumes a journey started by another
 * worker exactly as it resumes its own; nothing it needs lives only in memory.
 */
export class JourneyRunner {
  private readonly driving = new Map<string, Promise<JourneyRecord | null>>();

  constructor(private readonly ctx: EngineContext) {}

  /**
   * Resolves with the terminal record this worker wrote, the record it released while a step waits for its next
   * check (wait.ts: a delayed job continues it), or null when it stopped early (lease lost, engine closed, store
   * failure: the journey is then left for recovery). Never rejects. One drive per journey per engine.
   */
  drive(journeyId: string): Promise<JourneyRecord | null> {
    const existing = this.driving.get(journeyId);
    if (existing) return existing;
    // The drive continues the trace it was started in (the journeys subgraph's request, a recovery sweep), with the
    // journey's id in every log line it writes.
    const run = withLogContext({ journeyId }, () =>
      inSpan('journey.drive', { attributes: { 'journey.id': journeyId } }, (span) =>
        this.driveOwned(journeyId).then((record) => {
          if (record && span.isRecording()) span.setAttributes({ 'journey.type': record.type, 'journey.status': record.status });
          return record;
        }),
      ),
    ).finally(() => this.driving.delete(journeyId));
    this.driving.set(journeyId, run);
    return run;
  }

  /** Resolves once this worker is not driving the journey (at once if it is not). */
  async idle(journeyId: string): Promise<void> {
    await this.driving.get(journeyId);
  }

  isDriving(journeyId: string): boolean {
    return this.driving.has(journeyId);
  }

  drivingIds(): string[] {
    return [...this.driving.keys()];
  }

  /** Resolves once every drive has stopped (after close(), in-flight attempts are abandoned at once). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.driving.values()]);
  }

  private async driveOwned(journeyId: string): Promise<JourneyRecord | null> {
    const keeper = new LeaseKeeper(this.ctx, journeyId);
    keeper.start();
    try {
      for (;;) {
        if (this.ctx.closing.aborted) throw new EngineClosed();
        if (keeper.lost) throw new LeaseLost(journeyId, null);
        const record = await this.ctx.store.get(journeyId);
        if (!record) throw new Error(`journey ${journeyId} vanished from the store while running`);
        if (isTerminal(record.status)) return record;
        if (record.lease?.owner !== this.ctx.workerId) throw new LeaseLost(journeyId, record.lease?.owner ?? null);
        const flow = flowOf(this.ctx, record.type);
        const next = record.status === 'RUNNING' ? await this.advance(flow, record) : await compensate(this.ctx, flow, record);
        // Terminal, or released until a waiting step's next check: either way this drive is over.
        if (isTerminal(next.status) || waitingStep(next)) return next;
      }
    } catch (err) {
      if (err instanceof LeaseLost || err instanceof EngineClosed) {
        this.ctx.logger.info({ journeyId, why: err.message }, 'stopped driving a journey');
        return null;
      }
      if (isStoreOutage(err)) {
        this.ctx.logger.error({ err, journeyId }, 'the journey store is unreachable; recovery resumes the journey once its lease expires');
        return null;
      }
      // Anything else (a bug, a flow whose steps changed under a running journey) would fail the same way on every
      // takeover, forever: park the journey for a person, with the alert, instead of retrying it silently.
      return this.park(journeyId, err);
    } finally {
      keeper.stop();
    }
  }

  private async park(journeyId: string, err: unknown): Promise<JourneyRecord | null> {
    const why = `the engine could not drive this journey (${err instanceof Error ? err.message : String(err)})`;
    this.ctx.logger.error({ err, journeyId }, why);
    try {
      const update = await ownedWrite(this.ctx, journeyId, (r) =>
        isTerminal(r.status) ? r : { ...r, status: 'NEEDS_ATTENTION', reason: appendReason(r.reason, why), errorCode: r.errorCode ?? 'ENGINE_ERROR' },
      );
      if (isTerminal(update.previous.status)) return update.record;
      countTerminal(update.previous, update.record);
      alertNeedsAttention(this.ctx.logger, update.record, why);
      return update.record;
    } catch (parkErr) {
      this.ctx.logger.error({ err: parkErr, journeyId }, 'could not park the journey; recovery will try again');
      return null;
    }
  }

  /** Runs the next critical step, or completes the journey when none is left. */
  private async advance(flow: FlowDefinition, record: JourneyRecord): Promise<JourneyRecord> {
    const next = flow.steps.find((def) => {
      const status = stepOf(record, def.name).status;
      return modeOf(def) === 'critical' && status !== 'SUCCEEDED' && status !== 'SKIPPED';
    });
    return next ? runCriticalStep(this.ctx, record, next) : this.complete(flow, record);
  }

  private async complete(flow: FlowDefinition, record: JourneyRecord): Promise<JourneyRecord> {
    const update = await ownedWrite(this.ctx, record.id, (r) => {
      let done: JourneyRecord = { ...r, status: 'COMPLETED', reason: null, errorCode: null };
      for (const step of r.steps) if (step.mode === 'background' && step.status === 'PENDING') done = withStep(done, step.name, { status: 'QUEUED' });
      return withResult(this.ctx, flow, done);
    });
    countTerminal(update.previous, update.record);
    // A crash right here leaves QUEUED steps in a COMPLETED journey: the recovery sweep enqueues them.
    await enqueueBackground(this.ctx, update.record);
    return update.record;
  }
}

/** Errors of the store itself (Redis unreachable): not the journey's fault, and no write could record anything. */
function isStoreOutage(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string } | null;
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(e?.code ?? '') ||
    /Connection is closed|Stream isn't writeable|connect ECONNREFUSED/.test(e?.message ?? '')
  );
}
