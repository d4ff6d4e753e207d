import { SUBGRAPHS, bindHost, portOf, subgraphUrlOverride } from '../lib/config.js';
import { createLogger } from '../lib/log.js';
import { setupTracing } from '../lib/telemetry/setup.js';
import { checkRedisOrExit } from '../lib/redis/settings.js';
import { runClusterPrimary } from './cluster.js';
import { createGateway, type RunningGateway } from './server.js';

/**
 * Runs the gateway: `tsx gateway/index.ts`. On SIGTERM/SIGINT it stops accepting, lets in-flight requests finish
 * (forcing after the longest subgraph timeout + 1 s, 16 s by default), stops Apollo and exits 0. A second SIGINT
 * (Ctrl-C twice) exits at once; any other repeat is ignored while draining, because one stop often arrives as two
 * signals, in either order: Ctrl-C on `npm start` sends SIGINT to the whole process group and start.ts sends
 * SIGTERM, and a cluster worker gets the terminal's SIGINT and its primary's SIGTERM.
 */
// GATEWAY_WORKERS=auto|<n>: this process only supervises <n> workers, each running this file (gateway/cluster.ts);
// runClusterPrimary then never returns. Otherwise (the default, and in each worker) it returns at once.
await runClusterPrimary();

const logger = createLogger('gateway');
// Spans (ours and @apollo/gateway's), exported only where OTEL_* says (lib/telemetry/setup.ts).
const tracing = setupTracing({ serviceName: 'gateway' });

// Signals are handled from here, before the gateway listens: one that arrives while it starts (a cluster worker just
// forked, a rolling deploy) exits 0 if nothing was started yet, or waits for the start and drains, rather than
// killing the process by signal (which a cluster primary rightly counts as a worker that did not stop cleanly).
let starting: Promise<RunningGateway> | undefined;
const received = new Set<NodeJS.Signals>();
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    const first = received.size === 0;
    const again = received.has(signal);
    received.add(signal);
    if (!first) {
      if (signal === 'SIGINT' && again) {
        logger.warn({ signal }, 'second SIGINT: exiting without draining');
        process.exit(1);
      }
      logger.info({ signal }, 'already draining');
      return;
    }
    if (!starting) {
      logger.info({ signal }, 'stopped before serving');
      process.exit(0);
    }
    logger.info({ signal }, 'draining in-flight requests');
    starting
      .then((running) => running.stop())
      .then(() => tracing.shutdown())
      .then(
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

// Redis keeps rate limits and the audit stream (consents are the journeys'): check the settings money depends on before serving.
await checkRedisOrExit(logger, 'gateway');

logger.info('gateway starting'); // pino's base bindings carry pid and hostname already

starting = createGateway({
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
});
const running = await starting.catch((err: unknown) => {
  logger.fatal({ err }, 'gateway failed to start');
  process.stderr.write(`bankgraph gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
logger.info({ url: running.url }, 'gateway listening');
process.stdout.write(`bankgraph gateway listening on ${running.url}\n`);
