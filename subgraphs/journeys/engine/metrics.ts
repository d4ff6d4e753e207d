import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../../../lib/log.js';
import { within } from '../../../lib/deadline.js';
import { shareWithProcess } from '../../../lib/metrics/process.js';
import type { QueueDepth } from './queue.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * The engine's metrics, in their own registry, process-wide (the engine's helpers count into it from anywhere): it
 * is shared with every /metrics of the process (lib/metrics/process.ts), which is the journeys subgraph's in a
 * deployment. What to alert on:
 *   - `increase(bankgraph_journeys_needs_attention_total[5m]) > 0`: page. Money or an account is at stake (an undo
 *     that kept failing, an outcome still unknown, a failure past a point of no return); the journey's reason and
 *     its error log say what a person must finish.
 *   - `increase(bankgraph_journey_followups_failed_total[1h]) > 0`: a ticket. A follow-up (a notification, card
 *     fulfilment) gave up: the money is where it should be and the journey stays COMPLETED, but the customer was not
 *     told or has no card yet. The step (FAILED, with its code) and a warn log (`alert: JOURNEY_FOLLOW_UP_FAILED`) name it.
 *   - `max(bankgraph_journeys_parked_oldest_seconds) > 4 * 3600`: page again. A parked journey has waited four hours for a
 *     person (the operations work queue, `journeys(filter: {status: NEEDS_ATTENTION})`, lists it).
 *   - `increase(bankgraph_journey_actions_total{decision="expired"}[1d]) > 0`: a ticket. An action was asked for and
 *     nobody approved it in time (recorded when the next one is asked for): the journey is still parked. One that nobody
 *     touches again is caught by the parked-age page above.
 */
export const journeysRegistry = new Registry();
shareWithProcess(journeysRegistry);

export const journeysTotal = new Counter({
  name: 'bankgraph_journeys_total',
  help: 'Journeys that reached a terminal status, by type and status.',
  labelNames: ['type', 'status'] as const,
  registers: [journeysRegistry],
});

export const needsAttentionTotal = new Counter({
  name: 'bankgraph_journeys_needs_attention_total',
  help: 'Journeys parked as NEEDS_ATTENTION, where money or an account is at stake (an undo kept failing, an outcome stayed unknown): a person must look.',
  labelNames: ['type'] as const,
  registers: [journeysRegistry],
});

export const followUpsFailedTotal = new Counter({
  name: 'bankgraph_journey_followups_failed_total',
  help: 'Follow-ups (background steps: notifications, card fulfilment) that gave up, by journey type and step. The journey keeps its status.',
  labelNames: ['type', 'step'] as const,
  registers: [journeysRegistry],
});

export const stepRetriesTotal = new Counter({
  name: 'bankgraph_journey_step_retries_total',
  help: 'Step attempts beyond the first, by journey type and step.',
  labelNames: ['type', 'step'] as const,
  registers: [journeysRegistry],
});

export const actionsTotal = new Counter({
  name: 'bankgraph_journey_actions_total',
  help: 'People\'s actions on parked journeys, by kind (RETRY_STEP, RESOLVE, UNDO) and decision (requested, applied, declined, withdrawn, expired, refused); refused ones by code.',
  labelNames: ['kind', 'decision', 'code'] as const,
  registers: [journeysRegistry],
});

export const resolutionSeconds = new Histogram({
  name: 'bankgraph_journey_parked_to_resolved_seconds',
  help: 'Time from a journey being parked (NEEDS_ATTENTION) to its terminal outcome after a person\'s approved action, by type and outcome.',
  labelNames: ['type', 'status'] as const,
  buckets: [60, 300, 900, 1800, 3600, 4 * 3600, 12 * 3600, 24 * 3600, 3 * 24 * 3600, 7 * 24 * 3600],
  registers: [journeysRegistry],
});

/**
 * A journey a person acted on reaching its outcome (call with every write): the time since it was parked, from the
 * first applied action's record of when it was. Re-parked (the retry failed again) is not an outcome.
 */
export function observeResolution(previous: JourneyRecord, next: JourneyRecord): void {
  if (previous.status === next.status || !isTerminal(next.status) || next.status === 'NEEDS_ATTENTION') return;
  const applied = next.actions?.find((a) => a.status === 'APPLIED');
  if (!applied) return;
  const seconds = (Date.parse(next.updatedAt) - Date.parse(applied.parkedSince)) / 1000;
  if (Number.isFinite(seconds)) resolutionSeconds.observe({ type: next.type, status: next.status }, Math.max(0, seconds));
}

/** What the parked gauges read: per journey type, how many are parked and since when the oldest waits (epoch ms). */
export interface ParkedSource {
  parked(): Promise<ReadonlyMap<string, { count: number; oldestSince: number | null }>>;
}
const parkedSources = new Set<ParkedSource>();

/** Reports this store's parked journeys in the parked gauges until the returned function is called. */
export function watchParked(source: ParkedSource): () => void {
  parkedSources.add(source);
  return () => parkedSources.delete(source);
}

async function readParked(): Promise<Map<string, { count: number; oldestSince: number | null }> | undefined> {
  const all = await Promise.all([...parkedSources].map((s) => within(s.parked().catch(() => undefined), DEPTH_TIMEOUT_MS)));
  if (parkedSources.size === 0 || all.some((a) => a === undefined)) return undefined;
  // Several runtimes of one process (tests) may share a store: the largest count and the oldest time per type.
  const merged = new Map<string, { count: number; oldestSince: number | null }>();
  for (const source of all) {
    for (const [type, { count, oldestSince }] of source!) {
      const seen = merged.get(type);
      const oldest = [seen?.oldestSince, oldestSince].filter((v): v is number => typeof v === 'number');
      merged.set(type, { count: Math.max(seen?.count ?? 0, count), oldestSince: oldest.length ? Math.min(...oldest) : null });
    }
  }
  return merged;
}

export const parkedGauge = new Gauge({
  name: 'bankgraph_journeys_parked',
  help: 'Journeys parked as NEEDS_ATTENTION now, waiting for a person, by type (from the store\'s indexes). Absent when the store could not be read.',
  labelNames: ['type'] as const,
  registers: [journeysRegistry],
  async collect() {
    this.reset();
    for (const [type, { count }] of (await readParked()) ?? []) this.set({ type }, count);
  },
});

export const parkedOldestGauge = new Gauge({
  name: 'bankgraph_journeys_parked_oldest_seconds',
  help: 'How long the longest-parked NEEDS_ATTENTION journey of each type has waited for a person, in seconds (0 when none is parked).',
  labelNames: ['type'] as const,
  registers: [journeysRegistry],
  async collect() {
    this.reset();
    const now = Date.now();
    for (const [type, { oldestSince }] of (await readParked()) ?? []) this.set({ type }, oldestSince === null ? 0 : Math.max(0, (now - oldestSince) / 1000));
  },
});

/** Queues whose depth the gauge reports (one per journeys runtime; tests may run several in one process). */
const watchedQueues = new Set<{ depth?(): Promise<QueueDepth> }>();

/** A scrape waits this long for a queue's counts (BullMQ asks Redis) before leaving its series out. */
const DEPTH_TIMEOUT_MS = 1000;

export const queueDepth = new Gauge({
  name: 'bankgraph_journey_queue_depth',
  help: 'Background steps in the journeys queue, by state (waiting, active, delayed, failed), summed over the queues of this process. Absent when the queue could not be read.',
  labelNames: ['state'] as const,
  registers: [journeysRegistry],
  async collect() {
    this.reset();
    // A queue that fails or takes longer than DEPTH_TIMEOUT_MS (Redis unreachable) leaves every series out.
    const depths = await Promise.all([...watchedQueues].map((q) => (q.depth ? within(q.depth().catch(() => undefined), DEPTH_TIMEOUT_MS) : undefined)));
    if (watchedQueues.size === 0 || depths.some((d) => d === undefined)) return;
    for (const state of ['waiting', 'active', 'delayed', 'failed'] as const) {
      this.set({ state }, depths.reduce((sum, d) => sum + (d?.[state] ?? 0), 0));
    }
  },
});

/** Reports this queue's depth in bankgraph_journey_queue_depth until the returned function is called. */
export function watchQueueDepth(queue: { depth?(): Promise<QueueDepth> }): () => void {
  watchedQueues.add(queue);
  return () => watchedQueues.delete(queue);
}

/**
 * Counts a journey entering a terminal status (call after the write that made it so). Once per journey: a follow-up
 * that fails later leaves the journey's status, and so this count, alone.
 */
export function countTerminal(previous: JourneyRecord, next: JourneyRecord): void {
  if (previous.status !== next.status && isTerminal(next.status)) journeysTotal.inc({ type: next.type, status: next.status });
}

/**
 * Raises the alarm for a journey a person must look at, money or an account at stake: an error log naming the
 * journey and why, and the needs-attention counter. Called once per journey parked (a failed compensation, an unknown
 * outcome, a failure past a point of no return, a journey the engine cannot drive); never for a follow-up.
 */
export function alertNeedsAttention(logger: Logger, record: JourneyRecord, why: string): void {
  needsAttentionTotal.inc({ type: record.type });
  logger.error({ journeyId: record.id, journeyType: record.type, reason: why, alert: 'JOURNEY_NEEDS_ATTENTION' }, `journey ${record.id} needs attention: ${why}`);
}

/**
 * A follow-up that gave up (its step is FAILED with `errorCode`): the follow-up counter and a warn log naming the
 * journey, the step and why. The journey's status is not touched: its money is where it should be.
 */
export function alertFollowUpFailed(logger: Logger, record: JourneyRecord, step: string, errorCode: string, why: string): void {
  followUpsFailedTotal.inc({ type: record.type, step });
  logger.warn(
    { journeyId: record.id, journeyType: record.type, step, errorCode, reason: why, alert: 'JOURNEY_FOLLOW_UP_FAILED' },
    `journey ${record.id}: follow-up ${step} gave up: ${why}`,
  );
}
