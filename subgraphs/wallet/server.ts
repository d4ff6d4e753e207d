import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { FxWalletConnector } from '../../connectors/fx-wallet/index.js';
import type { ContextVerifier } from '../../lib/context.js';
import type { Logger } from '../../lib/log.js';
import { createSubgraphServer, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { WalletContext } from './context.js';
import { createWalletLoaders } from './loaders.js';
import { permissions } from './permissions.js';
import { resolvers } from './resolvers.js';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface WalletSubgraphDeps {
  readonly fxWallet: FxWalletConnector;
  readonly verifier: ContextVerifier;
  readonly logger?: Logger;
}

/** Builds the wallet subgraph (FX wallet: pockets, totals at reference rates, firm quotes). Does not listen. */
export function createWalletSubgraph(deps: WalletSubgraphDeps): Promise<SubgraphServer> {
  return createSubgraphServer<WalletContext>({
    name: 'wallet',
    typeDefs,
    resolvers,
    permissions,
    verifier: deps.verifier,
    ...(deps.logger ? { logger: deps.logger } : {}),
    createContext: (base) => ({ ...base, fxWallet: deps.fxWallet, loaders: createWalletLoaders(deps.fxWallet) }),
  });
}
