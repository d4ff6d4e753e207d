import { KYC_WEBHOOKS_PATH } from '../../subgraphs/journeys/inbound/kyc-provider.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { createCardProcessorSimulator } from '../../legacy/card-processor/server.js';
import { createCoreBankingSimulator } from '../../legacy/core-banking/server.js';
import { createFxWalletSimulator, type FxWalletSimulatorOptions } from '../../legacy/fx-wallet/server.js';
import { createKycProviderSimulator, type KycProviderSimulatorOptions } from '../../legacy/kyc-provider/server.js';
import { createNotifierSimulator } from '../../legacy/notifier/server.js';
import { createPaymentRailSimulator, type PaymentRailSimulatorOptions } from '../../legacy/payment-rail/server.js';
import { createRiskScoringSimulator, type RiskScoringSimulatorOptions } from '../../legacy/risk-scoring/server.js';
import { MemoryStore, type KeyValueStore } from '../../lib/store/index.js';
import { MemoryAuditSink, type AuditSink } from '../../lib/audit.js';
import { createLogger, type Logger } from '../../lib/log.js';
import type { DestinationStream } from 'pino';
import { createJourneysRuntime, type JourneysRuntime } from '../../subgraphs/journeys/runtime.js';
import { createJourneysSubgraph } from '../../subgraphs/journeys/server.js';
import { PAYMENT_RAIL_REPORTS_PATH } from '../../subgraphs/journeys/inbound/payment-rail.js';
import type { Fault, RunningSimulator, Simulator } from '../../legacy/http.js';
import {
  createCardProcessorConnector,
  createCoreBankingConnector,
  createFxWalletConnector,
  createKycProviderConnector,
  createRiskScoringConnector,
  type ConnectorOverrides,
} from '../../connectors/factory.js';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { authConfig, contextPublicKeys, subgraphTimeoutMs, type LegacySystem, type SubgraphName } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import type { RunningSubgraph } from '../../lib/subgraph-server.js';
import { createAccountsSubgraph } from '../../subgraphs/accounts/server.js';
import { createCardsSubgraph } from '../../subgraphs/cards/server.js';
import { createKycSubgraph } from '../../subgraphs/kyc/server.js';
import { createWalletSubgraph } from '../../subgraphs/wallet/server.js';
import { fileURLToPath } from 'node:url';

/**
 * The whole system in one process, every server on port 0: the real simulators, the real subgraphs over the real
 * connectors, and the real gateway over the committed supergraph. Tests and benchmarks start one and talk HTTP to
 * it, as a client would. (`npm start` runs the same pieces as separate processes.)
 */

export interface StackOptions {
  /** Per-system connector settings (short timeouts, breaker thresholds) for failure tests. */
  readonly connectors?: Partial<Record<LegacySystem, ConnectorOverrides>>;
  /**
   * Something to put between the connectors and each simulator (the conformance run's recording proxy): given the
   * simulator's URL, the URL the connectors call instead. @default none: the connectors call the simulators.
   */
  readonly interpose?: (system: LegacySystem, simulatorUrl: string) => Promise<string>;
  /** Supergraph file to serve. @default schema/supergraph.graphql */
  readonly supergraphPath?: string;
  /** Share of notifier sends that fail. @default 0 (failure tests inject faults instead, so runs are repeatable) */
  readonly notifierFailureRate?: number;
  readonly paymentRail?: PaymentRailSimulatorOptions;
  /**
   * Whether the rail pushes its pacs.002 / pacs.004 reports to the journeys' inbound route (with the sandbox token).
   * false: no pushes, settlement is polled only. @default true
   */
  readonly railReports?: boolean;
  readonly fxWallet?: FxWalletSimulatorOptions;
  readonly riskScoring?: RiskScoringSimulatorOptions;
  readonly kycProvider?: KycProviderSimulatorOptions;
  /** The KYC simulator sends its signed webhooks to the journeys' inbound route, as in `npm start`. @default false */
  readonly kycWebhooks?: boolean;
  /** Journey state store. @default in memory */
  readonly store?: KeyValueStore;
  /** How long journey mutations wait for their critical steps. @default 10000 */
  readonly journeyWaitMs?: number;
  /** Extra environment for the journeys runtime (REDIS_URL for BullMQ, REQUOTE_TOLERANCE_BP...). */
  readonly journeyEnv?: Record<string, string>;
  /**
   * The gateway's own store (its rate-limit buckets; the stack turns rate limits off, so only /ready?verbose reports
   * it). Partner consents are not in it: the gateway asks the journeys subgraph's consent registry, whose consents
   * live in the journeys' `store`. @default a new MemoryStore
   */
  readonly gatewayStore?: KeyValueStore;
  /** The audit sink of the gateway and the journeys runtime. @default a new MemoryAuditSink (closed by stop()) */
  readonly audit?: AuditSink;
  /** The gateway's AUDIT_FAIL_CLOSED. @default the gateway's default (off outside production) */
  readonly auditFailClosed?: boolean;
  /**
   * Where every service logs (gateway, subgraphs, journeys engine), at `logLevel`: the log-redaction test reads it.
   * @default each service's own default logger (silent in tests)
   */
  readonly logDestination?: DestinationStream;
  /** @default 'debug' (with logDestination) */
  readonly logLevel?: string;
  /** The gateway's request collapsing (gateway/datasource.ts). @default the gateway's default (on) */
  readonly collapseQueries?: boolean;
}

export interface Stats {
  system: string;
  total: number;
  routes: Record<string, number>;
}

export interface GraphQLAnswer {
  status: number;
  headers: Headers;
  // A GraphQL response is whatever JSON the server sends; tests assert on its shape.
  body: { data?: Record<string, unknown> | null; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] };
}

export interface Stack {
  readonly gatewayUrl: string;
  readonly gateway: RunningGateway;
  readonly simulators: Record<LegacySystem, { sim: Simulator; running: RunningSimulator }>;
  readonly subgraphs: Record<SubgraphName, RunningSubgraph>;
  readonly journeys: JourneysRuntime;
  /** The audit sink shared by the gateway and the journeys runtime. */
  readonly audit: AuditSink;
  customerToken(customerId: string): Promise<string>;
  staffToken(role: 'support' | 'operations'): Promise<string>;
  /** POSTs a GraphQL request to the gateway. */
  /** POSTs to the gateway, with the bearer token and any headers given (x-request-id, traceparent). */
  graphql(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GraphQLAnswer>;
  /** Legacy calls per system since the last reset (from the simulators' own /__stats). */
  stats(): Promise<Record<LegacySystem, Stats>>;
  resetStats(): Promise<void>;
  fault(system: LegacySystem, fault: Fault): void;
  clearFaults(): void;
  stop(): Promise<void>;
}

const DEFAULT_SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  let reportsUrl: string | undefined;
  let kycWebhooksUrl: string | undefined;
  const sims = {
    'core-banking': createCoreBankingSimulator(),
    'card-processor': createCardProcessorSimulator(),
    'kyc-provider': createKycProviderSimulator({
      ...(options.kycWebhooks ? { webhook: { url: () => kycWebhooksUrl, token: SANDBOX_SECRETS.kycWebhookToken, baseDelayMs: 50 } } : {}),
      ...options.kycProvider,
    }),
    'fx-wallet': createFxWalletSimulator(options.fxWallet),
    // The rail pushes its reports to the journeys' inbound route, as in `npm start` (known once the journeys listen).
    'payment-rail': createPaymentRailSimulator({
      settlementDelayMs: 60,
      ...(options.railReports === false ? {} : { statusReportUrl: () => reportsUrl }),
      ...options.paymentRail,
    }),
    notifier: createNotifierSimulator({ failureRate: options.notifierFailureRate ?? 0 }),
    'risk-scoring': createRiskScoringSimulator(options.riskScoring),
  } satisfies Record<LegacySystem, Simulator>;
  const entries = await Promise.all(
    (Object.entries(sims) as [LegacySystem, Simulator][]).map(async ([name, sim]) => [name, { sim, running: await sim.listen(0) }] as const),
  );
  const simulators = Object.fromEntries(entries) as Stack['simulators'];
  const env: Record<string, string | undefined> = { NODE_ENV: 'test' };
  const legacyUrls = Object.fromEntries(
    await Promise.all(
      (Object.keys(simulators) as LegacySystem[]).map(async (s) => [s, options.interpose ? await options.interpose(s, simulators[s].running.url) : simulators[s].running.url] as const),
    ),
  ) as Record<LegacySystem, string>;
  const o = (system: LegacySystem): ConnectorOverrides => ({ baseUrl: legacyUrls[system], ...options.connectors?.[system] });

  const coreBanking = createCoreBankingConnector(env, o('core-banking'));
  const cardProcessor = createCardProcessorConnector(env, o('card-processor'));
  const kycProvider = createKycProviderConnector(env, o('kyc-provider'));
  const fxWallet = createFxWalletConnector(env, o('fx-wallet'));
  const riskScoring = createRiskScoringConnector(env, o('risk-scoring'));

  const auth = authConfig(env);
  const audit = options.audit ?? new MemoryAuditSink();
  const logger = (name: string): { logger?: Logger } => {
    if (!options.logDestination) return {};
    const l = createLogger(name, options.logDestination);
    l.level = options.logLevel ?? 'debug';
    return { logger: l };
  };
  const verifier = new ContextVerifier(contextPublicKeys(env));
  const journeyEnv = { ...env, JOURNEY_WAIT_MS: String(options.journeyWaitMs ?? 10_000), ...options.journeyEnv };
  const journeys = createJourneysRuntime({
    env: journeyEnv,
    connectors: Object.fromEntries((Object.keys(simulators) as LegacySystem[]).map((s) => [s, o(s)])),
    ...(options.store ? { store: options.store } : {}),
    audit,
    ...logger('journeys-engine'),
  });
  const built = await Promise.all([
    createAccountsSubgraph({ coreBanking, verifier, ...logger('subgraph-accounts') }),
    createCardsSubgraph({ cardProcessor, verifier, ...logger('subgraph-cards') }),
    createKycSubgraph({ kycProvider, riskScoring, verifier, ...logger('subgraph-kyc') }),
    createWalletSubgraph({ fxWallet, verifier, ...logger('subgraph-wallet') }),
    createJourneysSubgraph({
      engine: journeys.engine,
      flows: journeys.flows,
      deps: journeys.deps,
      waitMs: journeys.waitMs,
      store: journeys.store,
      inbound: journeys.inbound,
      consents: journeys.consents,
      partners: journeys.partners,
      actions: journeys.actions,
      routes: journeys.routes,
      verifier,
      ...logger('subgraph-journeys'),
    }),
  ]);
  const [accounts, cards, kyc, wallet, journeysSubgraph] = await Promise.all(built.map((s) => s.listen(0)));
  const subgraphs = { accounts, cards, kyc, wallet, journeys: journeysSubgraph } as Record<SubgraphName, RunningSubgraph>;
  reportsUrl = new URL(PAYMENT_RAIL_REPORTS_PATH, subgraphs.journeys.url).href;
  kycWebhooksUrl = new URL(KYC_WEBHOOKS_PATH, subgraphs.journeys.url).href;

  const gateway = await createGateway({
    supergraphPath: options.supergraphPath ?? DEFAULT_SUPERGRAPH,
    subgraphUrls: Object.fromEntries(Object.entries(subgraphs).map(([n, s]) => [n, s.url])),
    port: 0,
    auth,
    audit,
    store: options.gatewayStore ?? new MemoryStore(),
    // Off: these scenarios send bursts from one customer on purpose (50 concurrent payments, chaos). The limits have
    // their own tests (test/gateway/rate-limit.test.ts, limits.test.ts).
    rateLimit: false,
    // As the gateway of npm start would wait: the journeys subgraph a margin beyond the journeys' own wait.
    subgraphTimeoutMs: (name) => subgraphTimeoutMs(name, journeyEnv),
    ...(options.collapseQueries === undefined ? {} : { collapseQueries: options.collapseQueries }),
    ...(options.auditFailClosed === undefined ? {} : { auditFailClosed: options.auditFailClosed }),
    ...logger('gateway'),
  });

  const systems = Object.keys(simulators) as LegacySystem[];
  return {
    gatewayUrl: gateway.url,
    gateway,
    simulators,
    subgraphs,
    journeys,
    audit,
    customerToken: (customer) => mintSandboxToken({ customer }),
    staffToken: (staff) => mintSandboxToken({ staff }),
    async graphql(query, variables, token, headers) {
      const res = await fetch(gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLAnswer['body'] };
    },
    async stats() {
      return Object.fromEntries(systems.map((s) => [s, simulators[s].sim.getStats()])) as Record<LegacySystem, Stats>;
    },
    async resetStats() {
      for (const s of systems) simulators[s].sim.resetStats();
    },
    fault(system, fault) {
      simulators[system].sim.addFault(fault);
    },
    clearFaults() {
      for (const s of systems) simulators[s].sim.clearFaults();
    },
    async stop() {
      await gateway.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s.stop()));
      await journeys.close();
      await Promise.all([coreBanking.http.close(), cardProcessor.http.close(), kycProvider.http.close(), fxWallet.http.close(), riskScoring.http.close()]);
      await Promise.all(Object.values(simulators).map((s) => s.running.close()));
      if (!options.audit) await audit.close();
    },
  };
}
