import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  InMemorySpanExporter,
  NodeTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * One tracer provider per process (gateway, each subgraph): spans are kept in an AsyncLocalStorage context (so the
 * active span follows a request through awaits), and the W3C `traceparent` header carries the trace between
 * processes: client -> gateway -> subgraph -> legacy system.
 *
 * Where spans go is the operator's choice, never a default: nothing leaves the machine unless configured.
 *   OTEL_TRACES_EXPORTER=otlp     OTLP over HTTP (JSON) to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else
 *                                 OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces (the exporter's own reading of them)
 *   OTEL_TRACES_EXPORTER=console  spans printed to stdout (local debugging)
 *   OTEL_TRACES_EXPORTER=none     (default, also when only OTEL_EXPORTER_OTLP_ENDPOINT is unset) no export
 * Setting OTEL_EXPORTER_OTLP_ENDPOINT alone means otlp.
 *
 * Without an exporter, spans are still started but never recorded (AlwaysOffSampler): each is a non-recording span
 * with a real trace id and span id, which is what log lines and the traceparent headers need, at the cost of two
 * random ids per span and no attribute, event or export work.
 */

export type TracesExporterKind = 'otlp' | 'console' | 'none' | 'memory';

export interface TracingOptions {
  /** `service.name` of every span of this process ("gateway", "subgraph-accounts"). */
  readonly serviceName: string;
  /**
   * Where spans go: a kind, or an exporter of the caller's (tests). `memory` keeps them in an InMemorySpanExporter,
   * returned as `memory`. @default from the environment (exporterKindOf)
   */
  readonly exporter?: TracesExporterKind | SpanExporter;
  /** @default process.env */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Tracing {
  /** What spans are exported to: 'none' when nothing is recorded. */
  readonly exporter: TracesExporterKind | 'custom';
  /** The in-memory exporter, with `exporter: 'memory'`. */
  readonly memory?: InMemorySpanExporter;
  readonly provider: NodeTracerProvider;
  /** Exports what is pending. */
  flush(): Promise<void>;
  /**
   * Flushes, shuts the exporter down and unregisters the provider (so a test may set up again). Idempotent; never
   * rejects (an export that fails is reported on stderr).
   */
  shutdown(): Promise<void>;
}

let current: Tracing | undefined;

/** The exporter the environment asks for: OTEL_TRACES_EXPORTER, else otlp when an OTLP endpoint is set, else none. */
export function exporterKindOf(env: Readonly<Record<string, string | undefined>> = process.env): Exclude<TracesExporterKind, 'memory'> {
  const asked = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (asked === 'otlp' || asked === 'console' || asked === 'none') return asked;
  if (asked) throw new Error(`OTEL_TRACES_EXPORTER must be otlp, console or none, not "${asked}"`);
  return env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ? 'otlp' : 'none';
}

/**
 * Registers this process's tracer provider, context manager and propagator (the global @opentelemetry/api ones, which
 * @apollo/gateway's spans use too). Once per process: a second call returns the first setup.
 */
export function setupTracing(options: TracingOptions): Tracing {
  if (current) return current;
  const env = options.env ?? process.env;
  const chosen = options.exporter ?? exporterKindOf(env);
  let memory: InMemorySpanExporter | undefined;
  let processor: SpanProcessor | undefined;
  if (typeof chosen !== 'string') {
    processor = new BatchSpanProcessor(chosen);
  } else if (chosen === 'memory') {
    memory = new InMemorySpanExporter();
    // Simple: a span is in the exporter as soon as it ends, so a test can read it without waiting for a batch.
    processor = new SimpleSpanProcessor(memory);
  } else if (chosen === 'console') {
    processor = new SimpleSpanProcessor(new ConsoleSpanExporter());
  } else if (chosen === 'otlp') {
    processor = new BatchSpanProcessor(new OTLPTraceExporter());
  }
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    // No exporter: ids without recording (see above). Otherwise the caller's sampling decision is honoured.
    sampler: processor ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
    spanProcessors: processor ? [processor] : [],
  });
  // Trace context only: baggage would let a client put arbitrary key-values into every internal request.
  provider.register({ propagator: new W3CTraceContextPropagator() });
  let stopped: Promise<void> | undefined;
  const tracing: Tracing = {
    exporter: typeof chosen === 'string' ? chosen : 'custom',
    ...(memory ? { memory } : {}),
    provider,
    flush: () => provider.forceFlush(),
    shutdown: () =>
      (stopped ??= (async () => {
        try {
          await provider.forceFlush();
          await provider.shutdown();
        } catch (err) {
          // Spans that could not be exported must not turn a clean shutdown into a failed one.
          process.stderr.write(`tracing: the last spans were not exported (${err instanceof Error ? err.message : String(err)})\n`);
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
          if (current === tracing) current = undefined;
        }
      })()),
  };
  current = tracing;
  return tracing;
}
