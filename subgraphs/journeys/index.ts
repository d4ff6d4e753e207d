import { authConfig, bindHost, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { createLogger } from '../../lib/log.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createJourneysRuntime } from './runtime.js';
import { createJourneysSubgraph } from './server.js';

const logger = createLogger('subgraph-journeys');
const runtime = createJourneysRuntime({ logger });
const server = await createJourneysSubgraph({
  engine: runtime.engine,
  flows: runtime.flows,
  deps: runtime.deps,
  waitMs: runtime.waitMs,
  verifier: new ContextVerifier(authConfig().internalContextSecret),
  logger,
});
// On SIGTERM the HTTP server drains, then the engine hands its running journeys back for another worker to finish.
await runSubgraph(server, portOf('journeys'), bindHost(), () => runtime.close());
