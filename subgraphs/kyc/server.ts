import { readFileSync } from 'node:fs';
import { parse } from 'graphql';
import type { KycProviderConnector } from '../../connectors/kyc-provider/index.js';
import type { RiskScoringConnector } from '../../connectors/risk-scoring/index.js';
import type { ContextVerifier } from '../../lib/context.js';
import type { Logger } from '../../lib/log.js';
import { createSubgraphServer, type SubgraphServer } from '../../lib/subgraph-server.js';
import type { KycContext } from './context.js';
import { createKycLoaders } from './loaders.js';
import { permissions } from './permissions.js';
import { resolvers } from './resolvers.js';

export const typeDefs = parse(readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8'));

export interface KycSubgraphDeps {
  readonly kycProvider: KycProviderConnector;
  /** The bank's own risk scoring: the risk fields of a KYC profile. */
  readonly riskScoring: RiskScoringConnector;
  readonly verifier: ContextVerifier;
  readonly logger?: Logger;
}

/** Builds the KYC subgraph (the KYC provider's checks, the bank's risk-scoring system's risk). Does not listen. */
export function createKycSubgraph(deps: KycSubgraphDeps): Promise<SubgraphServer> {
  return createSubgraphServer<KycContext>({
    name: 'kyc',
    typeDefs,
    resolvers,
    permissions,
    verifier: deps.verifier,
    ...(deps.logger ? { logger: deps.logger } : {}),
    createContext: (base) => ({ ...base, loaders: createKycLoaders(deps.kycProvider, deps.riskScoring) }),
  });
}
