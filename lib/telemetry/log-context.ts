import { AsyncLocalStorage } from 'node:async_hooks';
import { isSpanContextValid, trace } from '@opentelemetry/api';

/**
 * What every log line written inside a request (or a journey's run) says about where it belongs: the request id and
 * journey id from an AsyncLocalStorage set by the edge (gateway, subgraph server) and the journey runner, the trace
 * and span ids from the active OpenTelemetry span. lib/log.ts adds these fields to every line.
 */

export interface LogContext {
  requestId?: string;
  journeyId?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `fields` added to the current log context (the outer fields stay unless overridden). The store is
 * returned mutable to `fn`'s own code through currentLogContext(): a subgraph learns the request id only once it has
 * verified the signed context, inside the run.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return storage.run({ ...storage.getStore(), ...fields }, fn);
}

/** The current log context (undefined outside any); the object may be filled in (see withLogContext). */
export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/** The active span's trace and span ids; undefined outside any span, or when tracing is not set up. */
export function activeTraceIds(): TraceIds | undefined {
  const span = trace.getActiveSpan();
  if (!span) return undefined;
  const sc = span.spanContext();
  return isSpanContextValid(sc) ? { traceId: sc.traceId, spanId: sc.spanId } : undefined;
}
