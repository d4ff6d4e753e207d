import {
  createCardProcessorConnector,
  createCoreBankingConnector,
  createKycApplicantDirectory,
  createFxWalletConnector,
  createKycProviderConnector,
  createNotifierConnector,
  createPaymentRails,
  createRiskScoringConnector,
  type ConnectorOverrides,
} from '../../connectors/factory.js';
import { createAuditSink, type AuditEvent, type AuditSink } from '../../lib/audit.js';
import { consentAuthorisationToken, inboundConfig, journeyConfig, type LegacySystem } from '../../lib/config.js';
import { ConsentStore, loadPartners, type PartnerRegistry } from '../../lib/consents.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { describePrincipal } from '../../lib/principal.js';
import { createStore, type KeyValueStore } from '../../lib/store/index.js';
import type { InboundHandler, SubgraphRoute } from '../../lib/subgraph-server.js';
import { consentRoutes } from './consents/routes.js';
import { journeyEventRoutes } from './journey-events.js';
import { createJourneyEngine, type JourneyLifecycleEvent } from './engine/engine.js';
import { watchParked, watchQueueDepth } from './engine/metrics.js';
import { BullMqQueue, InProcessQueue, type JobQueue } from './engine/queue.js';
import type { JourneyEngine } from './engine/types.js';
import { createFlows, type Flows, type JourneyDeps } from './flows/index.js';
import { kycProviderInbound } from './inbound/kyc-provider.js';
import { paymentRailInbound } from './inbound/payment-rail.js';
import { ExternalReferences } from './inbound/references.js';
import { JourneyActions } from './operations/actions.js';

type Env = Record<string, string | undefined>;

/**
 * Everything a journeys process runs on, built from configuration: the connectors, the store (Redis with
 * REDIS_URL, memory otherwise), the queue (BullMQ with REDIS_URL, in-process otherwise), the flows and the engine.
 * The subgraph process and the tests build it the same way.
 */
export interface JourneysRuntime {
  readonly deps: JourneyDeps;
  readonly flows: Flows;
  readonly engine: JourneyEngine;
  readonly store: KeyValueStore;
  /** Where every journey start and terminal state is audited. */
  readonly audit: AuditSink;
  readonly waitMs: number;
  /** Which journey a legacy reference belongs to, and what its system pushed about it (inbound/references.ts). */
  readonly references: ExternalReferences;
  /** The routes legacy systems push to (inbound/), for createJourneysSubgraph({ inbound }). */
  readonly inbound: Readonly<Record<string, InboundHandler>>;
  /** The consent registry (lib/consents.ts), in the journeys' store: a payment consent is spent beside its journey. */
  readonly consents: ConsentStore;
  /** schema/partners.json. */
  readonly partners: PartnerRegistry;
  /** The consent routes (consents/routes.ts) and the journey event stream (journey-events.ts), for createJourneysSubgraph({ routes }). */
  readonly routes: readonly SubgraphRoute[];
  /** Four-eyes actions on parked journeys (operations/actions.ts), for createJourneysSubgraph({ actions }). */
  readonly actions: JourneyActions;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  readonly env?: Env;
  readonly connectors?: Partial<Record<LegacySystem, ConnectorOverrides>>;
  /** Use this store (tests share one between two runtimes to show a takeover). */
  readonly store?: KeyValueStore;
  readonly queue?: JobQueue;
  readonly logger?: Logger;
  readonly workerId?: string;
  readonly leaseMs?: number;
  readonly recoveryIntervalMs?: number;
  /**
   * Where journey starts and terminal states are audited. A sink passed in is the caller's to close.
   * @default createAuditSink(env) (a Redis stream with REDIS_URL, memory otherwise)
   */
  readonly audit?: AuditSink;
  /** @default loadPartners() (schema/partners.json) */
  readonly partners?: PartnerRegistry;
}

/** The audit event of a journey's start or end: ids and status, never its input (amounts, IBANs, names). */
export function journeyAuditEvent({ record, workerId }: JourneyLifecycleEvent): AuditEvent {
  return {
    at: new Date().toISOString(),
    who: describePrincipal(record.principal),
    requestId: null,
    operation: record.type,
    kind: 'journey',
    ...(record.customerId !== null ? { customerId: record.customerId } : {}),
    // A start is the record as created (RUNNING); an end is its terminal status.
    outcome: record.status,
    from: `journeys:${workerId}`,
    journeyId: record.id,
  };
}

/**
 * BullMQ's key prefix: REDIS_PREFIX in a hash tag (`{bankgraph}`), so every key of the queue lands in one Redis
 * Cluster slot, and two deployments (or test runs) sharing one Redis never take each other's jobs.
 */
export function queuePrefix(env: Env): string {
  const base = (env.REDIS_PREFIX ?? 'bankgraph:').replace(/[:{}]+$/g, '').replace(/[{}]/g, '') || 'bankgraph';
  return `{${base}}`;
}

export function createJourneysRuntime(options: RuntimeOptions = {}): JourneysRuntime {
  const env = options.env ?? process.env;
  const o = (s: LegacySystem) => options.connectors?.[s] ?? {};
  const config = journeyConfig(env);
  const inbound = inboundConfig(env);
  const store = options.store ?? createStore(env);
  const references = new ExternalReferences(store);
  const deps: JourneyDeps = {
    coreBanking: createCoreBankingConnector(env, o('core-banking')),
    cardProcessor: createCardProcessorConnector(env, o('card-processor')),
    kycProvider: createKycProviderConnector(env, o('kyc-provider')),
    kycApplicants: createKycApplicantDirectory(store, env),
    fxWallet: createFxWalletConnector(env, o('fx-wallet')),
    notifier: createNotifierConnector(env, o('notifier')),
    riskScoring: createRiskScoringConnector(env, o('risk-scoring')),
    rails: createPaymentRails(env, o('payment-rail')),
    treasuryWalletId: config.treasuryWalletId,
    bank: config.bank,
    requoteToleranceBp: config.requoteToleranceBp,
    references,
    settlementFirstCheckMs: config.settlementFirstCheckMs,
    kycFirstCheckMs: config.kycFirstCheckMs,
  };
  const flows = createFlows(deps);
  const audit = options.audit ?? createAuditSink(env);
  const queue = options.queue ?? (env.REDIS_URL ? new BullMqQueue({ redisUrl: env.REDIS_URL, prefix: queuePrefix(env) }) : new InProcessQueue());
  // bankgraph_journey_queue_depth reads this queue until close().
  const unwatchQueue = watchQueueDepth(queue);
  const engine = createJourneyEngine({
    store,
    flows: Object.values(flows),
    queue,
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.workerId ? { workerId: options.workerId } : {}),
    leaseMs: options.leaseMs ?? config.leaseMs,
    ...(options.recoveryIntervalMs !== undefined ? { recoveryIntervalMs: options.recoveryIntervalMs } : {}),
    onLifecycle: (event) => audit.record(journeyAuditEvent(event)),
  });
  // bankgraph_journeys_parked and _parked_oldest_seconds read this store's indexes until close().
  const unwatchParked = watchParked({ parked: () => engine.journeys.parked(Object.values(flows).map((f) => f.type)) });
  const inboundLogger = options.logger ?? createLogger('journeys-inbound');
  const consentLogger = options.logger ?? createLogger('journeys-consents');
  const partners = options.partners ?? loadPartners();
  const consents = new ConsentStore(store, { audit, logger: consentLogger });
  return {
    deps,
    flows,
    engine,
    store,
    audit,
    waitMs: config.waitMs,
    references,
    inbound: {
      ...paymentRailInbound({ engine, references, token: inbound.paymentRailReportToken, logger: inboundLogger }),
      ...kycProviderInbound({ engine, references, token: inbound.kycWebhookToken, logger: inboundLogger }),
    },
    consents,
    partners,
    actions: new JourneyActions({ engine, audit, logger: options.logger ?? createLogger('journeys-operations'), approvalTtlMs: config.actionApprovalTtlMs, workerId: engine.workerId }),
    routes: [
      ...consentRoutes({ consents, partners, coreBanking: deps.coreBanking, authorisationToken: consentAuthorisationToken(env), logger: consentLogger }),
      // The gateway's subscriptions without a shared Redis (journey-events.ts).
      ...journeyEventRoutes({ engine, store, logger: options.logger ?? createLogger('journeys-events') }),
    ],
    async close() {
      unwatchQueue();
      unwatchParked();
      await engine.close();
      await Promise.all([
        deps.coreBanking.http.close(),
        deps.cardProcessor.http.close(),
        deps.kycProvider.http.close(),
        deps.fxWallet.http.close(),
        deps.notifier.http.close(),
        deps.riskScoring.http.close(),
        ...deps.rails.map((r) => r.close()),
      ]);
      if (!options.store) await store.close();
      if (!options.audit) await audit.close();
    },
  };
}
