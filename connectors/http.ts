import { Pool, errors as undiciErrors, type Dispatcher } from 'undici';
import {
  circuitBreaker,
  ConsecutiveBreaker,
  handleWhen,
  BrokenCircuitError,
  CircuitState,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { context, trace } from '@opentelemetry/api';
import { ErrorCode, UpstreamError } from '../lib/errors.js';
import { codeOf, injectTraceContext, markFailed, SpanKind, tracer, type Span } from '../lib/telemetry/spans.js';

/**
 * The HTTP client every connector uses to reach its legacy system: one keep-alive pool per system, a timeout per
 * call, retries with exponential backoff and jitter for calls that are safe to repeat, and a circuit breaker per
 * system so a dead system answers at once instead of costing every request a timeout.
 *
 * Safe to repeat means: a read, or a write that carries an idempotency reference the legacy system honours.
 * Everything else is tried exactly once, whatever happens: retrying a money-moving call without a reference is how
 * money moves twice. Please leave `idempotent` honest.
 *
 * What is retried (RetryPolicy, at the end): UPSTREAM_UNAVAILABLE and rate limits (429), after the system's own
 * Retry-After when it sends one and it fits `maxRetryAfterMs`; never a refusal, nor an error marked
 * `retryable: false` (our credentials refused). What opens the breaker: failures that say the system is failing
 * (UpstreamError.isSystemFailure), a 429 never.
 */

export interface BreakerOptions {
  /** Consecutive system failures that open the breaker. @default 5 */
  readonly threshold?: number;
  /** How long the breaker stays open before letting one trial call through. @default 5000 */
  readonly halfOpenAfterMs?: number;
}

export interface RetryOptions {
  /** Extra attempts after the first, for calls that are safe to repeat. @default 2 */
  readonly retries?: number;
  /** First backoff; doubled each attempt, with full jitter. @default 25 */
  readonly baseDelayMs?: number;
  /** Longest single backoff. @default 1000 */
  readonly maxDelayMs?: number;
  /** Retry a safe call after a timeout too. Off by default: the timeout has already spent the caller's budget. */
  readonly retryOnTimeout?: boolean;
  /**
   * Longest Retry-After (a 429's, or a 503's) a safe call waits for before its next attempt. A wait within it is
   * honoured in full (retrying earlier would only be refused again); a longer one fails the call at once rather than
   * holding the caller's request open. @default 2000
   */
  readonly maxRetryAfterMs?: number;
}


export interface LegacyClientOptions {
  /** The legacy system's name ("card-processor"): named in errors, logs and metrics. */
  readonly system: string;
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
  /** Keep-alive connections in the pool. @default 32 */
  readonly connections?: number;
  /** Headers every call carries (authentication, tenant). May depend on the call (request signing). */
  readonly headers?: (call: PreparedCall) => Record<string, string>;
  /**
   * Turns a non-2xx answer into a typed error. The default maps 5xx to UPSTREAM_UNAVAILABLE and 4xx to
   * UPSTREAM_REJECTED. A connector overrides it to read its dialect's error body (and return e.g. NOT_FOUND).
   */
  readonly mapError?: (response: LegacyResponse, call: LegacyCall) => UpstreamError;
}

export interface LegacyCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path with query string, e.g. "/clients/1?fields=id". */
  readonly path: string;
  /** A stable name for metrics and errors, e.g. "GET /clients/:id". */
  readonly route: string;
  /** JSON body (serialised here) or raw text. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** True for reads and for writes that carry an idempotency reference. Decides whether a retry is allowed. */
  readonly idempotent: boolean;
  /** Overrides the client's timeout for this call. */
  readonly timeoutMs?: number;
  /**
   * Looks into a 2xx answer and throws an UpstreamError when it is a failure all the same (a batch whose parts
   * failed). It runs inside the attempt, so what it throws counts towards the breaker and is retried like a failed
   * call of the same code.
   */
  readonly check?: (response: LegacyResponse) => void;
}

export interface PreparedCall extends LegacyCall {
  readonly rawBody: string | undefined;
}

export interface LegacyResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  readonly json: unknown;
}

export interface LegacyCallEvent {
  readonly system: string;
  readonly route: string;
  readonly attempt: number;
  readonly durationMs: number;
  readonly outcome: 'ok' | 'error' | 'timeout' | 'unavailable' | 'breaker-open';
  readonly status?: number;
}

/** Observers of every legacy call (metrics, tracing, tests counting calls). */
export type LegacyCallListener = (event: LegacyCallEvent) => void;

const listeners = new Set<LegacyCallListener>();
export function onLegacyCall(listener: LegacyCallListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export class LegacyHttpClient {
  readonly system: string;
  private readonly pool: Pool;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly options: LegacyClientOptions;
  private readonly basePath: string;

  constructor(options: LegacyClientOptions) {
    this.options = options;
    this.system = options.system;
    const base = new URL(options.baseUrl);
    this.basePath = base.pathname.replace(/\/$/, '');
    this.pool = new Pool(base.origin, {
      connections: options.connections ?? 32,
      keepAliveTimeout: 10_000,
      keepAliveMaxTimeout: 60_000,
    });
    this.timeoutMs = options.timeoutMs ?? 2000;
    this.retry = new RetryPolicy(options.retry);
    this.breaker = circuitBreaker(
      handleWhen((err) => err instanceof UpstreamError && err.isSystemFailure),
      {
        halfOpenAfter: options.breaker?.halfOpenAfterMs ?? 5000,
        breaker: new ConsecutiveBreaker(options.breaker?.threshold ?? 5),
      },
    );
  }

  /** Current breaker state, for /ready and metrics. */
  get breakerState(): 'closed' | 'open' | 'half-open' | 'isolated' {
    switch (this.breaker.state) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        return 'open';
      case CircuitState.HalfOpen:
        return 'half-open';
      case CircuitState.Isolated:
        return 'isolated';
    }
  }

  /** Performs the call, with retries when it is safe to repeat; resolves only on a 2xx answer. */
  async call(call: LegacyCall): Promise<LegacyResponse> {
    const prepared: PreparedCall = {
      ...call,
      rawBody: call.body === undefined ? undefined : typeof call.body === 'string' ? call.body : JSON.stringify(call.body),
    };
    const maxAttempts = call.idempotent ? 1 + this.retry.retries : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(prepared, attempt);
      } catch (err) {
        if (attempt >= maxAttempts || !this.retry.isRetryable(err)) throw err;
        await sleep(this.retry.delayMs(attempt, err as UpstreamError));
      }
    }
  }

  /** Shorthand for a JSON call that returns the parsed body. */
  async json<T>(call: LegacyCall): Promise<T> {
    const res = await this.call(call);
    if (res.json === undefined && res.text !== '') {
      throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, this.system, `${this.system} sent an answer that is not JSON`, {
        route: call.route,
        status: res.status,
      });
    }
    return res.json as T;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /**
   * One attempt, in a client span of its own (system, route, attempt, status, outcome; a failure as its error code
   * only: legacy messages may quote a card number) whose traceparent the request carries, so the legacy system's
   * side of the call is in the same trace.
   */
  private attempt(call: PreparedCall, attempt: number): Promise<LegacyResponse> {
    const span = tracer().startSpan(`${this.system} ${call.route}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'bankgraph.legacy.system': this.system,
        'bankgraph.legacy.route': call.route,
        'bankgraph.legacy.attempt': attempt,
        'http.request.method': call.method,
      },
    });
    return context.with(trace.setSpan(context.active(), span), () => this.attemptInSpan(call, attempt, span).finally(() => span.end()));
  }

  private async attemptInSpan(call: PreparedCall, attempt: number, span: Span): Promise<LegacyResponse> {
    const started = performance.now();
    const emit = (outcome: LegacyCallEvent['outcome'], status?: number, code?: string) => {
      if (span.isRecording()) {
        span.setAttribute('bankgraph.legacy.outcome', outcome);
        if (status !== undefined) span.setAttribute('http.response.status_code', status);
        if (outcome !== 'ok') markFailed(span, code ?? outcome);
      }
      if (listeners.size === 0) return;
      const event: LegacyCallEvent = {
        system: this.system,
        route: call.route,
        attempt,
        durationMs: performance.now() - started,
        outcome,
        ...(status !== undefined ? { status } : {}),
      };
      for (const l of listeners) l(event);
    };
    try {
      // The check runs inside the breaker: a 2xx that is a failure all the same counts like any other failure.
      const res = await this.breaker.execute(async () => {
        const response = await this.send(call);
        call.check?.(response);
        return response;
      });
      emit('ok', res.status);
      return res;
    } catch (err) {
      if (err instanceof BrokenCircuitError) {
        emit('breaker-open', undefined, 'BREAKER_OPEN');
        throw new UpstreamError(
          ErrorCode.UPSTREAM_UNAVAILABLE,
          this.system,
          `${this.system} is unavailable`,
          { route: call.route, legacyCode: 'BREAKER_OPEN' },
          err,
        );
      }
      if (err instanceof UpstreamError) {
        emit(
          err.code === ErrorCode.UPSTREAM_TIMEOUT ? 'timeout' : err.code === ErrorCode.UPSTREAM_UNAVAILABLE ? 'unavailable' : 'error',
          err.detail.status,
          err.code,
        );
        throw err;
      }
      emit('error', undefined, codeOf(err));
      throw err;
    }
  }

  private async send(call: PreparedCall): Promise<LegacyResponse> {
    const timeoutMs = call.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(call.rawBody !== undefined ? { 'content-type': 'application/json' } : {}),
      ...this.options.headers?.(call),
      ...call.headers,
    };
    injectTraceContext((name, value) => (headers[name] = value));
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({
        method: call.method,
        path: `${this.basePath}${call.path}`,
        headers,
        body: call.rawBody,
        signal,
      });
    } catch (err) {
      throw this.transportError(err, call, timeoutMs, signal.aborted);
    }
    let text: string;
    try {
      text = await res.body.text();
    } catch (err) {
      throw this.transportError(err, call, timeoutMs, signal.aborted);
    }
    const contentType = String(res.headers['content-type'] ?? '');
    let json: unknown;
    if (text && contentType.includes('json')) {
      try {
        json = JSON.parse(text);
      } catch (err) {
        throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, this.system, `${this.system} sent malformed JSON`, {
          route: call.route,
          status: res.statusCode,
        }, err);
      }
    }
    const response: LegacyResponse = { status: res.statusCode, headers: res.headers, text, json };
    if (res.statusCode >= 200 && res.statusCode < 300) return response;
    const mapped = (this.options.mapError ?? defaultMapError(this.system))(response, call);
    const retryAfterMs = retryAfterOf(res.headers['retry-after']);
    if (retryAfterMs !== undefined) mapped.detail.retryAfterMs = retryAfterMs;
    throw mapped;
  }

  private transportError(err: unknown, call: LegacyCall, timeoutMs: number, timedOut: boolean): UpstreamError {
    const isTimeout =
      timedOut ||
      err instanceof undiciErrors.HeadersTimeoutError ||
      err instanceof undiciErrors.BodyTimeoutError ||
      (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'));
    if (isTimeout) {
      return new UpstreamError(
        ErrorCode.UPSTREAM_TIMEOUT,
        this.system,
        `${this.system} did not answer within ${timeoutMs} ms`,
        { route: call.route },
        err,
      );
    }
    return new UpstreamError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      this.system,
      `${this.system} is unavailable`,
      { route: call.route, legacyCode: (err as { code?: string }).code },
      err,
    );
  }
}

/** 5xx: the system is failing (counts for the breaker). 4xx: it refused this request (does not). */
export function defaultMapError(system: string) {
  return (response: LegacyResponse, call: LegacyCall): UpstreamError => {
    const detail = { route: call.route, status: response.status, legacyMessage: response.text.slice(0, 500) };
    if (response.status >= 500 || response.status === 429) {
      return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, system, `${system} is unavailable`, detail);
    }
    if (response.status === 404) {
      return new UpstreamError(ErrorCode.NOT_FOUND, system, `${system} does not know this resource`, detail);
    }
    return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, system, `${system} refused the request`, detail);
  };
}

/**
 * When a failed call is tried again, and after how long. Only calls safe to repeat get here; this decides which of
 * their failures a repeat may mend: a system unavailable or rate limited, not one that refused the request or our
 * credentials.
 */
class RetryPolicy {
  readonly retries: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly retryOnTimeout: boolean;
  private readonly maxRetryAfterMs: number;

  constructor(options: RetryOptions = {}) {
    this.retries = options.retries ?? 2;
    this.baseDelayMs = options.baseDelayMs ?? 25;
    this.maxDelayMs = options.maxDelayMs ?? 1000;
    this.retryOnTimeout = options.retryOnTimeout ?? false;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 2000;
  }

  /** Whether another attempt may succeed where this one failed. */
  isRetryable(err: unknown): boolean {
    if (!(err instanceof UpstreamError)) return false;
    if (err.detail.retryable === false) return false;
    if (err.code === ErrorCode.UPSTREAM_TIMEOUT) return this.retryOnTimeout;
    if (err.detail.legacyCode === 'BREAKER_OPEN') return false;
    // A wait beyond the budget fails now: sooner would be refused again, later keeps the caller waiting too long.
    const retryAfter = err.detail.retryAfterMs;
    if (retryAfter !== undefined && retryAfter > this.maxRetryAfterMs) return false;
    if (err.isRateLimited) return true;
    return err.code === ErrorCode.UPSTREAM_UNAVAILABLE;
  }

  /** The wait before attempt `attempt + 1`: the system's Retry-After in full, else exponential backoff with jitter. */
  delayMs(attempt: number, err: UpstreamError): number {
    const retryAfter = err.detail.retryAfterMs;
    if (retryAfter !== undefined) return retryAfter;
    const ceiling = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }
}

/** Retry-After as ms: delay-seconds ("2") or an HTTP-date (RFC 9110 10.2.3); undefined when absent or unreadable. */
export function retryAfterOf(header: string | string[] | undefined, nowMs: number = Date.now()): number | undefined {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
