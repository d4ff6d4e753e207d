import { createCoreBankingConnector } from '../../connectors/factory.js';
import { authConfig, bindHost, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createAccountsSubgraph } from './server.js';

const coreBanking = createCoreBankingConnector();
const server = await createAccountsSubgraph({ coreBanking, verifier: new ContextVerifier(authConfig().internalContextSecret) });
await runSubgraph(server, portOf('accounts'), bindHost(), () => coreBanking.http.close());
