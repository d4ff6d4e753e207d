import { setMaxListeners } from 'node:events';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { within } from '../../../lib/deadline.js';
import { badUserInput, BankError, ErrorCode } from '../../../lib/errors.js';
import { createLogger, type Logger } from '../../../lib/log.js';
import type { KeyValueStore } from '../../../lib/store/index.js';
import { backgroundHandler, enqueueBackground } from './background.js';
import { checkNow } from './check-now.js';
import { checkStep } from './check-step.js';
import type { EngineContext } from './context.js';
import { journeyIdOf, requestHashOf } from './ids.js';
import { handBackLease } from './lease.js';
import { countTerminal, observeResolution } from './metrics.js';
import { InProcessQueue, type JobQueue } from './queue.js';
import { newJourneyRecord } from './record.js';
import { Recovery } from './recovery.js';
import { wakeHandler } from './pending-wait.js';
import { JourneyRunner } from './runner.js';
import { JourneyStore } from './store.js';
import { waitForJourney } from './wait.js';
import { isTerminal, JOURNEY_STATUSES, type FlowDefinition, type JourneyEngine, type JourneyRecord, type RetryPolicy, type StartOptions } from './types.js';

/**
 * The journey engine: idempotent start, durable run, recovery.
 *
 * A duplicate that arrives while the first request is still running WAITS for it (woken by the journey's writes, which
 * the store publishes, re-reading every 2 s in case a message was lost; up to its waitMs: wait.ts) and answers with
 * the same journey, rather than failing with IDEMPOTENCY_KEY_IN_USE. A client that retries after a network error then
 * gets the answer it missed instead of an error it must retry again; both callers see one journey, run once. If the journey's worker has died meanwhile (lease expired), the waiting call
 * takes it over at once instead of waiting for the recovery timer.
 *
 * Order of start: validate (a BAD_USER_INPUT writes nothing), then the record is created with setIfAbsent (status
 * RUNNING, leased to this worker) before any step runs; the same key with another request is refused
 * (IDEMPOTENCY_KEY_REUSED); a finished journey is returned as stored (a replay). The run goes on in the background
 * if waitMs elapses first; start then answers with the record as persisted (RUNNING).
 *
 * close() is a graceful shutdown: it stops the timers, the queue worker and the drives (in-flight attempts are
 * abandoned, their outcome left for recovery to establish), then hands the running journeys back (lease expiresAt =
 * now) so that another worker resumes them at once. abandon() does the same without handing back.
 */

export interface JourneyEngineOptions {
  /** Where journey records live (Redis in production: shared by every worker). */
  readonly store: KeyValueStore;
  /** Every flow this engine may start or recover, one per type. A worker recovers only the types it knows. */
  readonly flows: readonly FlowDefinition[];
  /** Background steps' queue; the engine owns it (registers its handler, closes it). @default new InProcessQueue() */
  readonly queue?: JobQueue;
  /** This worker's lease owner id, recorded on every attempt. @default `<hostname>:<pid>:<random>` */
  readonly workerId?: string;
  /** How long a lease lasts without renewal (renewed every leaseMs/3). @default 15000 */
  readonly leaseMs?: number;
  /** Recovery sweep period; 0 = no timer (call recoverStalled yourself). @default 5000 */
  readonly recoveryIntervalMs?: number;
  /** How long start waits for the critical steps when StartOptions.waitMs is not given. @default 10000 */
  readonly defaultWaitMs?: number;
  /** How long terminal records (and so idempotency) are kept; at least 24 h. @default forever (records, not cache) */
  readonly retentionMs?: number;
  /** @default createLogger('journeys-engine') */
  readonly logger?: Logger;
  /**
   * Hears of each journey's start (the record just created, once per journey whatever the replays) and of the write
   * that makes it terminal, from the worker that wrote it: the audit stream. (Follow-ups that run or fail later leave
   * the journey's status alone, and are not heard here.) Never awaited by the run; a failure is logged.
   */
  readonly onLifecycle?: (event: JourneyLifecycleEvent) => void | Promise<void>;
}

export interface JourneyLifecycleEvent {
  readonly phase: 'started' | 'terminal';
  readonly record: JourneyRecord;
  readonly workerId: string;
}

export interface JourneyEngineHandle extends JourneyEngine {
  readonly workerId: string;
  /** The records, for readers that need more than get/listByCustomer (tests, admin tools). */
  readonly journeys: JourneyStore;
  /**
   * Stops like close() but hands nothing back: the leases run out on their own, as if the process had died.
   * For tests of recovery, and for a shutdown that cannot reach the store.
   */
  abandon(): Promise<void>;
}

const MAX_KEY_LENGTH = 255;
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export function createJourneyEngine(options: JourneyEngineOptions): JourneyEngineHandle {
  const flows = registry(options.flows);
  const notify = (phase: JourneyLifecycleEvent['phase'], record: JourneyRecord): void => {
    if (!options.onLifecycle) return;
    Promise.resolve()
      .then(() => options.onLifecycle!({ phase, record, workerId: ctx.workerId }))
      .catch((err: unknown) => ctx.logger.error({ err, journeyId: record.id, phase }, 'journey lifecycle hook failed'));
  };
  const store = new JourneyStore(options.store, {
    ...(options.retentionMs !== undefined ? { retentionMs: options.retentionMs } : {}),
    onWrite: (previous, next) => {
      if (previous.status !== next.status && isTerminal(next.status)) notify('terminal', next);
      observeResolution(previous, next);
    },
  });
  const queue = options.queue ?? new InProcessQueue();
  const closer = new AbortController();
  // Every in-flight attempt and backoff listens for shutdown (and removes its listener when it ends), so the number
  // of listeners is the number of journeys running at once: not a leak, and not bounded by Node's default of 10.
  setMaxListeners(0, closer.signal);
  const ctx: EngineContext = {
    store,
    flows,
    queue,
    workerId: options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    leaseMs: options.leaseMs ?? 15_000,
    logger: options.logger ?? createLogger('journeys-engine'),
    closing: closer.signal,
  };
  const defaultWaitMs = options.defaultWaitMs ?? 10_000;
  const runner = new JourneyRunner(ctx);
  const recovery = new Recovery(ctx, runner);
  const background = backgroundHandler(ctx);
  const wakeUp = wakeHandler(ctx, runner);
  queue.process((job) => (job.wake === undefined ? background(job) : wakeUp(job)));
  recovery.start(options.recoveryIntervalMs ?? 5_000);
  let stopping: Promise<void> | undefined;

  async function start(flow: FlowDefinition, o: StartOptions): Promise<JourneyRecord> {
    if (closer.signal.aborted) throw new Error('the journey engine is closed');
    // The registered flow runs the journey, so that this worker and any worker recovering it behave alike.
    const registered = flows.get(flow.type);
    if (!registered) throw new Error(`journey type ${flow.type} is not registered: pass its flow to createJourneyEngine({ flows }) so that any worker can recover it`);
    const input = registered.validate(o.input, o.principal);
    if (typeof o.idempotencyKey !== 'string' || o.idempotencyKey.trim() === '' || o.idempotencyKey.length > MAX_KEY_LENGTH) {
      throw badUserInput('idempotencyKey', `idempotencyKey must be a non-blank string of at most ${MAX_KEY_LENGTH} characters`);
    }
    const id = journeyIdOf(o.principal, o.idempotencyKey);
    const requestHash = requestHashOf(registered.type, input);
    const waitMs = o.waitMs ?? defaultWaitMs;

    const read = await store.getWithTime(id);
    let existing = read.record;
    if (!existing) {
      const fresh = newJourneyRecord({
        id,
        flow: registered,
        principal: o.principal,
        customerId: registered.customerOf(input, o.principal),
        idempotencyKey: o.idempotencyKey,
        requestHash,
        input,
        owner: ctx.workerId,
        leaseMs: ctx.leaseMs,
      });
      // The lease is on the store's clock, like every lease (lease.ts), not on this worker's.
      const record: JourneyRecord = { ...fresh, lease: { owner: ctx.workerId, expiresAt: read.now + ctx.leaseMs } };
      if (await store.create(record)) {
        ctx.logger.info({ journeyId: id, journeyType: record.type }, 'journey started');
        notify('started', record);
        return answer(runner.drive(id), id, waitMs);
      }
      existing = await store.get(id);
      if (!existing) throw new Error(`journey ${id}: setIfAbsent found a record, but it is gone`);
    }
    if (existing.requestHash !== requestHash) {
      throw new BankError(
        ErrorCode.IDEMPOTENCY_KEY_REUSED,
        'This idempotency key was already used for a different request. Use a new key for a new request, or repeat the original request exactly.',
        { extensions: { journeyId: id } },
      );
    }
    if (isTerminal(existing.status)) return existing;
    return waitForJourney({ store, recovery, logger: ctx.logger, closing: closer.signal }, existing, waitMs);
  }

  /**
   * The creator's answer: the terminal record its drive wrote, or what is persisted once waitMs has elapsed. A drive
   * that released the journey to wait for a step's next check is followed in the store, like a duplicate's.
   */
  async function answer(drive: Promise<JourneyRecord | null>, id: string, waitMs: number): Promise<JourneyRecord> {
    const deadline = Date.now() + waitMs;
    const done = await within(drive, waitMs);
    if (done && isTerminal(done.status)) return done;
    if (done) return waitForJourney({ store, recovery, logger: ctx.logger, closing: closer.signal }, done, deadline - Date.now());
    const record = await store.get(id);
    if (!record) throw new Error(`journey ${id} is not in the store`);
    return record;
  }

  /** Stops the recovery timer, the queue worker and the drives (in-flight attempts are abandoned, not awaited). */
  function stop(): Promise<void> {
    stopping ??= (async () => {
      closer.abort();
      recovery.stop();
      await queue.close();
      await runner.settled();
    })();
    return stopping;
  }

  async function intervene(
    journeyId: string,
    decide: (current: JourneyRecord, flow: FlowDefinition | undefined) => JourneyRecord | null,
    waitMs = defaultWaitMs,
  ): Promise<JourneyRecord> {
    if (closer.signal.aborted) throw new Error('the journey engine is closed');
    const update = await store.update(journeyId, (current, clock) => {
      const next = decide(current, flows.get(current.type));
      if (next === null) return null;
      // Driven on by this worker (below), leased on the store's clock like every lease.
      return isTerminal(next.status) ? next : { ...next, lease: { owner: ctx.workerId, expiresAt: clock + ctx.leaseMs } };
    });
    const { record } = update;
    if (!update.written) return record;
    // From here the action is carried out (written): what follows is best effort, never an error for an applied
    // action. Recovery enqueues follow-ups left QUEUED and resumes a leased journey whose drive did not start.
    if (isTerminal(record.status)) {
      countTerminal(update.previous, record);
      // A journey a person closed as COMPLETED still sends its follow-ups (the customer's notification).
      await enqueueBackground(ctx, record).catch((err: unknown) => ctx.logger.warn({ err, journeyId }, 'queueing the follow-ups of a journey a person closed failed; recovery will'));
      return record;
    }
    // Back in the slow sweep's set too (the due index, written with the record, is what recovery reads first).
    await store.markActive(journeyId).catch((err: unknown) => ctx.logger.warn({ err, journeyId }, 'could not mark a resumed journey active'));
    ctx.logger.info({ journeyId, journeyType: record.type, status: record.status }, 'journey resumed by a person\'s approved action');
    return answer(runner.drive(journeyId), journeyId, waitMs).catch((err: unknown) => {
      ctx.logger.warn({ err, journeyId }, 'following a resumed journey failed; answering with the record as written');
      return record;
    });
  }

  return {
    workerId: ctx.workerId,
    journeys: store,
    list: (query, first, after) => store.list(query, first, after),
    count: () => store.count(JOURNEY_STATUSES, [...flows.keys()]),
    flowOf: (type) => flows.get(type),
    annotate: async (journeyId, decide) => (await store.update(journeyId, (current) => decide(current))).record,
    intervene,
    checkStep: (journeyId, step) => checkStep(ctx, journeyId, step),
    start,
    get: (id) => store.get(id),
    listByCustomer: (customerId) => store.listByCustomer(customerId),
    recoverStalled: () => recovery.sweep({ awaitDrives: true }),
    checkNow: (journeyId, step) => checkNow(ctx, journeyId, step),
    async close() {
      const running = runner.drivingIds();
      await stop();
      // Graceful: the leases of the journeys we were running expire now, so another worker's sweep (or a waiting
      // duplicate request) takes them over at once instead of after leaseMs.
      for (const id of running) {
        await handBackLease(ctx, id).catch((err: unknown) => ctx.logger.warn({ err, journeyId: id }, 'handing a journey back failed; its lease will expire'));
      }
    },
    abandon: stop,
  };
}

/** Flows by type, checked once: a mistake here would otherwise surface in the middle of someone's payment. */
function registry(flows: readonly FlowDefinition[]): ReadonlyMap<string, FlowDefinition> {
  const byType = new Map<string, FlowDefinition>();
  for (const flow of flows) {
    if (byType.has(flow.type)) throw new Error(`two flows have the journey type ${flow.type}`);
    const names = new Set<string>();
    for (const step of flow.steps) {
      // Step names go into references (`<id>.<step>`) and job ids (`<id>|<step>`): keep them plain.
      if (!STEP_NAME.test(step.name)) throw new Error(`${flow.type}: step name "${step.name}" must match ${STEP_NAME}`);
      if (names.has(step.name)) throw new Error(`${flow.type}: two steps are named ${step.name}`);
      names.add(step.name);
      for (const policy of [step.retry, step.compensateRetry]) if (policy) checkPolicy(flow.type, step.name, policy);
      if (step.pendingMaxDelayMs !== undefined && !(step.pendingMaxDelayMs >= 0)) throw new Error(`${flow.type}.${step.name}: pendingMaxDelayMs must be >= 0`);
    }
    byType.set(flow.type, flow);
  }
  return byType;
}

function checkPolicy(type: string, step: string, p: RetryPolicy): void {
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1 || !(p.baseDelayMs >= 0) || !(p.maxDelayMs >= p.baseDelayMs)) {
    throw new Error(`${type}.${step}: a retry policy needs an integer maxAttempts >= 1 and 0 <= baseDelayMs <= maxDelayMs`);
  }
}
