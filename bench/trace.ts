/**
 * One dashboard's trace, span by span: where the time between the client and the legacy systems goes.
 *
 * Starts the whole system as `npm start` does (bench/system.ts: each service its own process), with every service
 * exporting spans over OTLP/HTTP (JSON) to a receiver in this process, sets each simulator's latency to
 * BENCH_LATENCY_MS (20 by default, as the dashboard benchmark), warms up, then sends BENCH_TRACE_SAMPLES dashboards
 * (5) one after another, each with a traceparent of its own, and prints each trace as a timeline: the service, the
 * span, when it started after the gateway's server span started, and how long it took. The last table is the
 * median over the samples per span name, so one slow sample does not make the story.
 *
 *   npm run bench:trace
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { mintSandboxToken } from '../lib/tokens.js';
import { setLatency, startBenchSystem } from './system.js';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 20);
const SAMPLES = Number(process.env.BENCH_TRACE_SAMPLES ?? 5);
const DASHBOARD = readFileSync(new URL('../schema/operations/Dashboard.graphql', import.meta.url), 'utf8');

interface Span {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

/** The OTLP/HTTP JSON body's spans (the shape `@opentelemetry/exporter-trace-otlp-http` sends). */
interface OtlpBody {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: { stringValue?: string } }[] };
    scopeSpans?: { spans?: { traceId: string; spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string }[] }[];
  }[];
}

function spansOf(body: OtlpBody): Span[] {
  const out: Span[] = [];
  for (const rs of body.resourceSpans ?? []) {
    const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '?';
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          service,
          traceId: s.traceId,
          spanId: s.spanId,
          parentSpanId: s.parentSpanId ?? '',
          name: s.name,
          startNs: BigInt(s.startTimeUnixNano),
          endNs: BigInt(s.endTimeUnixNano),
        });
      }
    }
  }
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const ms = (ns: bigint) => Number(ns) / 1e6;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const received: Span[] = [];
  const receiver = createServer((req, res) => {
    void readBody(req).then((text) => {
      try {
        received.push(...spansOf(JSON.parse(text) as OtlpBody));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const system = await startBenchSystem({
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    // Export each batch soon after its spans end, so the script does not wait the default 5 s per batch.
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  try {
    await setLatency(system.simulatorUrls, LATENCY_MS);
    const token = await mintSandboxToken({ customer: 'cust-0001' });
    const dashboard = async (traceId?: string) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
      if (traceId) headers.traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
      const res = await fetch(system.gatewayUrl, {
        method: 'POST',
        headers,
        body: JSON.stringify({ query: DASHBOARD, operationName: 'Dashboard', variables: { currency: 'EUR' } }),
      });
      const body = (await res.json()) as { errors?: unknown[] };
      if (res.status !== 200 || body.errors) throw new Error(`dashboard failed: ${res.status} ${JSON.stringify(body.errors)}`);
    };
    // Warm up (connections, JIT, caches) without a sampled parent: the gateway's own root spans are sampled too, so
    // they are exported and ignored below.
    for (let i = 0; i < 20; i++) await dashboard();

    const traceIds: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const traceId = randomBytes(16).toString('hex');
      traceIds.push(traceId);
      await dashboard(traceId);
    }
    // Every service's batch processor exports within its schedule delay; wait until the last trace's spans stop coming.
    let seen = -1;
    for (let i = 0; i < 50 && seen !== received.length; i++) {
      seen = received.length;
      await new Promise((r) => setTimeout(r, 400));
    }

    const byName = new Map<string, { start: number[]; duration: number[] }>();
    console.log(`## One dashboard, span by span (legacy latency ${LATENCY_MS} ms per call; times in ms from the gateway's server span)\n`);
    for (const [n, traceId] of traceIds.entries()) {
      const spans = received.filter((s) => s.traceId === traceId).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
      const ids = new Set(spans.map((s) => s.spanId));
      const root = spans.find((s) => !ids.has(s.parentSpanId));
      if (!root) throw new Error(`trace ${traceId}: no spans received (is OTLP export on in every service?)`);
      console.log(`### Sample ${n + 1} (trace ${traceId}, ${spans.length} spans, ${ms(root.endNs - root.startNs).toFixed(1)} ms)\n`);
      console.log('| service | span | start | duration |\n| --- | --- | ---: | ---: |');
      const seenNames = new Map<string, number>();
      for (const s of spans) {
        const start = ms(s.startNs - root.startNs);
        const duration = ms(s.endNs - s.startNs);
        console.log(`| ${s.service} | ${s.name} | ${start.toFixed(1)} | ${duration.toFixed(1)} |`);
        // The k-th span of a name in a trace (several fetches, several legacy calls) is summarised with the k-th of the others.
        const base = `${s.service} | ${s.name}`;
        const k = (seenNames.get(base) ?? 0) + 1;
        seenNames.set(base, k);
        const key = k > 1 ? `${base} #${k}` : base;
        const entry = byName.get(key) ?? { start: [], duration: [] };
        entry.start.push(start);
        entry.duration.push(duration);
        byName.set(key, entry);
      }
      console.log('');
    }
    console.log(`### Median over ${SAMPLES} samples\n`);
    console.log('| service | span | start | duration |\n| --- | --- | ---: | ---: |');
    const rows = [...byName.entries()].sort((a, b) => median(a[1].start) - median(b[1].start));
    for (const [key, v] of rows) console.log(`| ${key} | ${median(v.start).toFixed(1)} | ${median(v.duration).toFixed(1)} |`);
  } finally {
    await system.stop();
    receiver.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
