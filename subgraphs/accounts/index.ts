import { createCoreBankingConnector } from '../../connectors/factory.js';
import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createAccountsSubgraph } from './server.js';

const coreBanking = createCoreBankingConnector();
const server = await createAccountsSubgraph({ coreBanking, verifier: new ContextVerifier(contextPublicKeys()) });
await runSubgraph(server, portOf('accounts'), bindHost(), () => coreBanking.http.close());
