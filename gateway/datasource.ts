import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CONTEXT_HEADER, type ContextSigner } from '../lib/context.js';
import { DEADLINE_HEADER } from '../lib/deadline.js';
import { BankError, ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { injectTraceContext } from '../lib/telemetry/spans.js';
import type { GatewayContext } from './context.js';
import { isTimeout, type Fetcher } from './fetcher.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

/** A subgraph's answer as @apollo/gateway sees it (its type package is not a dependency of ours). */
type GatewayGraphQLResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/**
 * Signs the internal context for each subgraph a request fetches from: for that subgraph only (its name is the
 * audience) and expiring when the gateway stops waiting for the fetch (its timeout from now), so a context is worth
 * nothing to another subgraph or after its fetch. Kept per request and subgraph, by the request's context object so
 * nothing outlives the request: a request's later fetches to the same subgraph reuse it while at least half its
 * lifetime is left, and get a fresh one after that (whose `exp` is again that fetch's deadline), so a late fetch
 * never carries a context about to expire.
 */
export class SignedContexts {
  private readonly signed = new WeakMap<GatewayContext, Map<string, { token: Promise<string>; expiresAtMs: number }>>();

  constructor(private readonly signer: ContextSigner) {}

  /** The context for a fetch to `subgraph` that the gateway waits `deadlineMs` for. */
  of(ctx: GatewayContext, subgraph: string, deadlineMs: number): Promise<string> {
    const now = Date.now();
    let ofRequest = this.signed.get(ctx);
    if (!ofRequest) this.signed.set(ctx, (ofRequest = new Map()));
    const hit = ofRequest.get(subgraph);
    if (hit && hit.expiresAtMs - now >= deadlineMs / 2) return hit.token;
    const expiresAtMs = now + deadlineMs;
    const token = this.signer.sign({ principal: ctx.principal, requestId: ctx.requestId }, { audience: subgraph, expiresAtMs });
    ofRequest.set(subgraph, { token, expiresAtMs });
    return token;
  }
}

export interface SubgraphDataSourceOptions {
  /** The subgraph's name in the supergraph; clients see it as `extensions.service` when it fails. */
  name: string;
  url: string;
  fetcher: Fetcher;
  contexts: SignedContexts;
  logger: Logger;
  /**
   * Share one subgraph fetch between identical queries of the same principal that are in flight at the same time
   * (see `process`). Mutations are never shared. @default true
   */
  collapseQueries?: boolean;
  /** Told each time a fetch joins one already in flight (metrics). */
  onCollapsed?: (subgraph: string) => void;
  /**
   * The principals' writes, shared by every subgraph of one gateway: a mutation sent to one subgraph must stop a
   * later query to another from joining an earlier fetch. @default one of its own
   */
  writeEpochs?: WriteEpochs;
  /**
   * How long the gateway waits for one fetch, told to the subgraph in DEADLINE_HEADER; the signed context expires
   * with it. The fetcher is the one that enforces it.
   */
  timeoutMs: number;
}

/**
 * One subgraph as the gateway sees it: every fetch carries the signed context, the request id and the trace context
 * (`traceparent`); a fetch that fails as a whole (refused connection, timeout, HTTP error, unreadable body) becomes
 * an UPSTREAM_* BankError naming the subgraph. @apollo/gateway pushes such a thrown error into the response as is
 * (without `serviceName`, which it only adds to errors a subgraph returned), so this is the one place that still
 * knows which subgraph failed.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly serviceName: string;
  private readonly contexts: SignedContexts;
  private readonly logger: Logger;
  private readonly collapseQueries: boolean;
  private readonly onCollapsed: ((subgraph: string) => void) | undefined;
  private readonly inFlight = new Map<string, Promise<GatewayGraphQLResponse>>();
  private readonly writes: WriteEpochs;
  private readonly timeoutMs: number;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher });
    this.collapseQueries = options.collapseQueries ?? true;
    this.onCollapsed = options.onCollapsed;
    this.writes = options.writeEpochs ?? new WriteEpochs();
    this.serviceName = options.name;
    this.contexts = options.contexts;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs;
  }

  /**
   * Request collapsing: while a query fetch is in flight, the same query with the same variables for the same
   * principal waits for it instead of asking the subgraph (and its legacy systems) again; each waiter gets its own
   * copy of the answer, since the gateway merges answers into its results in place. Keyed on the whole principal
   * (a partner's consent included), never on the signed context (unique to each request), so no caller ever sees
   * an answer fetched for anyone else. Mutations always go through: each may move money. A principal reads its own
   * writes: the key carries the principal's write epoch (WriteEpochs), so a query sent after a payment never gets
   * the balance of a fetch that began before it. A waiter's trace shows no subgraph span of its own, and the
   * subgraph's logs carry the first request's id.
   */
  override process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const query = options.request.query;
    if (!this.collapseQueries || !('incomingRequestContext' in options) || !query) return super.process(options);
    const principal = JSON.stringify(options.context.principal);
    if (!QUERY_OPERATION.test(query)) {
      // A write of this principal's: queries from now on must not join one that started before it (read your own
      // writes), nor, once it has settled, one that started while it ran.
      this.writes.began(principal);
      return super.process(options).finally(() => this.writes.began(principal));
    }
    const key = `${principal}\n${this.writes.epochOf(principal)}\n${query}\n${JSON.stringify(options.request.variables ?? {})}`;
    const running = this.inFlight.get(key);
    if (running) {
      this.onCollapsed?.(this.serviceName);
      return running.then(copyOf);
    }
    const fetched = super.process(options).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, fetched);
    return fetched;
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Only incoming operations carry a request. Health checks and schema loading do not (both are off here: the
    // supergraph is a file and /ready probes `/health`); the kind enum is not exported, hence the `in` test.
    if (!('incomingRequestContext' in options)) return;
    const headers = options.request.http?.headers;
    if (!headers) return;
    // Signed just before the fetch starts, so the context's exp (now + timeout) is never after the fetch's deadline.
    headers.set(CONTEXT_HEADER, await this.contexts.of(options.context, this.serviceName, this.timeoutMs));
    headers.set(REQUEST_ID_HEADER, options.context.requestId);
    // A subgraph that answers after a wait of its own (a journey mutation) keeps within the gateway's.
    headers.set(DEADLINE_HEADER, String(this.timeoutMs));
    // The trace goes on: @apollo/gateway calls this inside its gateway.fetch span, which becomes the subgraph
    // server span's parent.
    injectTraceContext((name, value) => headers.set(name, value));
  }

  override didEncounterError(
    error: Error,
    _fetchRequest: unknown,
    fetchResponse?: { readonly status: number; readonly ok: boolean },
    context?: GatewayContext,
  ): never {
    const failure = upstreamFailure(this.serviceName, error, fetchResponse);
    this.logger.warn(
      { requestId: context?.requestId, service: this.serviceName, status: fetchResponse?.status, err: error },
      `subgraph fetch failed: ${failure.code}`,
    );
    throw failure;
  }
}

function upstreamFailure(service: string, error: Error, response?: { status: number; ok: boolean }): BankError {
  if (isTimeout(error)) {
    return new BankError(ErrorCode.UPSTREAM_TIMEOUT, `The ${service} service did not answer in time.`, {
      service,
      cause: error,
    });
  }
  if (!response || response.status >= 500) {
    return new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, `The ${service} service is unavailable.`, {
      service,
      cause: error,
    });
  }
  return new BankError(ErrorCode.UPSTREAM_BAD_RESPONSE, `The ${service} service gave an answer the gateway cannot use.`, {
    service,
    cause: error,
  });
}

/**
 * Which of its writes each principal is at: collapsed queries are keyed on it, so a query never joins a fetch that
 * began before a mutation of the same principal began or settled. A number per principal that has written, up to
 * MAX_PRINCIPALS; beyond that the map starts again from a floor above every number it gave out, so no key of an
 * older epoch can come back.
 */
export class WriteEpochs {
  private static readonly MAX_PRINCIPALS = 10_000;
  private readonly epochs = new Map<string, number>();
  private last = 0;
  private floor = 0;

  epochOf(principal: string): number {
    return this.epochs.get(principal) ?? this.floor;
  }

  began(principal: string): void {
    this.last++;
    if (this.epochs.size >= WriteEpochs.MAX_PRINCIPALS) {
      this.epochs.clear();
      this.floor = this.last;
    }
    this.epochs.set(principal, this.last);
  }
}

/** A fetch's operation is a query (Apollo's query planner writes `query Name__subgraph__0(...)` or `{...}`). */
const QUERY_OPERATION = /^\s*(?:query\b|\{)/;

/** A waiter's own copy of a shared answer: the gateway merges entity results into `data` in place. */
function copyOf(response: GatewayGraphQLResponse): GatewayGraphQLResponse {
  return {
    ...response,
    ...(response.data ? { data: structuredClone(response.data) } : {}),
    ...(response.errors ? { errors: structuredClone(response.errors) } : {}),
  };
}
