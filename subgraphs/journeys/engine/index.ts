/** The journey engine's public surface: what the journeys subgraph and its flows import. */
export * from './types.js';
export { createJourneyEngine, type JourneyEngineHandle, type JourneyEngineOptions, type JourneyLifecycleEvent } from './engine.js';
export { BullMqQueue, InProcessQueue, jobIdOf, type BullMqQueueOptions, type EnqueueOptions, type JobQueue, type JourneyJob } from './queue.js';
export { JourneyStore, DEFAULT_RETENTION_MS } from './store.js';
export { journeysRegistry, journeysTotal, needsAttentionTotal, stepRetriesTotal } from './metrics.js';
export { canonicalJson, compactReference, journeyIdOf, principalIdentity, requestHashOf, stepReference } from './ids.js';
export { DEFAULT_COMPENSATE_RETRY, DEFAULT_PENDING_BUDGET_MS, DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, WORKER_LOST } from './record.js';
