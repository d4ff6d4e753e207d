import { createFxWalletConnector } from '../../connectors/factory.js';
import { authConfig, bindHost, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createWalletSubgraph } from './server.js';

const fxWallet = createFxWalletConnector();
const server = await createWalletSubgraph({ fxWallet, verifier: new ContextVerifier(authConfig().internalContextSecret) });
await runSubgraph(server, portOf('wallet'), bindHost(), () => fxWallet.http.close());
