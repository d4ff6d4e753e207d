import type { Logger } from '../../../lib/log.js';
import type { Recovery } from './recovery.js';
import type { JourneyStore } from './store.js';
import { isTerminal, type JourneyRecord } from './types.js';

/**
 * How long a waiter sleeps at most without news: the journey's writes are published (JourneyStore.watch) and wake it
 * at once, but a message can be lost (a Redis reconnect), so it also re-reads this often.
 */
export const FALLBACK_READ_MS = 2_000;

/**
 * A duplicate request's wait for the journey the first request is running: until it is terminal, `waitMs` has
 * elapsed or the engine closes. It wakes when the journey is written (any worker), when the journey's lease expires
 * (then it takes the journey over at once, instead of waiting for a recovery sweep), and every FALLBACK_READ_MS.
 * Reads: one per wake, not one per poll.
 */
export async function waitForJourney(
  deps: { readonly store: JourneyStore; readonly recovery: Recovery; readonly logger: Logger; readonly closing: AbortSignal },
  first: JourneyRecord,
  waitMs: number,
): Promise<JourneyRecord> {
  const { store, recovery, logger, closing } = deps;
  const deadline = Date.now() + waitMs;
  const wake = new Wake();
  // Listening starts before the read below, so a write between the two is not missed. If it cannot start (Redis
  // briefly unreachable for the subscriber connection), the wait goes on with the fallback re-reads alone.
  const unwatch = await store.watch(first.id, () => wake.fire()).catch((err: unknown) => {
    logger.warn({ err, journeyId: first.id }, 'cannot watch the journey; waiting by re-reading it');
    return async () => {};
  });
  const onClose = () => wake.fire();
  closing.addEventListener('abort', onClose, { once: true });
  try {
    let record = first;
    for (;;) {
      wake.clear();
      const read = await store.getWithTime(first.id);
      record = read.record ?? record;
      if (isTerminal(record.status) || Date.now() >= deadline || closing.aborted) return record;
      if (await recovery.nudge(record, read.now)) {
        logger.info({ journeyId: record.id }, 'a waiting duplicate took over a stalled journey');
        continue;
      }
      // Until the lease expires (on the store's clock, measured from this read), if nothing is written before.
      const leaseLeft = record.lease ? record.lease.expiresAt - read.now + 1 : FALLBACK_READ_MS;
      await wake.wait(Math.min(FALLBACK_READ_MS, deadline - Date.now(), leaseLeft > 0 ? leaseLeft : FALLBACK_READ_MS));
    }
  } finally {
    closing.removeEventListener('abort', onClose);
    await unwatch().catch((err: unknown) => logger.warn({ err, journeyId: first.id }, 'stopping to watch a journey failed'));
  }
}

/** A wake-up that is not lost when it fires before anyone waits: fire() sets it, wait() returns at once if set. */
class Wake {
  private fired = false;
  private resolve: (() => void) | undefined;

  fire(): void {
    this.fired = true;
    this.resolve?.();
  }

  clear(): void {
    this.fired = false;
  }

  wait(ms: number): Promise<void> {
    if (this.fired || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.resolve = done;
    });
  }
}
