import type { EngineContext } from './context.js';
import { withLostAttempts } from './record.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * Leases: the worker running a journey holds `lease = { owner, expiresAt }` and renews it every leaseMs/3 (by
 * compare-and-set, like every write). A worker whose renewal finds another owner stops touching the journey. Once a
 * lease has expired, any worker may take the journey over and resume it from its persisted state.
 *
 * `expiresAt` is on the store's clock (Redis `TIME`, read with the record: JourneyStore.update's `now`), never a
 * worker's: a worker whose clock runs fast neither takes a live lease nor writes one that lasts too long. A lease
 * judged expired on the record as read is still expired when the compare-and-set lands (nothing changed in between,
 * and time only moves forward), so the decision holds. On a Redis Cluster the clock is that of the node holding the
 * journey's record (its masters' clocks should agree, by NTP, as any server's; they decide nothing between them).
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private renewing = false;
  /** Set when a renewal found another owner: the journey is no longer ours. */
  lost = false;

  constructor(
    private readonly ctx: EngineContext,
    private readonly journeyId: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.renew(), Math.max(10, Math.floor(this.ctx.leaseMs / 3)));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async renew(): Promise<void> {
    if (this.renewing || this.ctx.closing.aborted) return;
    this.renewing = true;
    try {
      const { record, written } = await this.ctx.store.update(this.journeyId, (r, now) =>
        !isTerminal(r.status) && r.lease?.owner === this.ctx.workerId && !this.ctx.closing.aborted
          ? { ...r, lease: { owner: this.ctx.workerId, expiresAt: now + this.ctx.leaseMs } }
          : null,
      );
      if (!written) {
        if (!isTerminal(record.status) && record.lease?.owner !== this.ctx.workerId) this.lost = true;
        this.stop();
      }
    } catch (err) {
      // The store may be briefly unreachable: keep trying; if the lease expires meanwhile, another worker takes over.
      this.ctx.logger.warn({ err, journeyId: this.journeyId }, 'renewing a journey lease failed');
    } finally {
      this.renewing = false;
    }
  }
}

/**
 * Takes a journey over if its lease has expired (or was handed back): one compare-and-set, so of several workers
 * trying at once exactly one wins. Attempts the previous owner left under way are recorded as lost. Returns the
 * record if this worker now holds the lease.
 */
export async function takeOver(ctx: EngineContext, journeyId: string): Promise<JourneyRecord | null> {
  const { record, previous, written } = await ctx.store.update(journeyId, (r, now) => {
    if (isTerminal(r.status) || (r.lease !== null && r.lease.expiresAt > now)) return null;
    const taken = withLostAttempts(r, r.lease?.owner ?? 'unknown');
    return { ...taken, lease: { owner: ctx.workerId, expiresAt: now + ctx.leaseMs } };
  });
  if (written) ctx.logger.info({ journeyId, previousOwner: previous.lease?.owner ?? null }, 'took over a stalled journey');
  return written ? record : null;
}

/** Graceful shutdown: makes our lease expire now, so another worker may take the journey over at once. */
export async function handBackLease(ctx: EngineContext, journeyId: string): Promise<void> {
  await ctx.store.update(journeyId, (r, now) =>
    !isTerminal(r.status) && r.lease?.owner === ctx.workerId ? { ...r, lease: { owner: ctx.workerId, expiresAt: now } } : null,
  );
}
