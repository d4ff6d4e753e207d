import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * Metrics that belong to the process rather than to one service in it, and what every /metrics of the process
 * shows besides its service's own registry:
 *  - the default process metrics (RSS, heap, CPU, event-loop delay, GC), prefixed `bankgraph_`, collected once per
 *    process: collecting them per service would start one event-loop monitor and one GC observer per service, and
 *    report the same numbers several times;
 *  - registries that are process-wide by nature and share themselves here: the legacy-call metrics (fed by the
 *    process-wide `onLegacyCall` listeners, lib/metrics/legacy.ts) and the journey engine's.
 *
 * `npm start` runs one service per process, so in a deployment each /metrics is exactly its service's. Tests run
 * the whole stack in one process (test/support/stack.ts): every service's /metrics then also shows the other
 * services' process-wide metrics. Each service's own registry is created per instance, so nothing is registered
 * twice however many stacks a test starts.
 */

export const METRIC_PREFIX = 'bankgraph_';

/** Buckets of the request-latency histograms of the gateway and the subgraphs (seconds), so their panels line up. */
export const REQUEST_LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

let defaults: Registry | undefined;
const shared = new Set<Registry>();

/** Adds a process-wide registry to every /metrics of this process. Idempotent. */
export function shareWithProcess(registry: Registry): void {
  shared.add(registry);
}

/**
 * The default process metrics and the shared registries, in a stable order. Services call it when they start, so
 * that the event-loop and GC observers cover the whole life of the process, not only what follows the first scrape.
 */
export function processRegistries(): Registry[] {
  if (!defaults) {
    defaults = new Registry();
    collectDefaultMetrics({ register: defaults, prefix: METRIC_PREFIX });
  }
  return [defaults, ...shared];
}

/**
 * What a /metrics of this service answers: its own registry with the process's, in Prometheus text format. A name
 * registered in two of them is a bug and throws here (prom-client refuses the merge) rather than being exposed twice.
 */
export function exposition(service: Registry): Promise<string> {
  return Registry.merge([service, ...processRegistries()]).metrics();
}
