import { createFxWalletConnector } from '../../connectors/factory.js';
import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createWalletSubgraph } from './server.js';

const fxWallet = createFxWalletConnector();
const server = await createWalletSubgraph({ fxWallet, verifier: new ContextVerifier(contextPublicKeys()) });
await runSubgraph(server, portOf('wallet'), bindHost(), () => fxWallet.http.close());
