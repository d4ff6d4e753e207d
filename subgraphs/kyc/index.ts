import { createKycProviderConnector } from '../../connectors/factory.js';
import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createKycSubgraph } from './server.js';

const kycProvider = createKycProviderConnector();
const server = await createKycSubgraph({ kycProvider, verifier: new ContextVerifier(contextPublicKeys()) });
await runSubgraph(server, portOf('kyc'), bindHost(), () => kycProvider.http.close());
