/**
 * Prometheus metrics (prom-client): every service serves GET /metrics on its own port (README "Metrics").
 *  - process.ts   default process metrics and process-wide registries, merged into every /metrics
 *  - http.ts      the /metrics route (optional METRICS_TOKEN bearer check)
 *  - labels.ts    bounded label values (operation names, routes): a client cannot grow the number of series
 *  - outcome.ts   the outcome label of a GraphQL request
 *  - subgraph.ts  a subgraph server's own metrics
 *  - legacy.ts    legacy calls and circuit breakers
 * The gateway's are in gateway/plugins/metrics.ts, the journey engine's in subgraphs/journeys/engine/metrics.ts.
 */
export { exposition, processRegistries, shareWithProcess, METRIC_PREFIX, REQUEST_LATENCY_BUCKETS } from './process.js';
export { serveMetrics } from './http.js';
export { BoundedLabels, OTHER } from './labels.js';
export { outcomeOf, type RequestOutcome } from './outcome.js';
export { SubgraphMetrics, outcomeOfResponse } from './subgraph.js';
export { LegacyMetrics, legacyMetrics, type BreakerSource, type BreakerState, type LegacyCallObservation } from './legacy.js';
