import type { IncomingHttpHeaders } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';

/**
 * Small helpers over @opentelemetry/api, so that the code that starts spans reads as what it does. Attributes are
 * always our own identifiers (names, routes, codes, ids), never a value from a request: no tokens, no PAN, no
 * variables, no legacy message (which may quote a card number), and an error is recorded as its code only.
 */

export const TRACER_NAME = 'bankgraph';

/** The process's tracer (a no-op one until setupTracing has run). */
export function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** The trace context a node:http request carries (`traceparent`), as a parent for the server span. */
export function contextFromHeaders(headers: IncomingHttpHeaders): Context {
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Writes the active trace context (`traceparent`) into outgoing headers through `set`. */
export function injectTraceContext(set: (name: string, value: string) => void, ctx: Context = context.active()): void {
  propagation.inject(ctx, undefined, { set: (_carrier, name, value) => set(name, value) });
}

/** The active trace context as a `traceparent` value (for a queued job), or undefined outside any span. */
export function activeTraceparent(): string | undefined {
  let out: string | undefined;
  injectTraceContext((name, value) => {
    if (name === 'traceparent') out = value;
  });
  return out;
}

/** The context a stored `traceparent` names (ROOT_CONTEXT when absent or malformed). */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * Runs `fn` in a new active span, ended when `fn` settles. A rejection marks the span ERROR with the error's code
 * (not its message) and is rethrown; `fn` may set a more precise status itself.
 */
export function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      markFailed(span, codeOf(err));
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed, naming only an error code (`error.type`), never a message that might carry data. */
export function markFailed(span: Span, code: string): void {
  if (!span.isRecording()) return;
  span.setAttribute('error.type', code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
}

/** An error's stable code (BankError, UpstreamError, Node's errno codes), else its class name. */
export function codeOf(err: unknown): string {
  const e = err as { code?: unknown; name?: unknown } | null;
  if (typeof e?.code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(e.code)) return e.code;
  return typeof e?.name === 'string' ? e.name : 'Error';
}

export { SpanKind, SpanStatusCode, type Span };
