import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { STATUS_CODES } from 'node:http';
import { Agent, type Dispatcher } from 'undici';

/** Apollo's `Fetcher` (from @apollo/utils.fetcher), taken from the data source so we depend on @apollo/gateway only. */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

export interface SubgraphHttpPoolOptions {
  /**
   * Connections kept per subgraph origin; requests beyond it queue rather than open more sockets.
   * @default 64
   */
  connectionsPerOrigin?: number;
  /**
   * How long an idle keep-alive connection is kept open.
   * @default 30000
   */
  keepAliveTimeoutMs?: number;
}

/**
 * The gateway's keep-alive HTTP pool towards subgraphs (one undici Agent, a bounded pool per origin). Every fetch
 * has a deadline covering connect, headers and body, so a hung subgraph costs its own fields, not the request.
 * Never retries: a subgraph fetch may be a mutation that moves money.
 */
export class SubgraphHttpPool {
  private readonly agent: Agent;

  constructor(options: SubgraphHttpPoolOptions = {}) {
    const keepAliveTimeout = options.keepAliveTimeoutMs ?? 30_000;
    this.agent = new Agent({
      connections: options.connectionsPerOrigin ?? 64,
      keepAliveTimeout,
      keepAliveMaxTimeout: Math.max(keepAliveTimeout, 600_000),
      // Deadlines are per request (AbortSignal below); these only stop undici's own 300 s defaults from lingering.
      headersTimeout: 0,
      bodyTimeout: 0,
      connectTimeout: 10_000,
    });
  }

  /**
   * A fetcher whose every request is aborted with a `TimeoutError` after `timeoutMs` (connect, headers and body).
   *
   * It speaks undici's dispatcher API rather than WHATWG `fetch`: the gateway makes several subgraph fetches per
   * request, and `fetch`'s web streams, Response objects and the three abort signals a deadline took
   * (`AbortSignal.timeout` + `AbortSignal.any`) were about an eighth of the gateway's CPU under the dashboard load
   * (issue 7's profile). The body is read whole (a subgraph answers one JSON document) and handed to Apollo as the
   * small `FetcherResponse` it needs.
   */
  fetcher(timeoutMs: number): Fetcher {
    return async (url, init = {}) => {
      const target = new URL(url);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(timeoutError(timeoutMs)), timeoutMs);
      const external: unknown = init.signal;
      const onAbort = () => controller.abort((external as AbortSignal).reason);
      if (external instanceof AbortSignal) {
        if (external.aborted) onAbort();
        else external.addEventListener('abort', onAbort, { once: true });
      }
      try {
        const response = await this.agent.request({
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
          headers: init.headers ?? {},
          body: init.body ?? null,
          signal: controller.signal,
        });
        const text = await response.body.text();
        return new BufferedResponse(url, response.statusCode, response.headers, text);
      } finally {
        clearTimeout(timer);
        if (external instanceof AbortSignal) external.removeEventListener('abort', onAbort);
      }
    };
  }

  /** Closes idle connections and waits for in-flight requests. */
  close(): Promise<void> {
    return this.agent.close();
  }
}

/**
 * Whether a failed fetch ran out of time: our deadline (timeoutError below, named like `AbortSignal.timeout`'s) or
 * undici's own (UND_ERR_*_TIMEOUT codes), on the error or its causes.
 */
export function isTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.name === 'TimeoutError' || (typeof code === 'string' && /^UND_ERR_\w*TIMEOUT$/.test(code))) return true;
  }
  return false;
}

/** The error our deadline aborts with: named like `AbortSignal.timeout`'s, which the data source maps to UPSTREAM_TIMEOUT. */
function timeoutError(timeoutMs: number): Error {
  const err = new Error(`subgraph did not answer within ${timeoutMs} ms`);
  err.name = 'TimeoutError';
  return err;
}

/** A subgraph's answer, read whole: what `RemoteGraphQLDataSource` reads of a response (status, headers, body). */
class BufferedResponse implements FetcherResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly redirected = false;
  readonly headers: FetcherHeaders;
  private used = false;

  constructor(
    readonly url: string,
    readonly status: number,
    headers: Record<string, string | string[] | undefined>,
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = new ReadOnlyHeaders(headers);
  }

  get bodyUsed(): boolean {
    return this.used;
  }

  text(): Promise<string> {
    this.used = true;
    return Promise.resolve(this.body);
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.text(), 'utf8');
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    return new BufferedResponse(this.url, this.status, Object.fromEntries(this.headers), this.body);
  }
}

/** Response headers (names lower-cased by undici); a received response's headers are not for changing. */
class ReadOnlyHeaders implements FetcherHeaders {
  private readonly map = new Map<string, string>();

  constructor(headers: Record<string, string | string[] | undefined>) {
    for (const [name, value] of Object.entries(headers)) {
      if (value !== undefined) this.map.set(name.toLowerCase(), Array.isArray(value) ? value.join(', ') : value);
    }
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  append(): void {
    throw new TypeError('response headers are read-only');
  }
  delete(): void {
    throw new TypeError('response headers are read-only');
  }
  set(): void {
    throw new TypeError('response headers are read-only');
  }
  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
  values(): IterableIterator<string> {
    return this.map.values();
  }
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
