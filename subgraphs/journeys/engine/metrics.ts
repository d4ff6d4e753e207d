import { Counter, Registry } from 'prom-client';
import type { Logger } from '../../../lib/log.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * The engine's metrics, in their own registry: the process serving /metrics merges it
 * (`Registry.merge([registry, journeysRegistry])`) or reads `journeysRegistry.metrics()`.
 * NEEDS_ATTENTION is an alert: alert on `increase(bankgraph_journeys_needs_attention_total[5m]) > 0`.
 */
export const journeysRegistry = new Registry();

export const journeysTotal = new Counter({
  name: 'bankgraph_journeys_total',
  help: 'Journeys that reached a terminal status, by type and status.',
  labelNames: ['type', 'status'] as const,
  registers: [journeysRegistry],
});

export const needsAttentionTotal = new Counter({
  name: 'bankgraph_journeys_needs_attention_total',
  help: 'Journeys parked as NEEDS_ATTENTION (a compensation or a background step kept failing): a person must look.',
  labelNames: ['type'] as const,
  registers: [journeysRegistry],
});

export const stepRetriesTotal = new Counter({
  name: 'bankgraph_journey_step_retries_total',
  help: 'Step attempts beyond the first, by journey type and step.',
  labelNames: ['type', 'step'] as const,
  registers: [journeysRegistry],
});

/**
 * Counts a journey entering a terminal status (call after the write that made it so). A COMPLETED journey whose
 * background step fails later is counted again, as NEEDS_ATTENTION.
 */
export function countTerminal(previous: JourneyRecord, next: JourneyRecord): void {
  if (previous.status !== next.status && isTerminal(next.status)) journeysTotal.inc({ type: next.type, status: next.status });
}

/**
 * Raises the alarm for a journey a person must look at: an error log naming the journey and why, and the
 * needs-attention counter. Called once per thing that needs a person (a failed compensation, a failed background step).
 */
export function alertNeedsAttention(logger: Logger, record: JourneyRecord, why: string): void {
  needsAttentionTotal.inc({ type: record.type });
  logger.error({ journeyId: record.id, journeyType: record.type, reason: why, alert: 'JOURNEY_NEEDS_ATTENTION' }, `journey ${record.id} needs attention: ${why}`);
}
