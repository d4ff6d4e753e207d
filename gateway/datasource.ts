import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CONTEXT_HEADER, type ContextSigner } from '../lib/context.js';
import { BankError, ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import type { GatewayContext } from './context.js';
import type { Fetcher } from './fetcher.js';
import { REQUEST_ID_HEADER } from './plugins/request-id.js';

/**
 * Signs the internal context once per request (one request fans out into several subgraph fetches), keyed by the
 * request's context object so nothing outlives the request. A request that outlives half the context's lifetime
 * gets a fresh signature, so its late fetches never carry an expired context.
 */
export class SignedContexts {
  private readonly signed = new WeakMap<GatewayContext, { token: Promise<string>; signedAtMs: number }>();

  constructor(
    private readonly signer: ContextSigner,
    private readonly ttlSeconds: number,
  ) {}

  of(ctx: GatewayContext): Promise<string> {
    const now = Date.now();
    const hit = this.signed.get(ctx);
    if (hit && now - hit.signedAtMs < (this.ttlSeconds * 1000) / 2) return hit.token;
    const token = this.signer.sign({ principal: ctx.principal, requestId: ctx.requestId });
    this.signed.set(ctx, { token, signedAtMs: now });
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
}

/**
 * One subgraph as the gateway sees it: every fetch carries the signed context and the request id; a fetch that fails
 * as a whole (refused connection, timeout, HTTP error, unreadable body) becomes an UPSTREAM_* BankError naming the
 * subgraph. @apollo/gateway pushes such a thrown error into the response as is (without `serviceName`, which it only
 * adds to errors a subgraph returned), so this is the one place that still knows which subgraph failed.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly serviceName: string;
  private readonly contexts: SignedContexts;
  private readonly logger: Logger;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url, fetcher: options.fetcher });
    this.serviceName = options.name;
    this.contexts = options.contexts;
    this.logger = options.logger;
  }

  override async willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Only incoming operations carry a request. Health checks and schema loading do not (both are off here: the
    // supergraph is a file and /ready probes `/health`); the kind enum is not exported, hence the `in` test.
    if (!('incomingRequestContext' in options)) return;
    const headers = options.request.http?.headers;
    if (!headers) return;
    headers.set(CONTEXT_HEADER, await this.contexts.of(options.context));
    headers.set(REQUEST_ID_HEADER, options.context.requestId);
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

/** undici reports our deadline as a TimeoutError (AbortSignal.timeout), its own as UND_ERR_*_TIMEOUT codes. */
function isTimeout(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (e.name === 'TimeoutError' || (typeof code === 'string' && /^UND_ERR_\w*TIMEOUT$/.test(code))) return true;
  }
  return false;
}
