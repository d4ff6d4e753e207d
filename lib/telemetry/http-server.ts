import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, SpanKind, trace, type Attributes } from '@opentelemetry/api';
import { currentLogContext, withLogContext, type LogContext } from './log-context.js';
import { contextFromHeaders, markFailed, tracer } from './spans.js';

/**
 * The server span of one node:http request, continuing the caller's trace (`traceparent`), with the request's log
 * context: `handle` runs inside both, so every span it starts is a child and every line it logs carries the
 * request id and trace id. The span ends when the response is closed (sent or aborted), with its status code.
 *
 * /health, /ready and /metrics get no span. The span is named by method and route (`POST /graphql`; the method alone
 * for any other path, so that a scanner's paths do not become span names). Attributes: method, path (never the query
 * string: a GET /graphql carries the query and variables there), the service, and the caller's `extra` (identifiers
 * only, see spans.ts).
 */
export function traceHttpServer<T>(
  req: IncomingMessage,
  res: ServerResponse,
  service: string,
  log: LogContext,
  handle: () => T,
  extra: Attributes = {},
): T {
  const method = (req.method ?? 'GET').toUpperCase();
  const path = pathOf(req.url);
  // Probes and scrapes (a load balancer's, Prometheus', every few seconds) would drown the traces: log context only.
  if (PROBES.has(path)) return withLogContext(log, handle);
  const span = tracer().startSpan(
    ROUTES.has(path) ? `${method} ${path}` : method,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'url.path': path, 'bankgraph.service': service, ...(log.requestId ? { 'bankgraph.request_id': log.requestId } : {}), ...extra },
    },
    contextFromHeaders(req.headers),
  );
  res.once('close', () => {
    if (span.isRecording()) {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (!res.writableFinished) markFailed(span, 'ABORTED');
      else if (res.statusCode >= 500) markFailed(span, String(res.statusCode));
    }
    span.end();
  });
  return context.with(trace.setSpan(context.active(), span), () => withLogContext(log, handle));
}

const PROBES = new Set(['/health', '/ready', '/metrics']);
/** Paths that name their span. */
const ROUTES = new Set(['/graphql', '/graphiql']);

/** The path of a request target, without its query string; "/" when unreadable. Bounded, as it names a span. */
function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0] ?? '/';
  return path.startsWith('/') ? path.slice(0, 128) : '/';
}

/**
 * The request id, once a server learns it inside traceHttpServer's run (a subgraph reads it from the verified signed
 * context): into the log context of the rest of the request, and onto the server span.
 */
export function noteRequestId(requestId: string): void {
  const ctx = currentLogContext();
  if (ctx) ctx.requestId = requestId;
  const span = trace.getActiveSpan();
  if (span?.isRecording()) span.setAttribute('bankgraph.request_id', requestId);
}
