import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { BankError, ErrorCode } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { errorBody, readBody, sendJson, type BodyRead } from '../lib/http.js';
import { serveMetrics } from '../lib/metrics/http.js';
import { traceHttpServer } from '../lib/telemetry/http-server.js';
import type { GatewayContext, RequestRecord } from './context.js';
import type { Authentication } from './plugins/authentication.js';
import type { ConsoleRoute } from './plugins/console.js';
import type { GraphiQLRoute } from './plugins/graphiql.js';
import type { GatewayMetrics } from './plugins/metrics.js';
import type { OpenBankingRoute } from './open-banking.js';
import { persistedRequestOfSearch, type PersistedOperations, type PersistedRequest } from './plugins/persisted-operations.js';
import { REQUEST_ID_HEADER, requestIdFrom } from './plugins/request-id.js';
import { logRequest } from './plugins/request-log.js';
import type { GatewayDependencies } from './readiness.js';
import type { SubscriptionRoute } from './subscriptions/route.js';

/**
 * The HTTP edge: plain node:http in front of `apollo.executeHTTPGraphQLRequest`.
 *   GET  /health   alive (never calls anything)
 *   GET  /ready    200 while this process can serve (it listens only once the supergraph is loaded), 503 while it
 *                  drains; `?verbose` adds its dependencies (subgraphs, Redis), reported, never cascaded into the
 *                  status: one dead subgraph costs its own fields, not every gateway's place in the load balancer
 *   GET  /metrics  Prometheus text format (plugins/metrics.ts; a bearer token when metricsToken is set)
 *   POST /graphql  JSON body up to the limit; GET /graphql for queries (Apollo's CSRF rules apply to both)
 *   /open-banking/ partners' consent resources, forwarded to the journeys subgraph (open-banking.ts)
 *   GET|POST /graphql/stream  journey subscriptions over Server-Sent Events (graphql-sse, subscriptions/route.ts)
 *   /console       the operations console's page, script, styles and documents; its sandbox login (plugins/console.ts)
 * Everything else is a JSON 404. Every response carries the request id.
 */

export interface EdgeOptions {
  apollo: ApolloServer<GatewayContext>;
  authentication: Authentication;
  /** Which persisted operations each caller may run (partners: only these). */
  persisted: PersistedOperations;
  /** The dependencies /ready?verbose reports (gateway/readiness.ts). */
  dependencies: () => Promise<GatewayDependencies>;
  logger: Logger;
  bodyLimitBytes: number;
  /** True once stop() began: responses then close their connection, /ready answers 503. */
  isStopping: () => boolean;
  /** The GraphiQL explorer (GET /graphiql, and GET /graphql from a browser); absent when it is off. */
  graphiql?: GraphiQLRoute;
  /** The operations console (/console and below); absent when it is off. */
  console?: ConsoleRoute;
  /** Served at GET /metrics, and told of every finished /graphql request; absent: no /metrics. */
  metrics?: GatewayMetrics;
  /** The bearer token GET /metrics wants (METRICS_TOKEN); absent: none. */
  metricsToken?: string;
  /** Everything under /open-banking/ (open-banking.ts); absent: those paths are 404 like any other. */
  openBanking?: OpenBankingRoute;
  /** The journey subscriptions at /graphql/stream (subscriptions/route.ts); absent: 404 like any other path. */
  subscriptions?: SubscriptionRoute;
}

export function createRequestHandler(options: EdgeOptions): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const record: RequestRecord = {
      requestId: requestIdFrom(req.headers[REQUEST_ID_HEADER]),
      startedAt: process.hrtime.bigint(),
      ...(req.socket.remoteAddress ? { clientAddress: req.socket.remoteAddress } : {}),
      errorCodes: [],
    };
    res.setHeader(REQUEST_ID_HEADER, record.requestId);
    if (options.isStopping()) res.setHeader('connection', 'close');
    // The server span (continuing the client's traceparent) and the log context (request id) of everything below.
    traceHttpServer(req, res, 'gateway', { requestId: record.requestId }, () =>
      route(options, record, req, res).catch((err: unknown) => {
        options.logger.error({ requestId: record.requestId, err }, 'unexpected error in the HTTP edge');
        if (res.headersSent) return void res.destroy();
        sendJson(res, 500, errorBody(ErrorCode.INTERNAL_SERVER_ERROR, 'Unexpected error.', { requestId: record.requestId }));
      }),
    );
  };
}

async function route(options: EdgeOptions, record: RequestRecord, req: IncomingMessage, res: ServerResponse) {
  const target = targetOf(req.url);
  const method = req.method ?? 'GET';
  if (!target) return sendJson(res, 400, errorBody(ErrorCode.BAD_REQUEST, 'The request target is not a valid path.'));
  const { path, search } = target;
  const isRead = method === 'GET' || method === 'HEAD';

  if (path === '/health' && isRead) return sendJson(res, 200, { status: 'ok' });
  if (path === '/ready' && isRead) {
    if (options.isStopping()) return sendJson(res, 503, { status: 'unavailable', ready: false, reason: 'shutting down' });
    // Dependencies only when asked for: a load balancer's probe calls nothing and cannot cascade.
    const dependencies = new URLSearchParams(search).has('verbose') ? await options.dependencies() : undefined;
    if (dependencies && !dependencies.ok) {
      options.logger.warn({ requestId: record.requestId, reason: dependencies.reason }, 'a dependency is not answering');
    }
    return sendJson(res, 200, { status: 'ready', ready: true, ...(dependencies ? { dependencies } : {}) });
  }

  if (path === '/metrics' && options.metrics) return serveMetrics(req, res, options.metrics.registry, options.metricsToken);

  res.on('finish', () => logRequest(options.logger, record, { method, path, status: res.statusCode }));
  if (options.graphiql?.handles(method, path, search, req.headers)) return options.graphiql.serve(method, res);
  if (options.console?.handles(path)) return options.console.serve(method, path, req, res);
  if (options.openBanking?.handles(path)) {
    const metrics = options.metrics;
    if (metrics) res.on('finish', () => metrics.openBankingFinished(req.method, path, res.statusCode));
    return options.openBanking.serve(record, req, res, path, search);
  }
  if (options.subscriptions?.handles(path)) return options.subscriptions.serve(record, req, res);
  if (path !== '/graphql') {
    const message = `Nothing at ${method} ${path}: GraphQL is served at /graphql.`;
    return sendJson(res, 404, errorBody(ErrorCode.NOT_FOUND, message));
  }
  const metrics = options.metrics;
  if (metrics) res.on('finish', () => metrics.requestFinished(record, res.statusCode));
  if (method !== 'GET' && method !== 'POST') {
    res.setHeader('allow', 'GET, POST');
    return sendJson(res, 405, errorBody(ErrorCode.BAD_REQUEST, `/graphql accepts GET and POST, not ${method}.`));
  }
  const body = method === 'POST' ? await postBody(options, record, req, res) : undefined;
  if (body === REFUSED) return;

  const response = await options.apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method, headers: headerMapOf(req), search, body },
    context: () => contextFor(options, record, req, isRead ? persistedRequestOfSearch(search) : persistedRequestOfBody(body)),
  });
  await send(res, response);
}

const REFUSED = Symbol('refused');

/**
 * The parsed JSON body, the raw text for other content types (Apollo refuses them clearly), or REFUSED (answered, or
 * nobody left to answer).
 */
async function postBody(options: EdgeOptions, record: RequestRecord, req: IncomingMessage, res: ServerResponse): Promise<unknown> {
  const limit = options.bodyLimitBytes;
  let read: BodyRead;
  try {
    read = await readBody(req, limit);
  } catch (err) {
    // The connection ended before the whole body came: the client hung up, or sent bytes node's HTTP parser refused
    // (a malformed chunk), which closes the connection. Nobody is left to answer, and nothing is wrong with the
    // gateway: an info line, not the edge's unexpected-error line.
    if (!req.destroyed && !req.readableAborted) throw err;
    options.logger.info({ requestId: record.requestId, reason: (err as Error).message }, 'the connection closed before the request body was read');
    res.destroy();
    return REFUSED;
  }
  if (read.kind === 'too-large') {
    if (!read.drained) res.setHeader('connection', 'close');
    sendJson(res, 413, errorBody(ErrorCode.BAD_REQUEST, `The request body is larger than the limit of ${limit} bytes.`));
    return REFUSED;
  }
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') return read.text;
  if (read.text.trim() === '') return undefined;
  try {
    return JSON.parse(read.text);
  } catch {
    sendJson(res, 400, errorBody(ErrorCode.BAD_REQUEST, 'The request body is not valid JSON.'));
    return REFUSED;
  }
}

/**
 * The Apollo context: only built for a caller with a valid token (see plugins/authentication.ts) asking for an
 * operation it may run (partners: persisted operations of their own manifest, plugins/persisted-operations.ts).
 */
async function contextFor(
  options: EdgeOptions,
  record: RequestRecord,
  req: IncomingMessage,
  operation: PersistedRequest,
): Promise<GatewayContext> {
  try {
    const authenticated = await options.authentication.authenticate(req.headers.authorization);
    record.principal = authenticated.principal;
    const persisted = options.persisted.admit(authenticated.principal, operation);
    // The consent is asked for later (plugins/consent.ts), once the operation is resolved and within the rate limits:
    // a request refused before then costs the consent none of its daily accesses.
    const pendingConsent =
      authenticated.consentId === null
        ? undefined
        : {
            authenticated,
            request: {
              // FAPI: a partner sends the customer's IP address only while the customer is using its app.
              customerPresent: typeof req.headers['x-fapi-customer-ip-address'] === 'string' && req.headers['x-fapi-customer-ip-address'] !== '',
              requestId: record.requestId,
            },
          };
    return { requestId: record.requestId, principal: authenticated.principal, record, ...(persisted ? { persisted } : {}), ...(pendingConsent ? { pendingConsent } : {}) };
  } catch (err) {
    if (err instanceof BankError) {
      record.errorCodes.push(err.code);
      throw err;
    }
    options.logger.error({ requestId: record.requestId, err }, 'authentication failed unexpectedly');
    record.errorCodes.push(ErrorCode.INTERNAL_SERVER_ERROR);
    throw new GraphQLError('Unexpected error.', {
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId: record.requestId, http: { status: 500 } },
    });
  }
}

/** What a POST body says about persisted operations (nothing for a body that is not a JSON object). */
function persistedRequestOfBody(body: unknown): PersistedRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  const { query, documentId, extensions } = body as Record<string, unknown>;
  return { query, documentId, extensions };
}

/** Path and query of an origin-form request target (`/graphql?query=...`); undefined for anything else. */
function targetOf(url: string | undefined): { path: string; search: string } | undefined {
  if (!url?.startsWith('/') || url.startsWith('//')) return undefined;
  try {
    const parsed = new URL(url, 'http://gateway');
    return { path: parsed.pathname, search: parsed.search };
  } catch {
    return undefined;
  }
}

function headerMapOf(req: IncomingMessage): HeaderMap {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

async function send(res: ServerResponse, response: HTTPGraphQLResponse): Promise<void> {
  res.statusCode = response.status ?? 200;
  for (const [name, value] of response.headers) res.setHeader(name, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
    return;
  }
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}
