import { customerJourneyEventsChannel, encodeJourneyEvent, journeyEventsChannel } from '../../../lib/journey-events.js';
import type { KeyValueStore, PublishedMessage, ScoredEntry } from '../../../lib/store/index.js';
import { needsWork, now } from './record.js';
import { countJourneys, listJourneys, queueEntries, statusIndex, statusSinceMs, statusTypeIndex, type JourneyPage, type JourneyQuery, type QueueCursor } from './queue-index.js';
import { isTerminal, JOURNEY_STATUSES, type JourneyRecord, type JourneyStatus } from './types.js';

/**
 * Journey records over the KeyValueStore, as JSON at `journey:<id>`.
 *
 * Every write is a compare-and-set on the exact JSON that was read, with `version + 1`: a writer that lost the race
 * re-reads and decides again on the fresh record (optimistic concurrency), it never overwrites. Each read comes with
 * the store's clock (Redis `TIME`), which `decide` gets: lease deadlines are on that one clock, never a worker's own.
 *
 * Indexes: `journeys:due`, a sorted set of the journeys recovery must look at, scored by when (the lease's expiry
 * for a running journey, at once for a finished one with background steps left), written in the same atomic step
 * as the record (one script on one Redis server; on a Cluster right after it, see lib/store/redis.ts); and the sets
 * `journeys:active` (journeys with work left, for the slow full sweep) and `journeys:customer:<id>`.
 *
 * The work queue's indexes (queue-index.ts): sorted sets scored by the journey's creation time, for every journey, per
 * status, per type, per status and type, per customer; written with the record when it is created and whenever its
 * status changes (the member moves from the old status's sets to the new one's in the same write), so listing the
 * parked journeys reads a page of an index, never every record.
 *
 * Every write is published (lib/journey-events.ts) on `journey-events:<id>`, so a duplicate request waiting for the
 * journey wakes at once, and on `journey-customer-events:<customerId>`, so the gateway's subscriptions hear it.
 *
 * Retention: records are kept forever by default. The journey id (and every legacy reference) derives from the
 * principal and the idempotency key, so a record that expired would let the same key re-run the same references and
 * meet effects that were already undone (a refunded debit replayed, then a payout): records, not cache. A deployment
 * that archives elsewhere may set `retentionMs` (at least 24 h); terminal records then carry that TTL.
 *
 * Redis Cluster: every operation touches a single key (no MULTI, no multi-key scripts on a Cluster), so keys may live
 * in any slot.
 */

export const DAY_MS = 24 * 60 * 60 * 1000;
/** Kept forever (see Retention above). */
export const DEFAULT_RETENTION_MS = Number.POSITIVE_INFINITY;
const MAX_CAS_ROUNDS = 100;

export const ACTIVE_KEY = 'journeys:active';
export const DUE_KEY = 'journeys:due';
export const journeyKey = (id: string) => `journey:${id}`;
export const eventsChannel = journeyEventsChannel;
export const customerKey = (customerId: string) => `journeys:customer:${customerId}`;

export interface Update {
  /** The record now in the store (the one written, or the current one when `decide` declined). */
  readonly record: JourneyRecord;
  /** The record the decision was made on. */
  readonly previous: JourneyRecord;
  readonly written: boolean;
}

/**
 * Decides the next record from the current one; null = leave it as it is. May throw to abandon the write. `now` is
 * the store's clock (epoch ms) when the record was read: compare and set lease deadlines with it, not Date.now().
 */
export type Decide = (current: JourneyRecord, now: number) => JourneyRecord | null;

export class JourneyNotFound extends Error {
  override readonly name = 'JourneyNotFound';
  constructor(readonly journeyId: string) {
    super(`journey ${journeyId} is not in the store`);
  }
}

export class JourneyStore {
  readonly retentionMs: number;
  private readonly onWrite: ((previous: JourneyRecord, next: JourneyRecord) => void) | undefined;

  /** `onWrite` hears of every update written (previous, next): the engine's lifecycle hook (audit) watches it. */
  constructor(
    readonly kv: KeyValueStore,
    options: { retentionMs?: number; onWrite?: (previous: JourneyRecord, next: JourneyRecord) => void } = {},
  ) {
    this.retentionMs = options.retentionMs ?? DEFAULT_RETENTION_MS;
    this.onWrite = options.onWrite;
    if (!(this.retentionMs >= DAY_MS)) {
      throw new RangeError(`retentionMs must be at least 24 h (${DAY_MS} ms) for idempotency to hold, got ${this.retentionMs}`);
    }
  }

  async get(id: string): Promise<JourneyRecord | null> {
    const raw = await this.kv.get(journeyKey(id));
    return raw === null ? null : parse(raw, id);
  }

  /** Several records in one store call, in the order asked (null where there is none). */
  async getMany(ids: readonly string[]): Promise<(JourneyRecord | null)[]> {
    const values = await this.kv.getMany(ids.map(journeyKey));
    return values.map((raw, i) => (raw === null ? null : parse(raw, ids[i]!)));
  }

  /** The record and the store's clock (epoch ms), read at once. */
  async getWithTime(id: string): Promise<{ record: JourneyRecord | null; now: number }> {
    const { value, now } = await this.kv.getWithTime(journeyKey(id));
    return { record: value === null ? null : parse(value, id), now };
  }

  /**
   * Writes a new record if none has this id (setIfAbsent); true if it wrote. The indexes are written before it (a
   * crash in between leaves at worst an index entry without a record, which is swept, never a running journey that
   * recovery cannot find) and again after it (a sweep may have dropped the entry while the record did not exist yet).
   */
  async create(record: JourneyRecord): Promise<boolean> {
    await this.index(record);
    const created = await this.kv.setIfAbsent(journeyKey(record.id), JSON.stringify(record), {
      ...this.ttlOf(record),
      index: [dueEntry(record, Date.parse(record.updatedAt)), ...queueEntries(null, record)],
      publish: eventsOf(record),
    });
    if (created) await this.index(record);
    return created;
  }

  /**
   * Reads, decides, compare-and-sets; on a lost race, reads and decides again. `version` and `updatedAt` are set
   * here. Throws JourneyNotFound when there is no record, and whatever `decide` throws.
   */
  async update(id: string, decide: Decide): Promise<Update> {
    for (let round = 0; round < MAX_CAS_ROUNDS; round++) {
      const { value: raw, now: clock } = await this.kv.getWithTime(journeyKey(id));
      if (raw === null) throw new JourneyNotFound(id);
      const current = parse(raw, id);
      const decided = decide(current, clock);
      if (decided === null) return { record: current, previous: current, written: false };
      const at = now();
      const statusSince = decided.status !== current.status ? at : (current.statusSince ?? current.createdAt);
      const next: JourneyRecord = { ...decided, version: current.version + 1, updatedAt: at, statusSince };
      const written = await this.kv.compareAndSet(journeyKey(id), raw, JSON.stringify(next), {
        ...this.ttlOf(next),
        index: [dueEntry(next, clock), ...queueEntries(current, next)],
        publish: eventsOf(next),
      });
      if (written) {
        if (!needsWork(next)) await this.kv.removeFromSet(ACTIVE_KEY, id);
        this.onWrite?.(current, next);
        return { record: next, previous: current, written: true };
      }
    }
    throw new Error(`journey ${id}: ${MAX_CAS_ROUNDS} compare-and-set rounds lost in a row; giving up this write`);
  }

  /** Ids of journeys with work left (and possibly stale entries, which `forgetActive` removes). */
  activeIds(): Promise<string[]> {
    return this.kv.setMembers(ACTIVE_KEY);
  }

  /** Ids of journeys recovery must look at now by the store's clock (expired leases first), at most `limit`. */
  dueIds(limit: number): Promise<string[]> {
    return this.kv.dueMembers(DUE_KEY, limit);
  }

  /** Puts a journey that has work again (a person's approved retry or undo) back in `journeys:active`. */
  async markActive(id: string): Promise<void> {
    await this.kv.addToSet(ACTIVE_KEY, id);
  }

  async forgetActive(id: string): Promise<void> {
    await this.kv.removeFromSet(ACTIVE_KEY, id);
    await this.kv.removeFromSorted(DUE_KEY, id);
  }

  /**
   * Calls `onChange` after each write of the journey (any worker's); resolves once listening, with the function that
   * stops it. A message can be lost (a Redis reconnect): a waiter also re-reads now and then.
   */
  watch(id: string, onChange: () => void): Promise<() => Promise<void>> {
    return this.kv.subscribe(eventsChannel(id), () => onChange());
  }

  /** A customer's journeys, newest first; entries whose record has expired are dropped from the index. */
  async listByCustomer(customerId: string): Promise<JourneyRecord[]> {
    const ids = await this.kv.setMembers(customerKey(customerId));
    const records: JourneyRecord[] = [];
    for (const id of ids) {
      const record = await this.get(id);
      if (record) records.push(record);
      else await this.kv.removeFromSet(customerKey(customerId), id);
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
  }

  /** One page of the operations work queue (queue-index.ts): newest first, at most `first`, after the cursor. */
  async list(query: JourneyQuery, first: number, after: QueueCursor | null): Promise<JourneyPage> {
    return listJourneys(this.kv, query, first, after, Date.now(), (ids) => this.getMany(ids));
  }

  /** Journeys per status and per type, and parked per type, from the indexes (no record read). */
  count(statuses: readonly JourneyStatus[], types: readonly string[]) {
    return countJourneys(this.kv, statuses, types);
  }

  /**
   * Writes the work queue's index entries of every journey record in the store (queue-index.ts), for records written
   * before the indexes existed or entries a Cluster crash left behind (`npm run journeys:reindex`). Idempotent: an entry
   * is the record's own (its status now, its creation time). Returns how many records it indexed.
   */
  async reindexAll(): Promise<number> {
    let indexed = 0;
    await this.kv.scanKeys(journeyKey(''), async (keys) => {
      for (const record of await this.getMany(keys.map((key) => key.slice(journeyKey('').length)))) {
        if (record === null) continue;
        for (const entry of queueEntries(null, record)) if (entry.score !== null) await this.kv.addToSorted(entry.key, entry.member, entry.score);
        // The entries of other statuses it may have left on a Cluster: it is in one status only.
        for (const status of JOURNEY_STATUSES) {
          if (status === record.status) continue;
          await this.kv.removeFromSorted(statusIndex(status), record.id);
          await this.kv.removeFromSorted(statusTypeIndex(status, record.type), record.id);
        }
        indexed++;
      }
    });
    return indexed;
  }

  /**
   * Per type: parked journeys, and since when the longest-waiting of the 100 oldest (by creation) has been parked
   * (epoch ms), for the parked gauges (metrics.ts). Bounded: a size and one page per type.
   */
  async parked(types: readonly string[]): Promise<Map<string, { count: number; oldestSince: number | null }>> {
    const out = new Map<string, { count: number; oldestSince: number | null }>();
    for (const type of types) {
      const key = statusTypeIndex('NEEDS_ATTENTION', type);
      const count = await this.kv.sortedSize(key);
      let oldestSince: number | null = null;
      if (count > 0) {
        const oldest = await this.kv.rangeByScore(key, { limit: 100, lowestFirst: true });
        for (const record of await this.getMany(oldest.map((e) => e.member))) {
          if (record?.status !== 'NEEDS_ATTENTION') continue;
          const since = statusSinceMs(record);
          oldestSince = oldestSince === null ? since : Math.min(oldestSince, since);
        }
      }
      out.set(type, { count, oldestSince });
    }
    return out;
  }

  private async index(record: JourneyRecord): Promise<void> {
    if (needsWork(record)) await this.kv.addToSet(ACTIVE_KEY, record.id);
    if (record.customerId !== null) await this.kv.addToSet(customerKey(record.customerId), record.id);
  }

  private ttlOf(record: JourneyRecord): { ttlMs?: number } {
    return isTerminal(record.status) && Number.isFinite(this.retentionMs) ? { ttlMs: this.retentionMs } : {};
  }
}

/**
 * When recovery must look at the journey, on the store's clock: a running one when its lease expires (at once if it
 * has none), a finished one with background steps left at once (each sweep enqueues them again, idempotently),
 * otherwise never (removed from the index).
 */
function dueEntry(record: JourneyRecord, now: number): ScoredEntry {
  const score = !isTerminal(record.status) ? (record.lease?.expiresAt ?? now) : needsWork(record) ? now : null;
  return { key: DUE_KEY, member: record.id, score };
}

/** The messages of a write: on the journey's channel, and on its customer's (lib/journey-events.ts). */
function eventsOf(record: JourneyRecord): PublishedMessage[] {
  const message = encodeJourneyEvent({ id: record.id, version: record.version, status: record.status, customerId: record.customerId, updatedAt: record.updatedAt });
  const messages: PublishedMessage[] = [{ channel: journeyEventsChannel(record.id), message }];
  if (record.customerId !== null) messages.push({ channel: customerJourneyEventsChannel(record.customerId), message });
  return messages;
}

function parse(raw: string, id: string): JourneyRecord {
  try {
    return JSON.parse(raw) as JourneyRecord;
  } catch (err) {
    throw new Error(`journey ${id}: the stored record is not JSON`, { cause: err });
  }
}
