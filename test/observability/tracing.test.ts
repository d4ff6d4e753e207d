import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupTracing, type Tracing } from '../../lib/telemetry/setup.js';
import { DASHBOARD } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import type { LegacySystem } from '../../lib/config.js';
import { eventually } from '../support/eventually.js';

/**
 * One dashboard request, one trace: the client's traceparent is continued by the gateway's server span, through
 * @apollo/gateway's own spans, into every subgraph's server span, every connector's client span, and the legacy
 * simulators' side of each call (they record the traceparent they received). Everything runs in this process, so
 * one in-memory exporter sees every span.
 */

const SUBGRAPHS = ['accounts', 'cards', 'kyc', 'wallet'] as const;
const SYSTEMS: readonly LegacySystem[] = ['core-banking', 'card-processor', 'kyc-provider', 'fx-wallet'];

function newTraceparent(): { traceId: string; parentId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

describe('tracing a dashboard request', () => {
  let tracing: Tracing;
  let stack: Stack;
  let trace: { traceId: string; parentId: string; header: string };
  let spans: ReadableSpan[];
  const byId = new Map<string, ReadableSpan>();
  let answer: { data?: unknown; errors?: unknown[] };

  /** The span's ancestors, nearest first, as far as this trace's spans go. */
  const ancestors = (span: ReadableSpan): ReadableSpan[] => {
    const out: ReadableSpan[] = [];
    for (let p = span.parentSpanContext?.spanId; p && byId.has(p); p = byId.get(p)!.parentSpanContext?.spanId) out.push(byId.get(p)!);
    return out;
  };

  beforeAll(async () => {
    tracing = setupTracing({ serviceName: 'bankgraph-test', exporter: 'memory' });
    stack = await startStack();
    trace = newTraceparent();
    const token = await stack.customerToken('cust-0001');
    const res = await fetch(stack.gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, traceparent: trace.header },
      body: JSON.stringify({ query: DASHBOARD, variables: { currency: 'EUR', transactions: 5 } }),
    });
    answer = (await res.json()) as typeof answer;
    spans = await eventually('the gateway server span', () => {
      const mine = tracing.memory!.getFinishedSpans().filter((s) => s.spanContext().traceId === trace.traceId);
      return mine.some((s) => s.kind === SpanKind.SERVER && s.attributes['bankgraph.service'] === 'gateway') ? mine : undefined;
    });
    for (const s of spans) byId.set(s.spanContext().spanId, s);
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  it('answers the dashboard', () => {
    expect(answer.errors).toBeUndefined();
    expect(answer.data).toBeTruthy();
  });

  it('continues the client trace in the gateway server span', () => {
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['bankgraph.service'] === 'gateway')!;
    expect(server.name).toBe('POST /graphql');
    expect(server.parentSpanContext?.spanId).toBe(trace.parentId);
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(typeof server.attributes['bankgraph.request_id']).toBe('string');
  });

  it("keeps @apollo/gateway's spans, nested under the gateway server span", () => {
    const names = new Set(spans.map((s) => s.name));
    for (const name of ['gateway.request', 'gateway.plan', 'gateway.execute', 'gateway.fetch']) expect(names, name).toContain(name);
    const request = spans.find((s) => s.name === 'gateway.request')!;
    expect(ancestors(request)[0]?.attributes['bankgraph.service']).toBe('gateway');
  });

  it.each(SUBGRAPHS)('has a server span in the %s subgraph, child of a gateway.fetch span', (name) => {
    const server = spans.find((s) => s.kind === SpanKind.SERVER && s.attributes['bankgraph.subgraph'] === name);
    expect(server, `no ${name} server span in the trace`).toBeDefined();
    const parent = byId.get(server!.parentSpanContext!.spanId);
    expect(parent?.name).toBe('gateway.fetch');
    expect(server!.attributes['bankgraph.request_id']).toBeTruthy();
  });

  it.each(SYSTEMS)('has a client span per %s call, inside its subgraph request', (system) => {
    const calls = spans.filter((s) => s.kind === SpanKind.CLIENT && s.attributes['bankgraph.legacy.system'] === system);
    expect(calls.length, `no ${system} call in the trace`).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.attributes).toMatchObject({ 'bankgraph.legacy.attempt': 1, 'bankgraph.legacy.outcome': 'ok', 'http.response.status_code': 200 });
      expect(typeof call.attributes['bankgraph.legacy.route']).toBe('string');
      expect(ancestors(call).some((a) => a.kind === SpanKind.SERVER && typeof a.attributes['bankgraph.subgraph'] === 'string')).toBe(true);
    }
  });

  it.each(SYSTEMS)('%s received the trace: the traceparent of each of its calls names our trace and the client span', async (system) => {
    const stats = (await (await fetch(`${stack.simulators[system].running.url}/__stats`)).json()) as { traceparents: (string | null)[] };
    const ours = stats.traceparents.filter((t): t is string => t?.split('-')[1] === trace.traceId);
    expect(ours.length).toBeGreaterThan(0);
    const clientSpans = new Set(spans.filter((s) => s.attributes['bankgraph.legacy.system'] === system).map((s) => s.spanContext().spanId));
    for (const t of ours) expect(clientSpans).toContain(t.split('-')[2]);
  });

  it('puts no token, PAN or variables in span attributes', () => {
    const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\./);
    expect(text).not.toMatch(/(?<!\d)\d{13,19}(?!\d)/);
    expect(text).not.toContain('Bearer');
    expect(text).not.toContain('cust-0001');
  });
});
