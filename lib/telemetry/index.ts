/** Tracing (OpenTelemetry) and the log context: see setup.ts for the environment, spans.ts for the helpers. */
export { exporterKindOf, setupTracing, type Tracing, type TracingOptions, type TracesExporterKind } from './setup.js';
export { noteRequestId, traceHttpServer } from './http-server.js';
export { activeTraceIds, currentLogContext, withLogContext, type LogContext, type TraceIds } from './log-context.js';
export {
  activeTraceparent,
  codeOf,
  contextFromHeaders,
  contextFromTraceparent,
  injectTraceContext,
  inSpan,
  markFailed,
  SpanKind,
  SpanStatusCode,
  tracer,
  TRACER_NAME,
  type Span,
} from './spans.js';
