import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { ContextVerifier } from '../../lib/context.js';
import { DEADLINE_HEADER, waitWithin } from '../../lib/deadline.js';
import type { Logger } from '../../lib/log.js';
import { probeRedis, redisDependency, type Pingable } from '../../lib/redis/readiness.js';
import { createSubgraphServer, type InboundHandler, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { JourneysContext } from './context.js';
import type { JourneyEngine } from './engine/types.js';
import type { Flows, JourneyDeps } from './flows/index.js';
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
}

/** Builds the journeys subgraph (durable, idempotent, compensated multi-step journeys). Does not listen. */
export function createJourneysSubgraph(d: JourneysSubgraphDeps): Promise<SubgraphServer> {
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
    // A journey mutation answers RUNNING once its wait is over: never after the gateway has stopped listening.
    createContext: (base, headers) => ({
      ...base,
      engine: d.engine,
      flows: d.flows,
      deps: d.deps,
      waitMs: waitWithin(d.waitMs ?? 10_000, headers[DEADLINE_HEADER]),
    }),
  });
}
