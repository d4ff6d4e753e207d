import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, fetch } from 'undici';

/** Apollo's `Fetcher` (from @apollo/utils.fetcher), taken from the data source so we depend on @apollo/gateway only. */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];

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

  /** A fetcher whose every request is aborted with a `TimeoutError` after `timeoutMs`. */
  fetcher(timeoutMs: number): Fetcher {
    return async (url, init = {}) => {
      const deadline = AbortSignal.timeout(timeoutMs);
      return fetch(url, {
        method: init.method,
        headers: init.headers,
        body: init.body,
        dispatcher: this.agent,
        signal: init.signal instanceof AbortSignal ? AbortSignal.any([init.signal, deadline]) : deadline,
      });
    };
  }

  /** Closes idle connections and waits for in-flight requests. */
  close(): Promise<void> {
    return this.agent.close();
  }
}
