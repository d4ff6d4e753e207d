import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ApolloServer, HeaderMap, type BaseContext } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/resolverMap.js';
import { applyMiddleware } from 'graphql-middleware';
import type { IMiddlewareGenerator } from 'graphql-middleware';
import type { DocumentNode, GraphQLFormattedError } from 'graphql';
import { CONTEXT_HEADER, ContextVerifier, InvalidContextError, type InternalContext } from './context.js';
import { ErrorCode, isPublicCode } from './errors.js';
import { createLogger, type Logger } from './log.js';

/**
 * What every subgraph shares: the HTTP edge (GET /health, POST /graphql), the signed-context check that keeps a
 * subgraph port from being a way around the gateway, the permissions (graphql-shield) wrapped around the federated
 * schema, and error masking as a second line behind the gateway's.
 */

export interface SubgraphDefinition<TContext extends BaseContext> {
  /** The subgraph's name as in the supergraph ("accounts"). */
  readonly name: string;
  readonly typeDefs: DocumentNode;
  /** The codegen-typed resolver map (`Resolvers` of the subgraph's __generated__/resolvers-types.ts). */
  readonly resolvers: Readonly<Record<string, unknown>>;
  /** graphql-shield middleware, deny by default (its rules read only the PrincipalContext part of TContext). */
  readonly permissions: IMiddlewareGenerator<unknown, unknown, unknown>;
  /** Builds the per-request context (DataLoaders live here, never on a global). */
  readonly createContext: (base: InternalContext) => TContext;
  readonly verifier: ContextVerifier;
  readonly logger?: Logger;
}

export interface RunningSubgraph {
  /** http://host:port/graphql */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface SubgraphServer {
  readonly name: string;
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port?: number, host?: string): Promise<RunningSubgraph>;
}

const MAX_BODY_BYTES = 1024 * 1024;

export async function createSubgraphServer<TContext extends BaseContext>(
  def: SubgraphDefinition<TContext>,
): Promise<SubgraphServer> {
  const logger = def.logger ?? createLogger(`subgraph-${def.name}`);
  const schema = applyMiddleware(buildSubgraphSchema({
      typeDefs: def.typeDefs,
      // Codegen types each resolver with the subgraph's own context; Apollo's map is context-agnostic.
      resolvers: def.resolvers as GraphQLResolverMap<unknown>,
    }), def.permissions);
  const apollo = new ApolloServer<TContext>({
    schema,
    // The gateway is the only client and it does not ask for traces; skip the per-field timing work.
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    includeStacktraceInErrorResponses: false,
    csrfPrevention: false, // only the gateway calls us, with a signed context, never a browser
    formatError: (formatted, error) => maskSubgraphError(formatted, error, logger, def.name),
  });
  await apollo.start();

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    serve(req, res).catch((err: unknown) => {
      logger.error({ err }, 'subgraph request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Unexpected error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] });
      else res.destroy();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://subgraph');
    if (url.pathname === '/health' && req.method === 'GET') {
      sendJson(res, 200, { status: 'ok', subgraph: def.name });
      return;
    }
    if (url.pathname !== '/graphql') {
      sendJson(res, 404, { errors: [{ message: `no route ${req.method} ${url.pathname}`, extensions: { code: ErrorCode.NOT_FOUND } }] });
      return;
    }
    let base: InternalContext;
    try {
      const header = req.headers[CONTEXT_HEADER];
      base = await def.verifier.verify(Array.isArray(header) ? header[0] : header);
    } catch (err) {
      const message = err instanceof InvalidContextError ? err.message : 'invalid signed context';
      sendJson(res, 401, { errors: [{ message, extensions: { code: ErrorCode.UNAUTHENTICATED } }] });
      return;
    }
    const raw = await readBody(req);
    if (raw === null) {
      sendJson(res, 413, { errors: [{ message: 'request body too large', extensions: { code: ErrorCode.BAD_REQUEST } }] });
      return;
    }
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      sendJson(res, 400, { errors: [{ message: 'malformed JSON body', extensions: { code: ErrorCode.BAD_REQUEST } }] });
      return;
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: (req.method ?? 'POST').toUpperCase(), headers, search: url.search, body },
      context: async () => def.createContext(base),
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

  return {
    name: def.name,
    handle,
    listen: (port = 0, host = '127.0.0.1') => listen(handle, port, host, async () => apollo.stop()),
  };
}

/**
 * Only our typed errors and GraphQL's own request errors keep their message; anything else is a bug or a leak
 * waiting to happen and becomes "Unexpected error." (the original is logged with the request id).
 */
function maskSubgraphError(formatted: GraphQLFormattedError, error: unknown, logger: Logger, name: string): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (isPublicCode(code)) {
    const { service } = formatted.extensions ?? {};
    return {
      message: formatted.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code, ...(service ? { service } : {}), ...pickPublic(formatted.extensions) },
    };
  }
  logger.error({ err: error, subgraph: name, path: formatted.path }, 'masked an unexpected error');
  return {
    message: 'Unexpected error.',
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
  };
}

/** Public extension keys a typed error may carry besides code and service. */
const PUBLIC_EXTENSION_KEYS = ['field', 'retryAfterSeconds'] as const;

function pickPublic(ext: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PUBLIC_EXTENSION_KEYS) if (ext && ext[k] !== undefined) out[k] = ext[k];
  return out;
}

function listen(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
  onStop: () => Promise<void>,
): Promise<RunningSubgraph> {
  const server: Server = createServer({ keepAliveTimeout: 65_000 }, handle);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${actual}/graphql`,
        port: actual,
        stop: async () => {
          await new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
            // In-flight requests get a moment to finish; then the sockets go.
            setTimeout(() => {
              for (const s of sockets) s.destroy();
            }, 2000).unref();
          });
          await onStop();
        },
      });
    });
  });
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/** Runs a subgraph as a process: used by each subgraphs/<name>/index.ts. Stops cleanly on SIGTERM. */
export async function runSubgraph(server: SubgraphServer, port: number, host: string, onStop?: () => Promise<void>): Promise<RunningSubgraph> {
  const running = await server.listen(port, host);
  console.log(`${server.name} subgraph listening on ${running.url}`);
  const stop = () => {
    void running
      .stop()
      .then(() => onStop?.())
      .then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return running;
}
