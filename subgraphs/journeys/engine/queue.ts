import { Queue, Worker } from 'bullmq';
import { createLogger, type Logger } from '../../../lib/log.js';
import { createRedisClient, isClusterUrl, type RedisClient } from '../../../lib/redis/connection.js';

/**
 * The queue of background steps, and of wake-ups of critical steps waiting for their next check (wait.ts). A job
 * names a journey and a step; the handler reads everything else from the journey record, so a job may be delivered
 * twice (the handler skips a step that is no longer QUEUED or RUNNING, or no longer waits with the job's token) and
 * enqueueing is idempotent per (journey, step[, wake token]) while the job is alive.
 *
 * The engine takes ownership of the queue it is given: it registers the handler and closes the queue on close().
 */
export interface JourneyJob {
  readonly journeyId: string;
  readonly step: string;
  /** The W3C trace context the job was enqueued in: its deliveries continue that trace (lib/telemetry). */
  readonly traceparent?: string;
  /** Set on a wake-up job: the waiting step's wait token (StepWait.token). Absent: a background step's job. */
  readonly wake?: number;
  /**
   * A wake-up asked for ahead of the wait's end (JourneyEngine.checkNow): a job id of its own, so that the wait's
   * delayed job (same journey, step and token) does not absorb it. Whichever of the two comes first claims the wait.
   */
  readonly early?: boolean;
}

export interface EnqueueOptions {
  /** Deliveries in all, including the first. */
  readonly attempts: number;
  /** First retry delay; doubled each retry. */
  readonly backoffMs: number;
  /** Delivered no earlier than this many ms from now (a delayed job). @default 0 */
  readonly delayMs?: number;
}

export interface JobQueue {
  /** Adds the job unless the same (journeyId, step) is already waiting, delayed or running. */
  enqueue(job: JourneyJob, options: EnqueueOptions): Promise<void>;
  /** Registers the one handler; a handler that throws asks for a retry (until `attempts` deliveries). */
  process(handler: (job: JourneyJob) => Promise<void>): void;
  /** Stops taking jobs and waits for the running ones. */
  close(): Promise<void>;
  /** How many jobs are in each state, for the queue-depth gauge (engine/metrics.ts). */
  depth?(): Promise<QueueDepth>;
}

/** Jobs by state. `failed` counts jobs kept after their last delivery failed (both queues drop them: 0). */
export interface QueueDepth {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

/**
 * `${journeyId}|${step}`: one live job per background step (BullMQ refuses ':' in custom job ids); a wake-up
 * `${journeyId}|${step}|wake-${token}`, one per wait (the next wait's job is added while this one is still active),
 * and `...|wake-${token}|now` for the one early wake-up of a wait (repeated asks while it is alive are one job).
 */
export function jobIdOf(job: JourneyJob): string {
  if (job.wake === undefined) return `${job.journeyId}|${job.step}`;
  return `${job.journeyId}|${job.step}|wake-${job.wake}${job.early ? '|now' : ''}`;
}

/** The job as it is stored: only its own fields. */
function jobData(job: JourneyJob): JourneyJob {
  return {
    journeyId: job.journeyId,
    step: job.step,
    ...(job.traceparent ? { traceparent: job.traceparent } : {}),
    ...(job.wake !== undefined ? { wake: job.wake } : {}),
    ...(job.early ? { early: true } : {}),
  };
}

interface Entry {
  readonly job: JourneyJob;
  readonly options: EnqueueOptions;
  /** Epoch ms before which the first delivery does not happen. */
  readonly notBefore: number;
  deliveries: number;
  timer?: NodeJS.Timeout;
  state: 'waiting' | 'delayed' | 'active';
}

/**
 * Timers in this process: the embedded default. Jobs are lost with the process; the recovery sweep re-enqueues the
 * QUEUED steps it finds, so nothing is lost for good. With several processes, use BullMqQueue: two in-process
 * queues could each run the same step (safe thanks to the step's reference, but wasteful).
 */
export class InProcessQueue implements JobQueue {
  private handler: ((job: JourneyJob) => Promise<void>) | undefined;
  private readonly live = new Map<string, Entry>();
  private readonly running = new Set<Promise<void>>();
  private closed = false;

  async enqueue(job: JourneyJob, options: EnqueueOptions): Promise<void> {
    if (this.closed) throw new Error('the queue is closed');
    const key = jobIdOf(job);
    if (this.live.has(key)) return;
    const delayMs = Math.max(0, options.delayMs ?? 0);
    const entry: Entry = { job: jobData(job), options, notBefore: Date.now() + delayMs, deliveries: 0, state: delayMs > 0 ? 'delayed' : 'waiting' };
    this.live.set(key, entry);
    if (this.handler) this.schedule(key, entry, delayMs);
  }

  process(handler: (job: JourneyJob) => Promise<void>): void {
    if (this.handler) throw new Error('InProcessQueue.process was already called');
    this.handler = handler;
    for (const [key, entry] of this.live) this.schedule(key, entry, Math.max(0, entry.notBefore - Date.now()));
  }

  async depth(): Promise<QueueDepth> {
    const depth = { waiting: 0, active: 0, delayed: 0, failed: 0 };
    for (const entry of this.live.values()) depth[entry.state]++;
    return depth;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.live.values()) clearTimeout(entry.timer);
    this.live.clear();
    await Promise.allSettled([...this.running]);
  }

  private schedule(key: string, entry: Entry, delayMs: number): void {
    entry.state = delayMs > 0 ? 'delayed' : 'waiting';
    entry.timer = setTimeout(() => {
      const run = this.deliver(key, entry);
      this.running.add(run);
      void run.finally(() => this.running.delete(run));
    }, delayMs);
    entry.timer.unref();
  }

  private async deliver(key: string, entry: Entry): Promise<void> {
    if (this.closed || !this.handler) return;
    entry.state = 'active';
    entry.deliveries++;
    try {
      await this.handler(entry.job);
      this.live.delete(key);
    } catch {
      // The handler has recorded the failure in the journey; the queue only decides whether to deliver again.
      if (this.closed) return;
      if (entry.deliveries >= entry.options.attempts) this.live.delete(key);
      else this.schedule(key, entry, entry.options.backoffMs * 2 ** (entry.deliveries - 1));
    }
  }
}

export interface BullMqQueueOptions {
  /** Redis URL, e.g. redis://127.0.0.1:6379, or redis-cluster://host:port,... for a Cluster (lib/redis/connection.ts). */
  readonly redisUrl: string;
  /** Queue name (no ':'). @default 'journeys' */
  readonly name?: string;
  /** Key prefix. The braces are a Redis Cluster hash tag: all of the queue's keys land in one slot. @default '{bankgraph}' */
  readonly prefix?: string;
  /** Jobs this process runs at once. @default 8 */
  readonly concurrency?: number;
  /** Where connection trouble is reported. @default createLogger('journeys-queue') */
  readonly logger?: Logger;
}

/**
 * BullMQ on Redis: jobs survive the process, and any worker of any process may run them. Completed and failed
 * jobs are removed, so that a re-enqueue by the recovery sweep is possible again once a job is gone (the handler
 * ignores steps that are already done).
 */
export class BullMqQueue implements JobQueue {
  readonly queue: Queue<JourneyJob>;
  private worker: Worker<JourneyJob> | undefined;
  private readonly options: Required<Omit<BullMqQueueOptions, 'logger'>>;
  private readonly logger: Logger;
  /** Cluster clients made for a redis-cluster:// URL, closed by close(). */
  private readonly clusters: RedisClient[] = [];

  constructor(options: BullMqQueueOptions) {
    const { logger, ...rest } = options;
    this.options = { name: 'journeys', prefix: '{bankgraph}', concurrency: 8, ...rest };
    this.logger = logger ?? createLogger('journeys-queue');
    this.queue = new Queue<JourneyJob>(this.options.name, { connection: this.connection({ url: this.options.redisUrl }), prefix: this.options.prefix });
    this.queue.on('error', (err) => this.logger.error({ err }, 'the journeys queue failed'));
  }

  async enqueue(job: JourneyJob, options: EnqueueOptions): Promise<void> {
    await this.queue.add(
      'step',
      jobData(job),
      {
        jobId: jobIdOf(job),
        ...(options.delayMs && options.delayMs > 0 ? { delay: options.delayMs } : {}),
        attempts: options.attempts,
        backoff: { type: 'exponential', delay: options.backoffMs },
        removeOnComplete: true,
        removeOnFail: true,
      },
    );
  }

  process(handler: (job: JourneyJob) => Promise<void>): void {
    if (this.worker) throw new Error('BullMqQueue.process was already called');
    this.worker = new Worker<JourneyJob>(this.options.name, (job) => handler(job.data), {
      // Workers block on Redis: BullMQ requires maxRetriesPerRequest null on their connection.
      connection: this.connection({ url: this.options.redisUrl, maxRetriesPerRequest: null }),
      prefix: this.options.prefix,
      concurrency: this.options.concurrency,
    });
    // Job failures are recorded in the journey by the handler; this catches connection trouble, which BullMQ
    // would otherwise report as an unhandled 'error' event.
    this.worker.on('error', (err) => this.logger.error({ err }, 'the journeys queue worker failed'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    // BullMQ leaves connections it was given open (it treats them as shared): the Cluster clients are ours to close.
    for (const client of this.clusters.splice(0)) client.disconnect();
  }

  /**
   * BullMQ's connection for a URL: options (BullMQ opens and closes the connection) for one server; for a
   * redis-cluster:// URL (lib/redis/connection.ts) an ioredis Cluster, which BullMQ accepts as it is. Every key of the
   * queue carries the `{prefix}` hash tag, so its multi-key scripts run in one slot. maxRetriesPerRequest is null on
   * Cluster connections: the worker's blocking one requires it, and BullMQ duplicates the connection it is given.
   */
  private connection(options: { url: string; maxRetriesPerRequest?: null }): { url: string; maxRetriesPerRequest?: null } | RedisClient {
    if (!isClusterUrl(options.url)) return options;
    const client = createRedisClient(options.url, { maxRetriesPerRequest: null });
    this.clusters.push(client);
    return client;
  }

  async depth(): Promise<QueueDepth> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    return { waiting: counts.waiting ?? 0, active: counts.active ?? 0, delayed: counts.delayed ?? 0, failed: counts.failed ?? 0 };
  }

  /** Removes the queue and all its jobs from Redis (tests, decommissioning). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
  }
}
