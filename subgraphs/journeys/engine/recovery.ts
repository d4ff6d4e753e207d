import { enqueueBackground } from './background.js';
import type { EngineContext } from './context.js';
import { takeOver } from './lease.js';
import { needsWork } from './record.js';
import type { JourneyRunner } from './runner.js';
import { isTerminal, type JourneyRecord } from './types.js';

/** Journeys one sweep looks at, at most (the rest wait for the next sweep). */
const SWEEP_BATCH = 1_000;
/** Every this many timer ticks (the first included), a sweep walks every journey with work left, not only the due ones. */
export const FULL_SWEEP_EVERY = 60;

/**
 * The recovery sweep, run by every engine on a timer and on demand. It reads the journeys that are due by the store's
 * clock from `journeys:due` (sorted by when: a running journey's lease expiry), not every active journey. For each:
 *   - non-terminal with an expired lease (its worker died, or handed it back): take the lease by compare-and-set and
 *     drive it from its persisted state (a step left RUNNING is an unknown outcome: recover, else run again with the
 *     same reference; a COMPENSATING journey resumes its compensation);
 *   - terminal with background steps still QUEUED/RUNNING: enqueue them again (idempotent per job id), in case the
 *     process that completed the journey died before enqueueing, or its in-process queue died with it;
 *   - terminal with nothing left, or gone (expired): dropped from the indexes.
 * A live journey is not read at all until its lease runs out.
 *
 * The full sweep (on the first timer tick, then every FULL_SWEEP_EVERY ticks: every 5 min by default) walks
 * `journeys:active` as sweeps did before the due index: it finds what the index may lack, namely records written
 * before it existed, and on a Redis Cluster a crash between a record and its index entry (lib/store/redis.ts).
 */
export class Recovery {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private ticks = 0;
  /** Journeys of types this worker has no flow for, warned about once. */
  private readonly unknownTypes = new Set<string>();

  constructor(
    private readonly ctx: EngineContext,
    private readonly runner: JourneyRunner,
  ) {}

  /** Sweeps every `intervalMs` (0 = never), skipping a tick while a sweep is still under way. */
  start(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      const full = this.ticks++ % FULL_SWEEP_EVERY === 0;
      this.sweep({ awaitDrives: false, full })
        .catch((err: unknown) => this.ctx.logger.error({ err }, 'the journey recovery sweep failed'))
        .finally(() => (this.sweeping = false));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One sweep (of the due journeys; with `full`, of every journey with work left). Returns how many journeys this
   * worker took over; with `awaitDrives` it resolves only once those have been driven as far as this worker can
   * (terminal, or stopped for recovery elsewhere).
   */
  async sweep(options: { awaitDrives: boolean; full?: boolean }): Promise<number> {
    const drives: Promise<JourneyRecord | null>[] = [];
    const ids = options.full ? await this.ctx.store.activeIds() : await this.ctx.store.dueIds(SWEEP_BATCH);
    for (const id of ids) {
      if (this.ctx.closing.aborted) break;
      try {
        const { record, now } = await this.ctx.store.getWithTime(id);
        if (!record || !needsWork(record)) {
          await this.ctx.store.forgetActive(id);
        } else if (!this.ctx.flows.has(record.type)) {
          // Another deployment's journey type (a rolling upgrade): leave it to a worker that knows the flow.
          if (!this.unknownTypes.has(id)) this.ctx.logger.warn({ journeyId: id, journeyType: record.type }, 'cannot recover a journey of an unregistered type');
          this.unknownTypes.add(id);
        } else if (isTerminal(record.status)) {
          await enqueueBackground(this.ctx, record);
        } else if (!this.runner.isDriving(id) && (record.lease === null || record.lease.expiresAt <= now)) {
          if (await takeOver(this.ctx, id)) drives.push(this.runner.drive(id));
        }
      } catch (err) {
        this.ctx.logger.error({ err, journeyId: id }, 'recovering a journey failed; the next sweep tries again');
      }
    }
    if (options.awaitDrives) await Promise.all(drives);
    return drives.length;
  }

  /**
   * For a caller waiting on a journey: takes it over at once if its lease has expired by the store's clock (`now`, read
   * with the record). True if it did.
   */
  async nudge(record: JourneyRecord, now: number): Promise<boolean> {
    if (isTerminal(record.status) || this.runner.isDriving(record.id) || this.ctx.closing.aborted) return false;
    if (record.lease !== null && record.lease.expiresAt > now) return false;
    if (!(await takeOver(this.ctx, record.id))) return false;
    void this.runner.drive(record.id);
    return true;
  }
}
