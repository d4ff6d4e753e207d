import { context, trace } from '@opentelemetry/api';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing, type Tracing } from '../../lib/telemetry/setup.js';
import { inSpan } from '../../lib/telemetry/spans.js';
import { MAX_TRACED_ATTEMPTS } from '../../subgraphs/journeys/engine/attempt.js';
import type { JourneyEngineHandle } from '../../subgraphs/journeys/engine/engine.js';
import { StepPending } from '../../subgraphs/journeys/engine/types.js';
import { CUSTOMER, eventually, memoryStore, newKey, testEngine, toyFlow, type StoreUnderTest } from '../journeys/engine/fixtures.js';

/**
 * A waiting step's checks run on wake-up jobs: the first ones stay in the trace that started the journey (the job
 * carries its traceparent), the rest are not traced, so a long wait does not put thousands of spans in one trace.
 */
describe('tracing a waiting step', () => {
  let tracing: Tracing;
  let store: StoreUnderTest;
  let engine: JourneyEngineHandle | undefined;
  beforeAll(async () => {
    tracing = setupTracing({ serviceName: 'bankgraph-test', exporter: 'memory' });
    store = await memoryStore.make();
  });
  afterEach(async () => {
    await engine?.close();
    engine = undefined;
  });
  afterAll(async () => {
    await store.cleanup();
    await tracing?.shutdown();
  });

  it(`keeps the first ${MAX_TRACED_ATTEMPTS} checks in the journey's trace, each woken by its job, and traces no later one`, async () => {
    const CHECKS = MAX_TRACED_ATTEMPTS + 15;
    let checks = 0;
    const flow = toyFlow([
      {
        name: 'awaitSettlement',
        async run() {
          if (++checks < CHECKS) throw new StepPending(0);
          return { settled: true };
        },
      },
    ]);
    engine = testEngine(store.kv, [flow]);
    const { traceId, id } = await inSpan('test.request', {}, async () => {
      const started = await engine!.start(flow, { principal: CUSTOMER, idempotencyKey: newKey(), input: { amount: 5 }, waitMs: 0 });
      return { traceId: trace.getSpan(context.active())!.spanContext().traceId, id: started.id };
    });
    await eventually(async () => (await engine!.get(id))?.status === 'COMPLETED', 10_000, 'the journey to complete');
    await eventually(async () => checks >= CHECKS, 5_000, 'every check');

    const all = tracing.memory!.getFinishedSpans();
    const runs = all.filter((s) => s.name === 'journey.run awaitSettlement' && s.attributes['journey.id'] === id);
    expect(runs.map((s) => s.attributes['journey.attempt'])).toEqual(Array.from({ length: MAX_TRACED_ATTEMPTS }, (_, i) => i + 1));
    expect(runs.every((s) => s.spanContext().traceId === traceId)).toBe(true);
    // One drive per wake-up while traced (the first drive began in the request), all in the request's trace.
    const drives = all.filter((s) => s.name === 'journey.drive' && s.attributes['journey.id'] === id);
    expect(drives).toHaveLength(MAX_TRACED_ATTEMPTS);
    expect(drives.every((s) => s.spanContext().traceId === traceId)).toBe(true);
  });
});
