import type { FormattedExecutionResult, GraphQLFormattedError } from 'graphql';
import { ErrorCode } from '../../lib/errors.js';
import type { JourneyEvent } from '../../lib/journey-events.js';
import type { Logger } from '../../lib/log.js';
import type { Principal } from '../../lib/principal.js';
import type { JourneySubscription } from './document.js';
import { EventsRefused, type JourneyEventSource, type JourneyTopic } from './events.js';

/**
 * One subscription's life: listen to the journey's (or the customer's) events, read the journey through `journey(id)`
 * on each, and hand the client each new state.
 *  - journeyUpdated: the current state at once, then after each change; myJourneyUpdated: each change of any of the
 *    customer's journeys, from the moment of subscribing.
 *  - An event whose version is not newer than the last one read for that journey is dropped (events may come late,
 *    or twice: Redis and the internal stream give no order across channels). Events that come while a read is
 *    running are coalesced into one more read of the newest state: a busy journey costs one read at a time, not one
 *    per write, and the client still ends on the newest state. A read identical to the last one sent is not sent.
 *  - Every `resyncMs` (and after the event stream reconnects) the followed journeys are read again, since pub/sub
 *    may lose a message.
 *  - A read that answers no journey (FORBIDDEN, RATE_LIMITED, UPSTREAM_*: whatever journey(id) said) is sent with
 *    its errors and ends the stream, as does an unknown journey (NOT_FOUND, for operations staff, whom journey(id)
 *    answers null).
 */

export interface FollowOptions {
  readonly subscription: JourneySubscription;
  readonly principal: Principal;
  readonly requestId: string;
  readonly source: JourneyEventSource;
  /** Runs the subscription's query for one journey, through Apollo, as the subscriber. */
  readonly read: (journeyId: string) => Promise<FormattedExecutionResult>;
  readonly resyncMs: number;
  readonly logger: Logger;
}

/**
 * Starts following once the events are listened to (so a change made from then on is heard): the results as an async
 * iterator whose return() (the client hung up) ends it at once. Or, when the events cannot be listened to, the one
 * result to answer with: journey(id)'s refusal when the journeys refused the topic, UPSTREAM_UNAVAILABLE otherwise.
 */
export async function followJourneys(options: FollowOptions): Promise<Outbox<FormattedExecutionResult> | FormattedExecutionResult> {
  const { subscription, principal, requestId, source, logger } = options;
  let stopListening: (() => void) | undefined;
  let resync: NodeJS.Timeout | undefined;
  const out = new Outbox<FormattedExecutionResult>();
  out.whenClosed(() => {
    clearInterval(resync);
    stopListening?.();
  });
  /** Newest version read per journey, and the last state sent (to send only what changed). */
  const versions = new Map<string, number>();
  const sent = new Map<string, string>();
  /** Journeys to read, with the newest version heard (-1: read again whatever the version). */
  const pending = new Map<string, number>();
  let reading = false;

  const hear = (event: JourneyEvent | null) => {
    if (out.done) return;
    if (event === null) {
      const followed = subscription.field === 'journeyUpdated' ? [subscription.journeyId] : [...versions.keys()];
      for (const id of followed) if (!pending.has(id)) pending.set(id, -1);
    } else {
      if (subscription.field === 'journeyUpdated' && event.id !== subscription.journeyId) return;
      if (event.version <= (versions.get(event.id) ?? -1)) return;
      pending.set(event.id, Math.max(pending.get(event.id) ?? -1, event.version));
    }
    void pump();
  };

  const pump = async () => {
    if (reading) return;
    reading = true;
    try {
      for (let next = pending.entries().next(); !next.done && !out.done; next = pending.entries().next()) {
        const [journeyId, version] = next.value;
        pending.delete(journeyId);
        const result = await options.read(journeyId);
        if (out.done) return;
        versions.set(journeyId, Math.max(versions.get(journeyId) ?? -1, version));
        const journey = result.data?.[subscription.plan.responseKey];
        if (journey === null || journey === undefined) {
          out.push({ data: null, errors: result.errors?.length ? result.errors : [notFound()] });
          return out.end();
        }
        const text = JSON.stringify(result);
        if (sent.get(journeyId) === text) continue;
        sent.set(journeyId, text);
        out.push(result);
      }
    } catch (err) {
      logger.error({ requestId, err }, 'a subscription read failed unexpectedly');
      out.push({ data: null, errors: [{ message: 'Unexpected error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId } }] });
      out.end();
    } finally {
      reading = false;
    }
  };

  const topic: JourneyTopic =
    subscription.field === 'journeyUpdated' ? { journeyId: subscription.journeyId } : { customerId: principal.kind === 'customer' ? principal.customerId : '' };
  try {
    // Listen first, then read: a change made between the two is heard, never lost.
    stopListening = await source.listen(topic, principal, requestId, hear);
  } catch (err) {
    out.end();
    if (err instanceof EventsRefused && subscription.field === 'journeyUpdated') {
      // Refused as journey(id) refuses: answer with journey(id)'s own refusal.
      const result = await options.read(subscription.journeyId).catch(() => undefined);
      return { data: null, errors: result?.errors?.length ? result.errors : [forbidden()] };
    }
    logger.warn({ requestId, err: (err as Error).message }, 'the journey events cannot be listened to');
    return { data: null, errors: [{ message: 'Journey events are unavailable; subscribe again shortly.', extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE, service: 'journeys' } }] };
  }
  resync = setInterval(() => hear(null), options.resyncMs);
  resync.unref();
  if (subscription.field === 'journeyUpdated') hear(null);
  return out;
}

function notFound(): GraphQLFormattedError {
  return { message: 'There is no such journey.', extensions: { code: ErrorCode.NOT_FOUND } };
}

function forbidden(): GraphQLFormattedError {
  return { message: 'There is no such journey of yours.', extensions: { code: ErrorCode.FORBIDDEN } };
}

/**
 * A queue read as an async iterator. Unlike an async generator, whose return() waits for the await it is suspended
 * in (an event that may never come), return() here ends it at once: graphql-sse calls it when the client hangs up.
 * Values pushed before end() are still delivered; the whenClosed callbacks run once, on end() or return().
 */
export class Outbox<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: ((result: IteratorResult<T, undefined>) => void) | undefined;
  private ended = false;
  private readonly onClose: (() => void)[] = [];

  /** Runs `callback` once the outbox ends (at once if it has). */
  whenClosed(callback: () => void): void {
    if (this.ended) callback();
    else this.onClose.push(callback);
  }

  get done(): boolean {
    return this.ended;
  }

  push(value: T): void {
    if (this.ended) return;
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting({ value, done: false });
    else this.queue.push(value);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    for (const callback of this.onClose.splice(0)) callback();
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<T, undefined>> {
    this.queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<T, undefined>> {
    return this.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
