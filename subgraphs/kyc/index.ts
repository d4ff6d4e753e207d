import { createKycProviderConnector, createRiskScoringConnector } from '../../connectors/factory.js';
import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createKycSubgraph } from './server.js';

const kycProvider = createKycProviderConnector();
const riskScoring = createRiskScoringConnector();
const server = await createKycSubgraph({ kycProvider, riskScoring, verifier: new ContextVerifier(contextPublicKeys()) });
await runSubgraph(server, portOf('kyc'), bindHost(), async () => {
  await Promise.all([kycProvider.http.close(), riskScoring.http.close()]);
});
