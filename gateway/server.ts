import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import {
  auditFailClosed,
  authConfig,
  bindHost,
  collapseQueriesEnabled,
  isProduction,
  metricsConfig,
  SUBGRAPHS,
  subgraphTimeoutMs,
  type AuthConfig,
  type MetricsConfig,
} from '../lib/config.js';
import { ContextSigner } from '../lib/context.js';
import { drain } from '../lib/http.js';
import { createAuditSink, type AuditSink } from '../lib/audit.js';
import { auditedFieldsOf, type AuditedFields } from '../lib/audited.js';
import { createLogger, type Logger } from '../lib/log.js';
import { loadPartners, type PartnerRegistry } from '../lib/consents.js';
import { RateLimiter, rateLimitConfig, type RateLimitConfig } from '../lib/rate-limit.js';
import { createStore, type KeyValueStore } from '../lib/store/index.js';
import { TokenVerifier } from '../lib/tokens.js';
import { HttpConsentRegistry, subgraphBaseOf } from './consent-registry.js';
import type { GatewayContext } from './context.js';
import { SignedContexts, SubgraphDataSource, WriteEpochs } from './datasource.js';
import { SubgraphHttpPool } from './fetcher.js';
import { createRequestHandler } from './http.js';
import { OpenBankingRoute } from './open-banking.js';
import { auditPlugin } from './plugins/audit.js';
import { Authentication } from './plugins/authentication.js';
import { consentPlugin, resolveConsent } from './plugins/consent.js';
import { errorMaskingPlugin, maskError } from './plugins/error-masking.js';
import { consoleRoute, type ConsoleOptions } from './plugins/console.js';
import { graphiqlRoute, type GraphiQLOptions } from './plugins/graphiql.js';
import { GatewayMetrics, operationNamesIn } from './plugins/metrics.js';
import { DEFAULT_PERSISTED_DIR, PersistedOperations, persistedOperationsPlugin } from './plugins/persisted-operations.js';
import { operationLimits, operationLimitsConfig, type OperationLimits } from './plugins/operation-limits.js';
import { operationResolutionPlugin } from './plugins/operation-resolution.js';
import { knownOperationTypes } from './plugins/known-operation-types.js';
import { rateLimitPlugin } from './plugins/rate-limit.js';
import { requestLogPlugin } from './plugins/request-log.js';
import { registerDependencyGauge } from '../lib/metrics/dependencies.js';
import { checkDependencies } from './readiness.js';
import { FileSupergraph, subgraphsOf, type SubgraphEndpoint } from './supergraph.js';
import { JourneysRouteEvents, StoreJourneyEvents } from './subscriptions/events.js';
import { SubscriptionRoute } from './subscriptions/route.js';
import { withSubscriptions } from './subscriptions/schema.js';
import type { GraphQLSchema } from 'graphql';

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
   * The gateway's shared state: the rate-limit buckets (unless `rateLimitStore` is given). A store passed in is the
   * caller's to close; the default one (only opened when rate limits are on) is closed by stop().
   * @default createStore() (Redis with REDIS_URL, memory otherwise)
   */
  store?: KeyValueStore;
  /** Registered partners and their grants. @default loadPartners() (schema/partners.json) */
  partners?: PartnerRegistry;
  /**
   * The consent registry: the journeys subgraph, which owns consents (lib/consents.ts). Every request of a partner
   * whose token is bound to a consent is checked there (POST /internal/consents/{id}/access, which also counts the
   * access), and /open-banking/ is forwarded there (gateway/open-banking.ts). The gateway keeps no consents itself.
   */
  consents?: {
    /** Its base URL. @default the journeys subgraph's URL (subgraphUrls.journeys, else the supergraph's) without /graphql */
    url?: string;
    /** Deadline of one access check, in ms. @default 5000 */
    timeoutMs?: number;
  };
  /** Where the persisted-operation manifests are. @default schema/persisted */
  persistedDir?: string;
  /**
   * Where sensitive reads are audited (plugins/audit.ts). A sink passed in is the caller's to close; the default one
   * is closed by stop().
   * @default createAuditSink() (a Redis stream with REDIS_URL, memory otherwise)
   */
  audit?: AuditSink;
  /**
   * A read whose audit event cannot be recorded is refused with AUDIT_UNAVAILABLE and no data (HTTP 503); when false,
   * it is answered and the failure logged as a warning. Mutations always answer. @default auditFailClosed()
   * (AUDIT_FAIL_CLOSED; unset, true in production)
   */
  auditFailClosed?: boolean;
  /**
   * Deadline of one subgraph fetch, in ms, or a function of the subgraph's name (KYC may deserve longer).
   * @default subgraphTimeoutMs() of lib/config.ts: 10000, and JOURNEY_WAIT_MS + 5000 for journeys
   */
  subgraphTimeoutMs?: number | ((subgraph: string) => number);
  /** @default !isProduction() */
  introspection?: boolean;
  /** Hide "Did you mean ...?" suggestions from validation errors. @default isProduction() */
  hideSchemaSuggestions?: boolean;
  /** Largest request body accepted; larger ones get 413. @default 1048576 (1 MiB) */
  bodyLimitBytes?: number;
  /**
   * Depth, aliases, tokens, directives and cost of one operation (plugins/operation-limits.ts).
   * @default operationLimitsConfig() (OPERATION_MAX_* variables, else 12 / 15 / 2000 / 50 / 10000)
   */
  operationLimits?: Partial<OperationLimits>;
  /** Token buckets per caller and per operation (lib/rate-limit.ts); false turns them off. @default rateLimitConfig() */
  rateLimit?: Partial<RateLimitConfig> | false;
  /**
   * Where the rate-limit buckets live: gateways sharing a Redis share the limits. A store passed in is the caller's to
   * close. @default the gateway's `store`
   */
  rateLimitStore?: KeyValueStore;
  /**
   * How long stop() lets in-flight requests finish before closing their connections. @default the longest subgraph
   * timeout (at least 10000) + 1000: 16000 with the default settings, where journeys get JOURNEY_WAIT_MS + 5000
   */
  drainTimeoutMs?: number;
  /** Deadline of each subgraph probe (and of the Redis PING) behind /ready?verbose and /metrics. @default 1000 */
  readinessTimeoutMs?: number;
  /** The GraphiQL explorer at /graphiql (plugins/graphiql.ts). @default on unless NODE_ENV=production; GRAPHIQL=true|false decides */
  graphiql?: GraphiQLOptions;
  /**
   * The operations console at /console (plugins/console.ts), and its sandbox login where tokens are the sandbox's.
   * @default on unless NODE_ENV=production; CONSOLE=true|false decides
   */
  console?: ConsoleOptions;
  /**
   * GET /metrics (plugins/metrics.ts): the bearer token it wants, if any, and how many operation names beyond the
   * bank's own (persisted and committed operations) get a label of their own. @default metricsConfig() (METRICS_TOKEN, METRICS_MAX_OPERATIONS)
   */
  metrics?: Partial<MetricsConfig>;
  /**
   * Identical subgraph queries of the same principal in flight at the same time share one fetch
   * (gateway/datasource.ts); mutations never do. @default GATEWAY_COLLAPSE_QUERIES (lib/config.ts), true when unset
   */
  collapseQueries?: boolean;
  /** Journey subscriptions at /graphql/stream (gateway/subscriptions/). */
  subscriptions?: {
    /**
     * Where journey events are heard: a Redis store the journeys publish to (same REDIS_PREFIX), or 'journeys', the
     * journeys subgraph's signed internal stream (GET /internal/journey-events). @default the gateway's `store` when
     * it is Redis (with REDIS_URL the gateway opens one), else 'journeys'
     */
    events?: KeyValueStore | 'journeys';
    /** Streams one principal may hold open on one gateway. @default 10 */
    maxPerPrincipal?: number;
    /** How often a subscription reads its journeys again whatever it heard (pub/sub may lose a message). @default 30000 */
    resyncMs?: number;
  };
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
  const timeout = options.subgraphTimeoutMs ?? ((name: string) => subgraphTimeoutMs(name));
  const timeoutOf = (name: string) => (typeof timeout === 'function' ? timeout(name) : timeout);
  // Read before anything is opened: a bad SUBGRAPH_TIMEOUT_MS stops the start, not the first request, and leaks nothing.
  for (const name of SUBGRAPHS) timeoutOf(name);
  const failClosed = options.auditFailClosed ?? auditFailClosed();
  const logger = options.logger ?? createLogger('gateway');
  const auth = options.auth ?? authConfig();
  const audit = options.audit ?? createAuditSink();
  const closeAudit = () => (options.audit ? Promise.resolve() : audit.close());
  const limits = operationLimits({ ...operationLimitsConfig(), ...options.operationLimits });
  const rateLimits = options.rateLimit === false ? undefined : { ...rateLimitConfig(), ...options.rateLimit };
  // The token buckets are the one state the gateway keeps (consents are the journeys'): a store of its own only then,
  // or to hear the journeys' events on the Redis they share (REDIS_URL: subscriptions/events.ts).
  const needsStore = (rateLimits?.enabled && !options.rateLimitStore) || (!options.subscriptions?.events && Boolean(process.env.REDIS_URL));
  const ownStore = !options.store && needsStore ? createStore() : undefined;
  const store = options.store ?? ownStore;
  const closeStore = () => ownStore?.close() ?? Promise.resolve();
  const rateLimitStore = rateLimits?.enabled ? (options.rateLimitStore ?? store) : undefined;
  // One limiter for the graph and the open-banking API: a partner has one budget for both.
  const limiter = rateLimits && rateLimitStore ? new RateLimiter(rateLimitStore, rateLimits) : undefined;
  const partners = options.partners ?? loadPartners();
  const persisted = PersistedOperations.load(options.persistedDir ?? DEFAULT_PERSISTED_DIR);
  const metricsOptions = { ...metricsConfig(), ...options.metrics };
  const metrics = new GatewayMetrics({
    knownOperations: operationNamesIn(persisted.documents()),
    maxOperationLabels: metricsOptions.maxOperationLabels,
  });
  const pool = new SubgraphHttpPool();
  /** Everything the gateway opened, closed in one place (stores and sinks passed in are their owners' to close). */
  const release = async () => {
    await pool.close();
    await closeAudit();
    await closeStore();
  };
  const signer = new ContextSigner(auth.internalContextKey);
  const contexts = new SignedContexts(signer);
  const urlOf = ({ name, url }: SubgraphEndpoint) => options.subgraphUrls?.[name] ?? url;

  let subgraphs: SubgraphEndpoint[] = [];
  // What the audit plugin audits: the `@audited` fields of the supergraph being served, re-read on every reload.
  let audited: AuditedFields = new Map();
  let loaded = false;
  const supergraph = new FileSupergraph({
    path: options.supergraphPath,
    logger,
    onLoad: (sdl) => {
      subgraphs = subgraphsOf(sdl).map((s) => ({ name: s.name, url: urlOf(s) }));
      let next: AuditedFields;
      try {
        next = auditedFieldsOf(sdl);
      } catch (err) {
        // At start this stops the gateway; on a reload (already serving the new schema) the previous list stays.
        if (!loaded) throw err;
        logger.error({ err, path: options.supergraphPath }, 'the reloaded supergraph has a bad @audited; auditing the previous fields');
        return;
      }
      loaded = true;
      audited = next;
      if (audited.size === 0) logger.warn({ path: options.supergraphPath }, 'the supergraph marks no field @audited: no read will be audited');
    },
  });
  // @apollo/gateway otherwise exports usage telemetry to Apollo and probes cloud metadata endpoints (AWS, GCP, Azure)
  // when it is constructed. A bank's gateway sends nothing anywhere it was not configured to: off unless the operator
  // explicitly opts in with APOLLO_TELEMETRY_DISABLED=false.
  if (process.env.APOLLO_TELEMETRY_DISABLED !== 'false') process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const collapseQueries = options.collapseQueries ?? collapseQueriesEnabled();
  const writeEpochs = new WriteEpochs();
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph,
    logger,
    serviceHealthCheck: false,
    buildService: ({ name, url }) => {
      const timeoutMs = timeoutOf(name);
      return new SubgraphDataSource({
        name,
        url: urlOf({ name, url: url ?? '' }),
        fetcher: metrics.subgraphFetcher(name, pool.fetcher(timeoutMs)),
        timeoutMs,
        contexts,
        logger,
        collapseQueries,
        writeEpochs,
        onCollapsed: (subgraph) => metrics.fetchCollapsed(subgraph),
      });
    },
  });

  // The consent registry and the open-banking API: the journeys subgraph, at whatever URL the supergraph now gives it.
  const journeysUrl = () => {
    if (options.consents?.url) return options.consents.url.replace(/\/$/, '');
    const journeys = subgraphs.find((s) => s.name === 'journeys');
    return journeys?.url ? subgraphBaseOf(journeys.url) : undefined;
  };
  const consentTimeoutMs = options.consents?.timeoutMs ?? 5000;
  const consents = new HttpConsentRegistry({ baseUrl: journeysUrl, fetcher: pool.fetcher(consentTimeoutMs), timeoutMs: consentTimeoutMs, signer, logger });
  const authentication = new Authentication(new TokenVerifier(auth), { partners, consents });
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
    // Apollo's automatic persisted queries would let any client register a document: persisted operations come from
    // the committed manifests only (plugins/persisted-operations.ts).
    persistedQueries: false,
    // -- before execution: graphql's parser counts tokens; armor's rules bound depth, aliases, directives and cost; an
    // operation type the schema lacks (subscription) is a validation error, not the query planner's 500
    parseOptions: limits.parseOptions,
    validationRules: [knownOperationTypes, ...limits.validationRules],
    plugins: [
      // Authentication, partner resolution and the persisted-operation check run before these, while the context is
      // built (see http.ts, plugins/authentication.ts, plugins/partner-access.ts, plugins/persisted-operations.ts).
      // -- before parsing: an admitted persisted operation's document goes into the request
      persistedOperationsPlugin(),
      // -- before execution: an operationName the document does not define is 400, not the executor's 500
      operationResolutionPlugin(),
      // -- before execution: the caller's and the operation's token buckets (429 with Retry-After)
      // -- then, within the limits: a partner's consent, as the registry has it now (counting one access)
      limiter ? rateLimitPlugin(limiter, logger, metrics, resolveConsent(authentication)) : consentPlugin(authentication),
      // -- after execution: what the client saw goes to the request log line
      requestLogPlugin(),
      // -- after execution: the operation and outcome of each request, for /metrics
      metrics.plugin(),
      // -- after execution: one audit event per request that read sensitive data
      auditPlugin({ sink: audit, logger, auditedFields: () => audited, failClosed }),
      // -- errors: mask the unexpected, log the original, add the request id
      errorMaskingPlugin(logger),
      // -- no Apollo landing page: it would load Apollo Sandbox from a CDN
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  // The subscriptions validate against the API schema being served, with their Subscription type (subscriptions/).
  let subscriptionSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => {
    try {
      subscriptionSchema = withSubscriptions(apiSchema);
    } catch (err) {
      logger.error({ err }, 'the supergraph cannot serve journey subscriptions');
      subscriptionSchema = undefined;
    }
  });
  try {
    await apollo.start();
  } catch (err) {
    await release();
    throw err;
  }

  let stopping = false;
  const probe = pool.fetcher(options.readinessTimeoutMs ?? 1000);
  // Subgraphs, and Redis when the rate limits live there (PING within the same deadline): reported in
  // /ready?verbose and bankgraph_dependency_up, never cascaded into /ready.
  const dependencies = () => checkDependencies(subgraphs, probe, [store, rateLimitStore], options.readinessTimeoutMs ?? 1000);
  if (metrics) registerDependencyGauge(metrics.registry, dependencies);
  const bodyLimitBytes = options.bodyLimitBytes ?? 1024 * 1024;
  const journeysTimeoutMs = timeoutOf('journeys');
  const openBanking = new OpenBankingRoute({
    authentication,
    journeysUrl,
    fetcher: pool.fetcher(journeysTimeoutMs),
    timeoutMs: journeysTimeoutMs,
    signer,
    logger,
    bodyLimitBytes,
    ...(limiter ? { limiter } : {}),
  });
  const events = options.subscriptions?.events ?? (store?.kind === 'redis' ? store : 'journeys');
  const subscriptions = new SubscriptionRoute({
    apollo,
    authentication,
    schema: () => subscriptionSchema,
    rules: {
      parseOptions: limits.parseOptions,
      validationRules: [knownOperationTypes, ...limits.validationRules],
      hideSchemaSuggestions: options.hideSchemaSuggestions ?? isProduction(),
    },
    source: events === 'journeys' ? new JourneysRouteEvents({ baseUrl: journeysUrl, signer, logger }) : new StoreJourneyEvents(events),
    logger,
    metrics,
    bodyLimitBytes,
    ...(options.subscriptions?.maxPerPrincipal !== undefined ? { maxPerPrincipal: options.subscriptions.maxPerPrincipal } : {}),
    ...(options.subscriptions?.resyncMs !== undefined ? { resyncMs: options.subscriptions.resyncMs } : {}),
  });
  const server = createServer(
    createRequestHandler({
      apollo,
      authentication,
      openBanking,
      subscriptions,
      persisted,
      dependencies,
      logger,
      bodyLimitBytes,
      isStopping: () => stopping,
      graphiql: graphiqlRoute(options.graphiql),
      console: consoleRoute(auth, options.console),
      metrics,
      ...(metricsOptions.token ? { metricsToken: metricsOptions.token } : {}),
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
    await release();
    throw err;
  }

  const origin = `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      stopping = true;
      // Open streams would hold the drain to its deadline: each subscriber gets `complete` now.
      subscriptions.close();
      // By default a request in flight gets as long as the gateway would wait for its slowest subgraph (a journey
      // mutation's RUNNING answer comes at the end of its wait), and a second for the answer to go out.
      const slowest = Math.max(10_000, ...subgraphs.map((s) => timeoutOf(s.name)));
      await drain(server, options.drainTimeoutMs ?? slowest + 1_000);
      await apollo.stop();
      await release();
    })());
  return { url: `${origin}/graphql`, origin, server, stop };
}

/** A host as it goes in a URL: wildcard binds are reached on loopback; IPv6 literals take brackets. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
