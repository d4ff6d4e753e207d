import { SUBGRAPHS, bindHost, portOf, subgraphUrlOverride } from '../lib/config.js';
import { createLogger } from '../lib/log.js';
import { setupTracing } from '../lib/telemetry/setup.js';
import { checkRedisOrExit } from '../lib/redis/settings.js';
import { runClusterPrimary } from './cluster.js';
import { createGateway } from './server.js';

/**
 * Runs the gateway: `tsx gateway/index.ts`. On SIGTERM/SIGINT it stops accepting, lets in-flight requests finish
 * (forcing after 10 s), stops Apollo and exits 0; a second signal exits at once.
 */
// GATEWAY_WORKERS=auto|<n>: this process only supervises <n> workers, each running this file (gateway/cluster.ts);
// runClusterPrimary then never returns. Otherwise (the default, and in each worker) it returns at once.
await runClusterPrimary();

const logger = createLogger('gateway');
// Spans (ours and @apollo/gateway's), exported only where OTEL_* says (lib/telemetry/setup.ts).
const tracing = setupTracing({ serviceName: 'gateway' });

// Redis keeps rate limits, consents and the audit stream: check the settings money depends on before serving.
await checkRedisOrExit(logger, 'gateway');

const running = await createGateway({
  supergraphPath: process.env.SUPERGRAPH_PATH ?? 'schema/supergraph.graphql',
  subgraphUrls: Object.fromEntries(
    SUBGRAPHS.flatMap((name) => {
      const url = subgraphUrlOverride(name);
      return url ? [[name, url]] : [];
    }),
  ),
  port: portOf('gateway'),
  host: bindHost(),
  logger,
}).catch((err: unknown) => {
  logger.fatal({ err }, 'gateway failed to start');
  process.stderr.write(`bankgraph gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
logger.info({ url: running.url }, 'gateway listening');
process.stdout.write(`bankgraph gateway listening on ${running.url}\n`);

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    signalled = true;
    logger.info({ signal }, 'draining in-flight requests');
    running.stop().then(() => tracing.shutdown()).then(
      () => {
        logger.info('gateway stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'gateway did not stop cleanly');
        process.exit(1);
      },
    );
  });
}
