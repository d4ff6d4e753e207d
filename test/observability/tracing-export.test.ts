import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import { exporterKindOf, setupTracing, type Tracing } from '../../lib/telemetry/setup.js';
import { activeTraceparent, inSpan } from '../../lib/telemetry/spans.js';

/**
 * Where spans go: nowhere unless configured (but ids still exist for logs and headers), to an OTLP/HTTP collector
 * named by the standard environment, and the exporter's last spans flushed by shutdown.
 */

describe('choosing the exporter', () => {
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
    tracing = undefined;
    delete process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  });

  it('reads OTEL_TRACES_EXPORTER, then the endpoint; nothing is exported by default', () => {
    expect(exporterKindOf({})).toBe('none');
    expect(exporterKindOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('otlp');
    expect(exporterKindOf({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe('none');
    expect(exporterKindOf({ OTEL_TRACES_EXPORTER: 'Console' })).toBe('console');
    expect(() => exporterKindOf({ OTEL_TRACES_EXPORTER: 'jaeger' })).toThrow(/otlp, console or none/);
  });

  it('without an exporter, records nothing but still gives spans real ids, continued across a traceparent', async () => {
    tracing = setupTracing({ serviceName: 'test', env: {} });
    expect(tracing.exporter).toBe('none');
    await inSpan('outer', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(isSpanContextValid(span.spanContext())).toBe(true);
      expect(trace.getActiveSpan()).toBe(span);
      expect(activeTraceparent()).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-00`);
    });
  });

  it('exports to the OTLP/HTTP endpoint of OTEL_EXPORTER_OTLP_ENDPOINT, flushing on shutdown', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      process.env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      tracing = setupTracing({ serviceName: 'gateway' });
      expect(tracing.exporter).toBe('otlp');
      let traceId = '';
      await inSpan('exported work', { attributes: { 'bankgraph.legacy.system': 'core-banking' } }, async (span) => {
        traceId = span.spanContext().traceId;
      });
      await tracing.shutdown();
      expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
      const body = received[0]!.body;
      expect(body).toContain('exported work');
      expect(body).toContain('"gateway"'); // service.name
      // OTLP/JSON carries ids as hex (this exporter's default encoding is JSON; protobuf would carry raw bytes).
      expect(body.toLowerCase()).toContain(traceId);
    } finally {
      await new Promise((resolve) => collector.close(resolve));
    }
  });
});
