import { createCardProcessorConnector } from '../../connectors/factory.js';
import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createCardsSubgraph } from './server.js';

const cardProcessor = createCardProcessorConnector();
const server = await createCardsSubgraph({ cardProcessor, verifier: new ContextVerifier(contextPublicKeys()) });
await runSubgraph(server, portOf('cards'), bindHost(), () => cardProcessor.http.close());
