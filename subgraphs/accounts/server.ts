import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { CoreBankingConnector } from '../../connectors/core-banking/index.js';
import type { ContextVerifier } from '../../lib/context.js';
import type { Logger } from '../../lib/log.js';
import { createSubgraphServer, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { AccountsContext } from './context.js';
import { createAccountsLoaders } from './loaders.js';
import { permissions } from './permissions.js';
import { resolvers } from './resolvers.js';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface AccountsSubgraphDeps {
  readonly coreBanking: CoreBankingConnector;
  readonly verifier: ContextVerifier;
  readonly logger?: Logger;
}

/** Builds the accounts subgraph (core banking: customers, accounts, transactions). Does not listen. */
export function createAccountsSubgraph(deps: AccountsSubgraphDeps): Promise<SubgraphServer> {
  return createSubgraphServer<AccountsContext>({
    name: 'accounts',
    typeDefs,
    resolvers,
    permissions,
    verifier: deps.verifier,
    ...(deps.logger ? { logger: deps.logger } : {}),
    createContext: (base) => ({ ...base, loaders: createAccountsLoaders(deps.coreBanking) }),
  });
}
