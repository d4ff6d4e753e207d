import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import { isProduction } from '../../lib/config.js';
import { seedSandboxConsents, type ConsentStore, type PartnerRegistry } from '../../lib/consents.js';
import type { ContextVerifier } from '../../lib/context.js';
import { DEADLINE_HEADER, waitWithin } from '../../lib/deadline.js';
import type { Logger } from '../../lib/log.js';
import { probeRedis, redisDependency, type Pingable } from '../../lib/redis/readiness.js';
import { createSubgraphServer, type InboundHandler, type SubgraphRoute, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { JourneysContext } from './context.js';
import type { JourneyEngine } from './engine/types.js';
import type { Flows, JourneyDeps } from './flows/index.js';
import type { JourneyActions } from './operations/actions.js';
import { permissions } from './permissions.js';
import { resolvers } from './resolvers.js';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface JourneysSubgraphDeps {
  readonly engine: JourneyEngine;
  readonly flows: Flows;
  readonly deps: JourneyDeps;
  readonly verifier: ContextVerifier;
  /** How long a mutation waits for the critical steps. @default 10000 */
  readonly waitMs?: number;
  readonly logger?: Logger;
  /** The journeys' store: GET /ready?verbose and /metrics ping it when it is Redis (lib/redis/readiness.ts). */
  readonly store?: Pingable;
  /** What legacy systems push to the journeys (inbound/): by exact path, served without the signed context. */
  readonly inbound?: Readonly<Record<string, InboundHandler>>;
  /** The consent registry the graph reads and changes (Customer.consents, revokeConsent, payments under a consent). */
  readonly consents: ConsentStore;
  readonly partners: PartnerRegistry;
  /** Four-eyes actions on parked journeys (the runtime's: operations/actions.ts). */
  readonly actions: JourneyActions;
  /** The consent routes (consents/routes.ts): the partner-facing OB routes and the internal ones. */
  readonly routes?: readonly SubgraphRoute[];
  /** Creates the sandbox consents missing from the store (lib/consents.ts). @default outside production */
  readonly seedSandboxConsents?: boolean;
}

/** Builds the journeys subgraph (durable, idempotent, compensated multi-step journeys). Does not listen. */
export async function createJourneysSubgraph(d: JourneysSubgraphDeps): Promise<SubgraphServer> {
  if (d.seedSandboxConsents ?? !isProduction()) await seedSandboxConsents(d.consents, d.partners);
  return createSubgraphServer<JourneysContext>({
    name: 'journeys',
    typeDefs,
    resolvers,
    permissions,
    verifier: d.verifier,
    ...(d.logger ? { logger: d.logger } : {}),
    // Reported in /ready?verbose and /metrics, not cascaded into /ready (lib/metrics/dependencies.ts).
    dependencies: async () => redisDependency(await probeRedis([d.store])),
    ...(d.inbound ? { inbound: d.inbound } : {}),
    ...(d.routes ? { routes: d.routes } : {}),
    // A journey mutation answers RUNNING once its wait is over: never after the gateway has stopped listening.
    createContext: (base, headers) => ({
      ...base,
      engine: d.engine,
      flows: d.flows,
      deps: d.deps,
      consents: d.consents,
      partners: d.partners,
      actions: d.actions,
      waitMs: waitWithin(d.waitMs ?? 10_000, headers[DEADLINE_HEADER]),
    }),
  });
}
