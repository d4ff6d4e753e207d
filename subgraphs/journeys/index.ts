import { bindHost, contextPublicKeys, portOf } from '../../lib/config.js';
import { ContextVerifier } from '../../lib/context.js';
import { createLogger } from '../../lib/log.js';
import { checkRedisOrExit } from '../../lib/redis/settings.js';
import { runSubgraph } from '../../lib/subgraph-server.js';
import { createJourneysRuntime } from './runtime.js';
import { createJourneysSubgraph } from './server.js';

const logger = createLogger('subgraph-journeys');
// Journey state and idempotency keys live in Redis: refuse unsafe settings in production (lib/redis/settings.ts).
await checkRedisOrExit(logger, 'journeys subgraph');
const runtime = createJourneysRuntime({ logger });
const server = await createJourneysSubgraph({
  engine: runtime.engine,
  flows: runtime.flows,
  deps: runtime.deps,
  waitMs: runtime.waitMs,
  store: runtime.store,
  // What legacy systems push (the rail's pacs.002 / pacs.004 reports): README "How the rail's reports reach the bank".
  inbound: runtime.inbound,
  // The consent registry: Customer.consents, revokeConsent, the OB consent routes and the gateway's access check.
  consents: runtime.consents,
  partners: runtime.partners,
  // Four-eyes actions on parked journeys (README "Operations: parked journeys").
  actions: runtime.actions,
  routes: runtime.routes,
  verifier: new ContextVerifier(contextPublicKeys()),
  logger,
});
// On SIGTERM the HTTP server drains, then the engine hands its running journeys back for another worker to finish.
await runSubgraph(server, portOf('journeys'), bindHost(), () => runtime.close());
