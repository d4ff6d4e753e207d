import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { CardProcessorConnector } from '../../connectors/card-processor/index.js';
import type { ContextVerifier } from '../../lib/context.js';
import type { Logger } from '../../lib/log.js';
import { createSubgraphServer, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { CardsContext } from './context.js';
import { createCardsLoaders } from './loaders.js';
import { permissions } from './permissions.js';
import { resolvers } from './resolvers.js';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface CardsSubgraphDeps {
  readonly cardProcessor: CardProcessorConnector;
  readonly verifier: ContextVerifier;
  readonly logger?: Logger;
}

/** Builds the cards subgraph (card processor: cards, last four digits only). Does not listen. */
export function createCardsSubgraph(deps: CardsSubgraphDeps): Promise<SubgraphServer> {
  return createSubgraphServer<CardsContext>({
    name: 'cards',
    typeDefs,
    resolvers,
    permissions,
    verifier: deps.verifier,
    ...(deps.logger ? { logger: deps.logger } : {}),
    createContext: (base) => ({ ...base, loaders: createCardsLoaders(deps.cardProcessor) }),
  });
}
