import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing, type Tracing } from '../../lib/telemetry/setup.js';
import { journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import { paymentInput, settled } from '../journeys/support.js';
import { eventually } from '../support/eventually.js';

/**
 * Journeys in the trace of the request that started them: a span per step, a span per attempt (so each retry shows,
 * with the error code that caused it), a span per undo, and background steps, run later by the queue, still in the
 * same trace (the job carries the traceparent). Journey log lines carry the journey id and the trace id.
 */

const ONBOARD = journeyOperation('OnboardCustomer');
const SEND = journeyOperation('SendInternationalPayment');

interface JourneyOut {
  journey: { id: string; status: string; errorCode: string | null };
}

describe('tracing journeys', () => {
  let tracing: Tracing;
  let stack: Stack;
  const lines: string[] = [];

  /** Runs a journey mutation under a traceparent and request id of ours; returns the trace id and the journey. */
  async function run(query: string, variables: Record<string, unknown>, token: string, field: string) {
    const traceId = randomBytes(16).toString('hex');
    const requestId = `obs-${traceId.slice(0, 12)}`;
    const { body } = await stack.graphql(query, variables, token, {
      'x-request-id': requestId,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    expect(body.errors).toBeUndefined();
    return { traceId, requestId, journey: (body.data![field] as JourneyOut).journey };
  }

  const spansOf = (traceId: string): ReadableSpan[] => tracing.memory!.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  /** The trace once the journey's drive span has ended (the drive outlives the request only when it is slow). */
  const driven = (traceId: string, journeyId: string) =>
    eventually(`the drive of ${journeyId}`, () => {
      const spans = spansOf(traceId);
      return spans.some((s) => s.name === 'journey.drive' && s.attributes['journey.id'] === journeyId) ? spans : undefined;
    });

  beforeAll(async () => {
    tracing = setupTracing({ serviceName: 'bankgraph-test', exporter: 'memory' });
    stack = await startStack({
      logDestination: { write: (line: string) => void lines.push(line) },
      logLevel: 'info',
      // The breaker stays closed through the injected failures, so the undo runs at once instead of outlasting it.
      connectors: { 'core-banking': { breaker: { threshold: 1000 } } },
    });
  });
  afterEach(() => stack.clearFaults());
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  it('shows every step, every retry with its error code, and the undo, in the trace of the onboarding request', async () => {
    // Core banking refuses every account opening with a 5xx: a transient failure, retried until the attempts run out,
    // then the client created before is undone.
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/savingsaccounts', errorRate: 1 });
    const staff = await stack.staffToken('operations');
    const input = {
      firstName: 'Noah',
      lastName: 'Keller',
      email: `noah.keller+${randomBytes(3).toString('hex')}@example.com`,
      phone: '+49 30 5550100',
      dateOfBirth: '1990-05-17',
      country: 'DE',
      product: 'EUR_CURRENT',
    };
    const { traceId, requestId, journey } = await run(ONBOARD, { idempotencyKey: `obs-${randomBytes(6).toString('hex')}`, input }, staff, 'onboardCustomer');
    expect(journey.status).toBe('COMPENSATED');
    const spans = await driven(traceId, journey.id);
    const record = (await stack.journeys.engine.get(journey.id))!;

    // A span per step that ran, named by the journey, its type and the step.
    for (const step of record.steps.filter((s) => s.attempts.length > 0 && s.mode === 'critical')) {
      const span = spans.find((s) => s.name === `journey.step ${step.name}`);
      expect(span, step.name).toBeDefined();
      expect(span!.attributes).toMatchObject({ 'journey.id': journey.id, 'journey.type': 'ONBOARD_CUSTOMER', 'journey.step': step.name });
    }
    // Each run of openAccount is a span of its own, failed with the error code; the retries are events on the step.
    const openAttempts = record.steps.find((s) => s.name === 'openAccount')!.attempts.filter((a) => a.kind === 'run');
    expect(openAttempts.length).toBeGreaterThan(1);
    const runs = spans.filter((s) => s.name === 'journey.run openAccount');
    expect(runs).toHaveLength(openAttempts.length);
    expect(runs.map((s) => s.attributes['journey.attempt']).sort()).toEqual(openAttempts.map((a) => a.number).sort());
    for (const r of runs) {
      expect(r.status.code).toBe(SpanStatusCode.ERROR);
      expect(r.attributes['error.type']).toBe('UPSTREAM_UNAVAILABLE');
    }
    const step = spans.find((s) => s.name === 'journey.step openAccount')!;
    const retries = step.events.filter((e) => e.name === 'retry');
    expect(retries).toHaveLength(openAttempts.length - 1);
    expect(retries.every((e) => e.attributes?.['error.type'] === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    expect(step.status.code).toBe(SpanStatusCode.ERROR);
    // The legacy calls of those attempts are in the trace too, each failed (the connector's own retries included).
    const legacy = spans.filter((s) => s.kind === SpanKind.CLIENT && s.attributes['bankgraph.legacy.route'] === 'POST /savingsaccounts');
    expect(legacy.length).toBeGreaterThanOrEqual(openAttempts.length);
    for (const s of legacy) {
      expect(s.status.code).toBe(SpanStatusCode.ERROR);
      expect(s.attributes).toMatchObject({ 'error.type': 'UPSTREAM_UNAVAILABLE', 'bankgraph.legacy.outcome': 'unavailable' });
      expect(Number(s.attributes['http.response.status_code'])).toBeGreaterThanOrEqual(500);
    }
    // The compensation: the undo of the client created before, with its attempt.
    const undo = spans.find((s) => s.name === 'journey.undo createCoreBankingClient');
    expect(undo?.attributes['journey.step.status']).toBe('COMPENSATED');
    expect(spans.some((s) => s.name === 'journey.compensate createCoreBankingClient')).toBe(true);
    // All of it under the journeys subgraph's request, in the client's trace.
    expect(spans.some((s) => s.kind === SpanKind.SERVER && s.attributes['bankgraph.subgraph'] === 'journeys')).toBe(true);
    // The engine's lines name the journey; those written inside the request also get its request id (which the
    // journeys subgraph read from the signed context) and its trace id, though the engine names neither.
    const journeyLines = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.journeyId === journey.id);
    const started = journeyLines.find((l) => l.msg === 'journey started');
    expect(started).toMatchObject({ name: 'journeys-engine', requestId, traceId });
    const failed = journeyLines.find((l) => String(l.msg).startsWith('journey step failed'));
    expect(failed).toMatchObject({ step: 'openAccount', requestId, traceId });
  });

  it('runs a background step, delivered by the queue after the request, in the same trace', async () => {
    // The notifier is down: the payment completes, its notification is retried in the background until it goes.
    stack.fault('notifier', { down: true });
    const token = await stack.customerToken('cust-0001');
    const { traceId, journey } = await run(SEND, { idempotencyKey: `obs-${randomBytes(6).toString('hex')}`, input: paymentInput({ amount: '3.00' }) }, token, 'sendInternationalPayment');
    expect(journey.status).toBe('COMPLETED');
    await eventually('a failed notification delivery', () => (spansOf(traceId).some((s) => s.name === 'journey.background notifyCustomer') ? true : undefined));
    stack.clearFaults();
    const done = await settled(stack, journey.id);
    expect(done.steps.find((s) => s.name === 'notifyCustomer')?.status).toBe('SUCCEEDED');
    const deliveries = await eventually('the successful delivery', () => {
      const found = spansOf(traceId).filter((s) => s.name === 'journey.background notifyCustomer');
      return found.some((s) => s.status.code !== SpanStatusCode.ERROR) ? found : undefined;
    });
    expect(deliveries.length).toBeGreaterThan(1);
    // Each delivery continues the trace from the drive that completed the journey (the job's traceparent). A payment
    // is driven more than once (each settlement check that waits is a drive of its own): the completing one ends last.
    const drives = spansOf(traceId).filter((s) => s.name === 'journey.drive' && s.attributes['journey.id'] === journey.id);
    expect(drives.length).toBeGreaterThan(0);
    const endNs = (span: (typeof drives)[number]) => BigInt(span.endTime[0]) * 1_000_000_000n + BigInt(span.endTime[1]);
    const drive = drives.reduce((a, b) => (endNs(b) > endNs(a) ? b : a));
    for (const d of deliveries) expect(d.parentSpanContext?.spanId).toBe(drive.spanContext().spanId);
    expect(deliveries.filter((s) => s.status.code === SpanStatusCode.ERROR).length).toBeGreaterThan(0);
    expect(spansOf(traceId).some((s) => s.kind === SpanKind.CLIENT && s.attributes['bankgraph.legacy.system'] === 'notifier')).toBe(true);
  });

  it('writes journey log lines with the journey id and the trace id', () => {
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const journeyLines = parsed.filter((l) => l.name === 'journeys-engine' && typeof l.journeyId === 'string');
    expect(journeyLines.length).toBeGreaterThan(0);
    const traced = new Set(tracing.memory!.getFinishedSpans().map((s) => s.spanContext().traceId));
    for (const l of journeyLines) {
      expect(l.traceId, JSON.stringify(l)).toMatch(/^[0-9a-f]{32}$/);
      expect(traced.has(l.traceId as string), JSON.stringify(l)).toBe(true);
    }
  });
});
