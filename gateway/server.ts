import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { authConfig, bindHost, isProduction, type AuthConfig } from '../lib/config.js';
import { ContextSigner } from '../lib/context.js';
import { drain } from '../lib/http.js';
import { createLogger, type Logger } from '../lib/log.js';
import { TokenVerifier } from '../lib/tokens.js';
import type { GatewayContext } from './context.js';
import { SignedContexts, SubgraphDataSource } from './datasource.js';
import { SubgraphHttpPool } from './fetcher.js';
import { createRequestHandler } from './http.js';
import { Authentication } from './plugins/authentication.js';
import { errorMaskingPlugin, maskError } from './plugins/error-masking.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { probeSubgraphs } from './readiness.js';
import { FileSupergraph, subgraphsOf, type SubgraphEndpoint } from './supergraph.js';

export interface GatewayOptions {
  /** The composed supergraph SDL file. Reloaded when it changes; a file that does not build keeps the old schema. */
  supergraphPath: string;
  /**
   * Subgraph URLs by subgraph name, replacing the URLs written in the supergraph (tests run subgraphs on port 0).
   * @default {} (the supergraph's URLs)
   */
  subgraphUrls?: Partial<Record<string, string>>;
  /** @default 0 (any free port; gateway/index.ts passes portOf('gateway')) */
  port?: number;
  /** @default bindHost() (HOST, else 127.0.0.1) */
  host?: string;
  /** Token verification and the internal context key. @default authConfig() */
  auth?: AuthConfig;
  /** @default createLogger('gateway') */
  logger?: Logger;
  /**
   * Deadline of one subgraph fetch, in ms, or a function of the subgraph's name (KYC may deserve longer).
   * @default 10000
   */
  subgraphTimeoutMs?: number | ((subgraph: string) => number);
  /** @default !isProduction() */
  introspection?: boolean;
  /** Hide "Did you mean ...?" suggestions from validation errors. @default isProduction() */
  hideSchemaSuggestions?: boolean;
  /** Largest request body accepted; larger ones get 413. @default 1048576 (1 MiB) */
  bodyLimitBytes?: number;
  /** How long stop() lets in-flight requests finish before closing their connections. @default 10000 */
  drainTimeoutMs?: number;
  /** Deadline of each subgraph probe behind /ready. @default 1000 */
  readinessTimeoutMs?: number;
}

export interface RunningGateway {
  /** http://host:port/graphql */
  url: string;
  /** http://host:port */
  origin: string;
  server: Server;
  /** Stops accepting, drains in-flight requests (forcing after drainTimeoutMs), stops Apollo. Idempotent. */
  stop(): Promise<void>;
}

export async function createGateway(options: GatewayOptions): Promise<RunningGateway> {
  const logger = options.logger ?? createLogger('gateway');
  const auth = options.auth ?? authConfig();
  const pool = new SubgraphHttpPool();
  const contexts = new SignedContexts(
    new ContextSigner(auth.internalContextSecret, auth.internalContextTtlSeconds),
    auth.internalContextTtlSeconds,
  );
  const urlOf = ({ name, url }: SubgraphEndpoint) => options.subgraphUrls?.[name] ?? url;
  const timeout = options.subgraphTimeoutMs ?? 10_000;
  const timeoutOf = (name: string) => (typeof timeout === 'function' ? timeout(name) : timeout);

  let subgraphs: SubgraphEndpoint[] = [];
  const supergraph = new FileSupergraph({
    path: options.supergraphPath,
    logger,
    onLoad: (sdl) => {
      subgraphs = subgraphsOf(sdl).map((s) => ({ name: s.name, url: urlOf(s) }));
    },
  });
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph,
    logger,
    serviceHealthCheck: false,
    buildService: ({ name, url }) =>
      new SubgraphDataSource({
        name,
        url: urlOf({ name, url: url ?? '' }),
        fetcher: pool.fetcher(timeoutOf(name)),
        contexts,
        logger,
      }),
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    logger,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    introspection: options.introspection ?? !isProduction(),
    hideSchemaDetailsFromClientErrors: options.hideSchemaSuggestions ?? isProduction(),
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false, // gateway/index.ts drains first, then stops Apollo
    formatError: maskError,
    plugins: [
      // Authentication and the partner refusal run before these, while the context is built (see http.ts,
      // plugins/authentication.ts and plugins/partner-access.ts).
      // -- after execution: what the client saw goes to the request log line
      requestLogPlugin(),
      // -- errors: mask the unexpected, log the original, add the request id
      errorMaskingPlugin(logger),
      // -- no Apollo landing page: it would load Apollo Sandbox from a CDN
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  try {
    await apollo.start();
  } catch (err) {
    await pool.close();
    throw err;
  }

  let stopping = false;
  const probe = pool.fetcher(options.readinessTimeoutMs ?? 1000);
  const server = createServer(
    createRequestHandler({
      apollo,
      authentication: new Authentication(new TokenVerifier(auth)),
      readiness: () => probeSubgraphs(subgraphs, probe),
      logger,
      bodyLimitBytes: options.bodyLimitBytes ?? 1024 * 1024,
      isStopping: () => stopping,
    }),
  );
  const host = options.host ?? bindHost();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await apollo.stop();
    await pool.close();
    throw err;
  }

  const origin = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      await drain(server, options.drainTimeoutMs ?? 10_000);
      await apollo.stop();
      await pool.close();
    })());
  return { url: `${origin}/graphql`, origin, server, stop };
}

/** A host as it goes in a URL: wildcard binds are reached on loopback; IPv6 literals take brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
