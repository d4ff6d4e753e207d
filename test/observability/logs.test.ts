import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/log.js';
import { setupTracing, type Tracing } from '../../lib/telemetry/setup.js';
import { withLogContext } from '../../lib/telemetry/log-context.js';
import { inSpan } from '../../lib/telemetry/spans.js';
import { DASHBOARD } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

/**
 * Every log line written inside a request carries the request id and the trace id (and span id) of the trace the
 * spans are in, in the gateway and in the subgraphs (which learn the request id from the signed context), and
 * redaction still applies.
 */

type Line = Record<string, unknown>;

describe('log lines of a dashboard request', () => {
  let tracing: Tracing;
  let stack: Stack;
  const lines: string[] = [];
  const requestId = `obs-${randomBytes(6).toString('hex')}`;
  const traceId = randomBytes(16).toString('hex');
  let during: Line[];

  beforeAll(async () => {
    tracing = setupTracing({ serviceName: 'bankgraph-test', exporter: 'memory' });
    stack = await startStack({ logDestination: { write: (line: string) => void lines.push(line) }, logLevel: 'debug' });
    // The card processor fails: the cards subgraph and the gateway log about it, inside the request.
    stack.fault('card-processor', { errorRate: 1 });
    const token = await stack.customerToken('cust-0001');
    lines.length = 0;
    const res = await stack.graphql(DASHBOARD, { currency: 'EUR', transactions: 5 }, token, {
      'x-request-id': requestId,
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    expect(res.status).toBe(200);
    // The gateway's request line is written when the response is finished: the last line of the request.
    during = await eventually('the request line', () => {
      const parsed = lines.map((l) => JSON.parse(l) as Line);
      return parsed.some((l) => l.name === 'gateway' && l.msg === 'request') ? parsed : undefined;
    });
  });
  afterAll(async () => {
    await stack?.stop();
    await tracing?.shutdown();
  });

  it('has lines from the gateway and from the failing subgraph', () => {
    expect(during.some((l) => l.name === 'gateway' && l.msg === 'request')).toBe(true);
    expect(during.some((l) => l.name === 'subgraph-cards' && l.msg === 'legacy call failed')).toBe(true);
  });

  it('gives every line the request id, and the trace and span ids of the request', () => {
    for (const line of during) {
      expect(line.requestId, JSON.stringify(line)).toBe(requestId);
      expect(line.traceId, JSON.stringify(line)).toBe(traceId);
      expect(line.spanId, JSON.stringify(line)).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('names spans that are in the trace: the span ids of the lines are spans the exporter received', async () => {
    await eventually('the gateway server span', () =>
      tracing.memory!.getFinishedSpans().some((s) => s.spanContext().traceId === traceId && s.kind === SpanKind.SERVER && s.attributes['bankgraph.service'] === 'gateway')
        ? true
        : undefined,
    );
    const spans = new Map(tracing.memory!.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId).map((s) => [s.spanContext().spanId, s]));
    for (const line of during) expect(spans.has(line.spanId as string), JSON.stringify(line)).toBe(true);
    // A subgraph's line names a span of that subgraph's request (its server span or one below it).
    const cardsLine = during.find((l) => l.name === 'subgraph-cards')!;
    const ancestry: string[] = [];
    for (let s = spans.get(cardsLine.spanId as string); s; s = spans.get(s.parentSpanContext?.spanId ?? '')) ancestry.push(String(s.attributes['bankgraph.subgraph'] ?? s.name));
    expect(ancestry).toContain('cards');
  });
});

describe('the log context', () => {
  it('adds the request id and trace ids to a line that does not name them, keeps a line that does, and still redacts', async () => {
    const tracing = setupTracing({ serviceName: 'bankgraph-test', exporter: 'memory' });
    const out: Line[] = [];
    const logger = createLogger('test', new Writable({ write: (chunk: Buffer, _enc, done) => (out.push(JSON.parse(chunk.toString()) as Line), done()) }));
    logger.level = 'info'; // silent by default in tests
    try {
      await withLogContext({ requestId: 'req-outer' }, () =>
        inSpan('work', {}, async (span) => {
          logger.info({ token: 'secret-token', note: 'card 4111111111111111 paid' }, 'inside');
          logger.info({ requestId: 'req-explicit' }, 'explicit');
          await withLogContext({ journeyId: 'jrn_abc' }, async () => logger.info('journey'));
          expect(out[0]).toMatchObject({ requestId: 'req-outer', traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
        }),
      );
      logger.info('outside');
      expect(out[0]).toMatchObject({ token: '[redacted]', note: 'card ****1111 paid' });
      expect(out[1]?.requestId).toBe('req-explicit');
      expect(out[2]).toMatchObject({ requestId: 'req-outer', journeyId: 'jrn_abc' });
      expect(out[2]?.traceId).toBe(out[0]?.traceId);
      expect(out[3]).not.toHaveProperty('requestId');
      expect(out[3]).not.toHaveProperty('traceId');
    } finally {
      await tracing.shutdown();
    }
  });
});
