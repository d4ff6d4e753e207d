import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { createLogger, type Logger } from '../lib/log.js';

/**
 * Cluster mode, opt-in: `GATEWAY_WORKERS=auto` (one worker per core) or `GATEWAY_WORKERS=<n>`; unset or 1 is one
 * process, as before. The primary process only forks the workers and watches them; each worker runs gateway/index.ts
 * as a single gateway would, and node:cluster shares the one listening port between them.
 *
 * Everything a request decision depends on must then be shared, so more than one worker needs REDIS_URL: rate-limit
 * buckets and the audit stream live there. (Partner consents are not the gateway's: every worker asks the journeys
 * subgraph's consent registry, so a revocation stops every worker at once.) Without it the primary refuses to start
 * rather than run N separate limiters.
 *
 * A worker that dies is replaced (after a second, so a crash loop does not spin); one that dies before it ever
 * listened means the configuration is wrong, and the whole gateway stops with exit code 1. SIGTERM/SIGINT to the
 * primary are passed to every worker, which drain as a single gateway does; the primary exits once they all have
 * (0 when each exited cleanly), and a second SIGINT kills them.
 */

/** How many gateway workers the environment asks for: 1 unless GATEWAY_WORKERS is `auto` or an integer above 1. */
export function gatewayWorkers(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const raw = env.GATEWAY_WORKERS?.trim();
  if (!raw) return 1;
  if (raw === 'auto') return availableParallelism();
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new Error(`GATEWAY_WORKERS must be "auto" or an integer from 1 to 256, got "${raw}"`);
  return n;
}

/**
 * In the primary of a clustered gateway, runs the cluster and never returns (the process exits when the workers are
 * done); anywhere else (one worker wanted, or this is a worker) returns at once. gateway/index.ts awaits it first.
 */
export async function runClusterPrimary(env: Readonly<Record<string, string | undefined>> = process.env): Promise<void> {
  if (!cluster.isPrimary) return;
  const logger = createLogger('gateway');
  let count: number;
  try {
    count = gatewayWorkers(env);
  } catch (err) {
    return fail(logger, (err as Error).message);
  }
  if (count === 1) return;
  if (!env.REDIS_URL) {
    return fail(logger, `GATEWAY_WORKERS=${env.GATEWAY_WORKERS} needs REDIS_URL: workers must share rate limits and the audit stream`);
  }
  await new Promise<never>(() => superviseWorkers(count, logger));
}

function fail(logger: Logger, message: string): never {
  logger.fatal(message);
  process.stderr.write(`bankgraph gateway failed to start: ${message}\n`);
  process.exit(1);
}

function superviseWorkers(count: number, logger: Logger): void {
  const listening = new WeakSet<Worker>();
  const alive = () => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
  let stopping = false;
  let failed = false;
  const fork = () => {
    const worker = cluster.fork();
    worker.once('listening', () => {
      listening.add(worker);
      logger.info({ worker: worker.id, workerPid: worker.process.pid }, 'gateway worker listening');
      process.stdout.write(`bankgraph gateway worker ${worker.id} (pid ${worker.process.pid}) listening\n`);
    });
  };
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      // A worker the stop killed while it was still loading its modules (before it handles signals) had nothing to
      // drain. Any other worker must exit 0: drained, or stopped before it served; a code is a failure (a worker that
      // could not start for its own reasons, say refused Redis settings, is one even during a stop).
      const killedWhileLoading = !listening.has(worker) && signal !== null;
      if (!killedWhileLoading && (code !== 0 || signal !== null)) failed = true;
      // Not cluster.workers' size: a worker that exits before its IPC channel has closed is still listed there, and
      // is removed later without another 'exit' event; the primary would then never exit.
      if (alive().length === 0) process.exit(failed ? 1 : 0);
      return;
    }
    if (!listening.has(worker)) {
      failed = true;
      logger.fatal({ worker: worker.id, code, signal }, 'a gateway worker exited before it listened: stopping the gateway');
      stop('SIGTERM');
      return;
    }
    logger.error({ worker: worker.id, workerPid: worker.process.pid, code, signal }, 'gateway worker exited: starting another');
    setTimeout(() => {
      if (!stopping) fork();
    }, 1000).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    const workers = alive();
    if (workers.length === 0) process.exit(failed ? 1 : 0);
    for (const worker of workers) worker.process.kill(signal);
  };
  let interrupted = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      const again = signal === 'SIGINT' && interrupted;
      if (signal === 'SIGINT') interrupted = true;
      if (stopping) {
        // Only Ctrl-C twice forces: one stop often arrives as two signals, in either order (the terminal's SIGINT to
        // the whole process group, npm start's SIGTERM), and the workers are draining already.
        if (!again) return;
        logger.warn({ signal }, 'second SIGINT: killing the gateway workers');
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(1);
      }
      logger.info({ signal, workers: count }, 'stopping the gateway workers');
      stop('SIGTERM');
    });
  }
  logger.info({ workers: count }, 'starting gateway workers');
  for (let i = 0; i < count; i++) fork();
}
