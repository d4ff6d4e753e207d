import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { CONTEXT_HEADER, ContextVerifier, InvalidContextError, type InternalContext } from './context.js';
import { isDeliberateError, maskFormattedError, UNEXPECTED_MESSAGE } from './error-masking.js';
import { ErrorCode, UpstreamError } from './errors.js';
import { drain, readBody, sendJson } from './http.js';
import { createLogger, type Logger } from './log.js';
import { metricsConfig } from './config.js';
import { registerDependencyGauge, type DependencyReport } from './metrics/dependencies.js';
import { serveMetrics } from './metrics/http.js';
import { SubgraphMetrics } from './metrics/subgraph.js';
import type { Permissions, PrincipalContext } from './permissions.js';
import { noteRequestId, traceHttpServer } from './telemetry/http-server.js';
import { setupTracing } from './telemetry/setup.js';

/**
 * What every subgraph shares: the HTTP edge (GET /health, GET /metrics, POST /graphql), the signed-context check that
 * keeps a subgraph port from being a way around the gateway, the permissions (lib/permissions.ts, deny by default)
 * guarding every field of the federated schema, and error masking as a second line behind the gateway's.
 */

export interface SubgraphDefinition<TContext extends BaseContext> {
  /** The subgraph's name as in the supergraph ("accounts"). */
  readonly name: string;
  readonly typeDefs: DocumentNode;
  /** The codegen-typed resolver map (`Resolvers` of the subgraph's __generated__/resolvers-types.ts). */
  readonly resolvers: Readonly<Record<string, unknown>>;
  /** The subgraph's permissions.ts, deny by default (its rules read only the PrincipalContext part of TContext). */
  readonly permissions: Permissions;
  /** Builds the per-request context (DataLoaders live here, never on a global). */
  /** The resolvers' context, from the verified signed context and the request's headers. */
  readonly createContext: (base: InternalContext, headers: IncomingHttpHeaders) => TContext;
  /** Holds the gateway's public keys; this subgraph accepts only contexts whose audience is its `name`. */
  readonly verifier: ContextVerifier;
  /** @default createLogger(`subgraph-${name}`) */
  readonly logger?: Logger;
  /**
   * How long stop() lets in-flight requests finish before closing their connections. Above what one legacy call may
   * cost (a 2 s attempt, retried twice, and a Retry-After of up to 2 s), so a request a slow system holds up still
   * gets its answer during a rolling deploy. @default 15000
   */
  readonly drainTimeoutMs?: number;
  /**
   * The dependencies this subgraph reports (the journeys subgraph: its Redis), in `GET /ready?verbose` and as
   * `bankgraph_dependency_up` in /metrics. They never make /ready fail: /ready says whether this process can serve
   * (listening, not draining), so one failing dependency does not take every replica out of the load balancer at
   * once; requests that need it fail with their own error codes. /health never calls anything. @default none
   */
  readonly dependencies?: () => Promise<DependencyReport>;
  /**
   * Routes for what legacy systems send on their own (a rail's pushed pacs.002, a KYC vendor's webhook), by exact path
   * ("/inbound/payment-rail/status-reports"). They are served without the gateway's signed context: the sender is a
   * legacy system, not the gateway, so each handler authenticates its sender itself (a webhook signature, a shared
   * token) and answers every request. @default none
   */
  readonly inbound?: Readonly<Record<string, InboundHandler>>;
  /**
   * REST routes by path prefix or pattern, tried in order after `inbound` (the first that matches serves). A route
   * `signed: true` is for the gateway (a partner's request it forwards, its own internal call): the signed context
   * is verified as for /graphql (401 otherwise), the body read within the same limit (413) and parsed as JSON
   * (400), and the handler gets the context. A route `signed: false` is an inbound one whose path carries an id
   * (`/internal/consents/{id}/authorisation`): its handler authenticates its sender itself. @default none
   */
  readonly routes?: readonly SubgraphRoute[];
}

/** One inbound route: reads the request, authenticates its sender, answers. A throw is answered 500 and logged. */
export type InboundHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** A request that came through the gateway: its verified context and its JSON body (undefined when empty). */
export interface SignedRequest {
  readonly req: IncomingMessage;
  readonly url: URL;
  readonly context: InternalContext;
  readonly body: unknown;
}

/** Serves one signed request. A throw is answered 500 and logged. */
export type SignedRouteHandler = (request: SignedRequest, res: ServerResponse) => Promise<void>;

/** How a route says no before its handler runs (no context, too large, not JSON): its own error body. */
export type RouteRefusal = (res: ServerResponse, status: number, code: ErrorCode, message: string) => void;

export type SubgraphRoute =
  | {
      /** A path prefix ("/open-banking/"), or a pattern the whole path must match. */
      readonly path: string | RegExp;
      readonly signed: true;
      readonly handle: SignedRouteHandler;
      /** @default `{"error": {"code", "message"}}` */
      readonly refuse?: RouteRefusal;
    }
  | { readonly path: string | RegExp; readonly signed: false; readonly handle: InboundHandler };

/** The default refusal of a route: `{ error: { code, message } }`. */
export const refuseRoute: RouteRefusal = (res, status, code, message) => sendJson(res, status, { error: { code, message } });

function routeMatches(route: SubgraphRoute, pathname: string): boolean {
  return typeof route.path === 'string' ? pathname.startsWith(route.path) : route.path.test(pathname);
}

export interface RunningSubgraph {
  /** http://host:port/graphql */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (forcing after drainTimeoutMs), stops Apollo. */
  stop(): Promise<void>;
}

export interface SubgraphServer {
  readonly name: string;
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port?: number, host?: string): Promise<RunningSubgraph>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_DRAIN_TIMEOUT_MS = 15_000;

export async function createSubgraphServer<TContext extends BaseContext>(
  def: SubgraphDefinition<TContext>,
): Promise<SubgraphServer> {
  const logger = def.logger ?? createLogger(`subgraph-${def.name}`);
  // Per server: its requests; the process's metrics (legacy calls, breakers, journeys) join it at GET /metrics.
  const metrics = new SubgraphMetrics(def.name);
  const metricsToken = metricsConfig().token;
  const schema = subgraphSchema(def);
  const apollo = new ApolloServer<TContext>({
    schema,
    plugins: [
      // The gateway is the only client and it does not ask for traces; skip the per-field timing work.
      ApolloServerPluginInlineTraceDisabled(),
      // No schema has cache hints (@cacheControl), yet Apollo's default cache-control plugin wraps every resolver to
      // collect them, a wrapper and a hook call on every field of every row (issue 7's profile). Its one visible
      // effect stays.
      ApolloServerPluginCacheControlDisabled(),
      noStorePlugin(),
      // Legacy failures at warn (with their detail), unexpected errors at error: both with the request id.
      errorLogPlugin<TContext>(logger, def.name),
      metrics.plugin<TContext>(),
    ],
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false, // only the gateway calls us, with a signed context, never a browser
    // The gateway masks again; masking here too keeps a subgraph safe on its own (and its logs the only place for
    // an original).
    formatError: (formatted, error) => maskFormattedError(formatted, isDeliberateError(error)),
  });
  await apollo.start();

  const lifecycle = { stopping: false };
  if (def.dependencies) registerDependencyGauge(metrics.registry, def.dependencies);

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A server span continuing the gateway's trace, and a log context serve() fills with the request id once the
    // signed context is verified.
    const attributes = { 'bankgraph.subgraph': def.name };
    traceHttpServer(
      req,
      res,
      `subgraph-${def.name}`,
      {},
      () =>
        serve(req, res).catch((err: unknown) => {
          logger.error({ err }, 'subgraph request failed');
          if (!res.headersSent) sendJson(res, 500, { errors: [{ message: UNEXPECTED_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
          else res.destroy();
        }),
      attributes,
    );
  };

  /**
   * The signed context and JSON body of a request for the gateway's routes (/graphql and signed REST routes); undefined
   * once it was refused (401 without a valid context, 413 too large, 400 not JSON) or the connection went away.
   */
  async function verifiedRequest(
    req: IncomingMessage,
    res: ServerResponse,
    refuse: (status: number, code: ErrorCode, message: string) => void,
  ): Promise<{ base: InternalContext; body: unknown } | undefined> {
    let base: InternalContext;
    try {
      const header = req.headers[CONTEXT_HEADER];
      base = await def.verifier.verify(Array.isArray(header) ? header[0] : header, def.name);
      noteRequestId(base.requestId);
    } catch (err) {
      const message = err instanceof InvalidContextError ? err.message : 'invalid signed context';
      metrics.rejected();
      refuse(401, ErrorCode.UNAUTHENTICATED, message);
      return undefined;
    }
    let read: Awaited<ReturnType<typeof readBody>>;
    try {
      read = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      // The connection ended before the whole body came (the gateway gave up on this fetch at its deadline, or a
      // malformed chunk): nobody is left to answer and nothing is wrong here. An info line, not an error.
      if (!req.destroyed && !req.readableAborted) throw err;
      logger.info({ reason: (err as Error).message }, 'the connection closed before the request body was read');
      res.destroy();
      return undefined;
    }
    if (read.kind === 'too-large') {
      if (!read.drained) res.setHeader('connection', 'close');
      metrics.rejected();
      refuse(413, ErrorCode.BAD_REQUEST, 'request body too large');
      return undefined;
    }
    try {
      return { base, body: read.text ? (JSON.parse(read.text) as unknown) : undefined };
    } catch {
      metrics.rejected();
      refuse(400, ErrorCode.BAD_REQUEST, 'malformed JSON body');
      return undefined;
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    if (url.pathname === '/health' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok', subgraph: def.name });
      return;
    }
    if (url.pathname === '/ready' && req.method === 'GET') {
      if (lifecycle.stopping) {
        sendJson(res, 503, { status: 'unavailable', ready: false, reason: 'shutting down', subgraph: def.name });
        return;
      }
      // Dependencies only when asked for (?verbose): a load balancer's probe costs nothing and cannot cascade.
      const dependencies = url.searchParams.has('verbose') && def.dependencies ? await def.dependencies() : undefined;
      if (dependencies && !dependencies.ok) logger.warn({ reason: dependencies.reason }, 'a dependency is not answering');
      sendJson(res, 200, { status: 'ready', ready: true, subgraph: def.name, ...(dependencies ? { dependencies } : {}) });
      return;
    }
    if (url.pathname === '/metrics') return serveMetrics(req, res, metrics.registry, metricsToken);
    const inbound = def.inbound && Object.hasOwn(def.inbound, url.pathname) ? def.inbound[url.pathname] : undefined;
    if (inbound) return inbound(req, res);
    const route = def.routes?.find((r) => routeMatches(r, url.pathname));
    if (route && !route.signed) return route.handle(req, res);
    if (route?.signed) {
      const refuse = route.refuse ?? refuseRoute;
      const signed = await verifiedRequest(req, res, (status, code, message) => refuse(res, status, code, message));
      if (signed) await route.handle({ req, url, context: signed.base, body: signed.body }, res);
      return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: `no route ${req.method} ${url.pathname}`, extensions: { code: ErrorCode.NOT_FOUND } }] });
      return;
    }
    const graphqlRefusal = (status: number, code: ErrorCode, message: string) => sendJson(res, status, { errors: [{ message, extensions: { code } }] });
    const signed = await verifiedRequest(req, res, graphqlRefusal);
    if (!signed) return;
    const { base, body } = signed;
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'POST').toUpperCase(), headers, search: url.search, body },
      context: async () => def.createContext(base, req.headers),
    });
    const out: Record<string, string> = {};
    for (const [k, v] of result.headers) out[k] = v;
    res.writeHead(result.status ?? 200, out);
    if (result.body.kind === 'complete') {
      res.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
  }

  const drainTimeoutMs = def.drainTimeoutMs ?? DEFAULT_DRAIN_TIMEOUT_MS;
  return {
    name: def.name,
    handle,
    listen: (port = 0, host = '127.0.0.1') =>
      listen(handle, port, host, drainTimeoutMs, () => (lifecycle.stopping = true), async () => apollo.stop()),
  };
}

/** The schema a subgraph serves: its federated schema (`_entities`, `_service` included) with every field guarded. */
export function subgraphSchema(def: Pick<SubgraphDefinition<BaseContext>, 'typeDefs' | 'resolvers' | 'permissions'>): GraphQLSchema {
  return def.permissions.apply(
    buildSubgraphSchema({
      typeDefs: def.typeDefs,
      // Codegen types each resolver with the subgraph's own context; Apollo's map is context-agnostic.
      resolvers: def.resolvers as GraphQLResolverMap<unknown>,
    }),
  );
}

/** `cache-control: no-store` on every GraphQL answer, as Apollo's cache-control plugin set it when no hint allowed caching. */
function noStorePlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (!response.http.headers.has('cache-control')) response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}

/**
 * Logs what went wrong in a request, with its request id (one id follows a request through every process):
 *  - a legacy system's failure (UpstreamError) at warn, with its detail (route, status, legacy code and message,
 *    PAN-scrubbed by the logger's err serializer): the client only sees "core-banking is unavailable";
 *  - anything not deliberate (lib/error-masking.ts) at error: the client sees "Unexpected error.", this is the original.
 */
function errorLogPlugin<TContext extends BaseContext>(logger: Logger, subgraph: string): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          const requestId = (contextValue as Partial<PrincipalContext> | undefined)?.requestId;
          for (const error of errors) {
            const original = error.originalError;
            const path = error.path?.join('.');
            if (original instanceof UpstreamError) {
              logger.warn({ requestId, subgraph, service: original.system, code: original.code, path, err: original }, 'legacy call failed');
            } else if (!isDeliberateError(error)) {
              logger.error({ requestId, subgraph, path, err: original ?? error }, 'unexpected error (masked for the client)');
            }
          }
        },
      };
    },
  };
}

function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
  drainTimeoutMs: number,
  onStopping: () => void,
  onStop: () => Promise<void>,
): Promise<RunningSubgraph> {
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      let stopped: Promise<void> | undefined;
      resolve({
        url: `http://${host}:${actual}/graphql`,
        port: actual,
        stop: () =>
          (stopped ??= (async () => {
            onStopping();
            await drain(server, drainTimeoutMs);
            await onStop();
          })()),
      });
    });
  });
}

/**
 * Runs a subgraph as a process: used by each subgraphs/<name>/index.ts. Sets up the process's tracing (exporter from
 * the OTEL_* environment, lib/telemetry/setup.ts). Stops cleanly on SIGTERM, flushing the last spans.
 */
export async function runSubgraph(server: SubgraphServer, port: number, host: string, onStop?: () => Promise<void>): Promise<RunningSubgraph> {
  const tracing = setupTracing({ serviceName: `subgraph-${server.name}` });
  const running = await server.listen(port, host);
  console.log(`${server.name} subgraph listening on ${running.url}`);
  const stop = () => {
    void running
      .stop()
      .then(() => onStop?.())
      .then(() => tracing.shutdown())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return running;
}
