import { enqueueBackground } from './background.js';
import type { EngineContext } from './context.js';
import { takeOver } from './lease.js';
import { needsWork } from './record.js';
import type { JourneyRunner } from './runner.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * The recovery sweep, run by every engine on a timer and on demand. For each journey in `journeys:active`:
 *   - non-terminal with an expired lease (its worker died, or handed it back): take the lease by compare-and-set and
 *     drive it from its persisted state (a step left RUNNING is an unknown outcome: recover, else run again with the
 *     same reference; a COMPENSATING journey resumes its compensation);
 *   - terminal with background steps still QUEUED/RUNNING: enqueue them again (idempotent per job id), in case the
 *     process that completed the journey died before enqueueing, or its in-process queue died with it;
 *   - terminal with nothing left, or gone (expired): dropped from the index.
 */
export class Recovery {
  private timer: NodeJS.Timeout | undefined;
  private sweeping = false;
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
      this.sweep({ awaitDrives: false })
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
   * One sweep. Returns how many journeys this worker took over; with `awaitDrives` it resolves only once those have
   * been driven as far as this worker can (terminal, or stopped for recovery elsewhere).
   */
  async sweep(options: { awaitDrives: boolean }): Promise<number> {
    const drives: Promise<JourneyRecord | null>[] = [];
    for (const id of await this.ctx.store.activeIds()) {
      if (this.ctx.closing.aborted) break;
      try {
        const record = await this.ctx.store.get(id);
        if (!record || !needsWork(record)) {
          await this.ctx.store.forgetActive(id);
        } else if (!this.ctx.flows.has(record.type)) {
          // Another deployment's journey type (a rolling upgrade): leave it to a worker that knows the flow.
          if (!this.unknownTypes.has(id)) this.ctx.logger.warn({ journeyId: id, journeyType: record.type }, 'cannot recover a journey of an unregistered type');
          this.unknownTypes.add(id);
        } else if (isTerminal(record.status)) {
          await enqueueBackground(this.ctx, record);
        } else if (!this.runner.isDriving(id) && (record.lease === null || record.lease.expiresAt <= Date.now())) {
          if (await takeOver(this.ctx, id)) drives.push(this.runner.drive(id));
        }
      } catch (err) {
        this.ctx.logger.error({ err, journeyId: id }, 'recovering a journey failed; the next sweep tries again');
      }
    }
    if (options.awaitDrives) await Promise.all(drives);
    return drives.length;
  }

  /** For a caller waiting on a journey: takes it over at once if its lease has expired. True if it did. */
  async nudge(record: JourneyRecord): Promise<boolean> {
    if (isTerminal(record.status) || this.runner.isDriving(record.id) || this.ctx.closing.aborted) return false;
    if (record.lease !== null && record.lease.expiresAt > Date.now()) return false;
    if (!(await takeOver(this.ctx, record.id))) return false;
    void this.runner.drive(record.id);
    return true;
  }
}
