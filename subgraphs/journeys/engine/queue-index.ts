import type { KeyValueStore, ScoredEntry, ScoredMember } from '../../../lib/store/index.js';
import type { JourneyRecord, JourneyStatus } from './types.js';

/**
 * The operations work queue's indexes: sorted sets of journey ids scored by creation time (epoch ms), kept by the
 * journey store with the record (store.ts) so that "the parked payments, newest first" reads one page of one index.
 *
 *   journeys:index:all                        every journey
 *   journeys:index:status:<STATUS>            per status (a member moves when its status changes)
 *   journeys:index:type:<TYPE>                per journey type
 *   journeys:index:status:<STATUS>:type:<T>   per status and type (the queue's commonest filter: parked payments)
 *   journeys:index:customer:<customerId>      per customer
 *
 * A page (listJourneys) picks the narrowest index the filter names, reads it newest first from the cursor within the
 * creation-time bounds, reads those records in one call (getMany) and keeps the ones the rest of the filter admits.
 * It reads at most MAX_SCANNED index entries, so its cost is bounded whatever the number of journeys ever run; a
 * filter narrower than any index (a customer and a status, or a waiting time) may leave a page short, with a cursor
 * to go on from.
 */

export const INDEX_ALL = 'journeys:index:all';
export const statusIndex = (status: string) => `journeys:index:status:${status}`;
export const typeIndex = (type: string) => `journeys:index:type:${type}`;
export const statusTypeIndex = (status: string, type: string) => `journeys:index:status:${status}:type:${type}`;
export const customerIndex = (customerId: string) => `journeys:index:customer:${customerId}`;

/** The most index entries one page reads before answering (short, with a cursor) if it has not filled up. */
export const MAX_SCANNED = 500;
/** Entries read from the index per round. */
const BATCH = 100;

/**
 * The index entries of a write that creates `next` (previous null) or changes its status; none otherwise. A status
 * change removes the member from the previous status's sets in the same write.
 */
export function queueEntries(previous: JourneyRecord | null, next: JourneyRecord): ScoredEntry[] {
  if (previous !== null && previous.status === next.status) return [];
  const score = createdMs(next);
  const member = next.id;
  const entries: ScoredEntry[] = [];
  if (previous !== null) {
    entries.push({ key: statusIndex(previous.status), member, score: null }, { key: statusTypeIndex(previous.status, previous.type), member, score: null });
  }
  entries.push(
    { key: INDEX_ALL, member, score },
    { key: statusIndex(next.status), member, score },
    { key: typeIndex(next.type), member, score },
    { key: statusTypeIndex(next.status, next.type), member, score },
  );
  if (next.customerId !== null) entries.push({ key: customerIndex(next.customerId), member, score });
  return entries;
}

export interface JourneyQuery {
  readonly status?: JourneyStatus;
  readonly type?: string;
  readonly customerId?: string;
  /** Epoch ms, inclusive. */
  readonly createdAfter?: number;
  /** Epoch ms, exclusive. */
  readonly createdBefore?: number;
  /** In its current status for at least this long (ms), by `now`. */
  readonly waitingLongerThanMs?: number;
}

/** Where a page ended: the last entry it looked at (score and member), so the next page starts just after it. */
export interface QueueCursor {
  readonly score: number;
  readonly member: string;
}

export interface JourneyPage {
  readonly records: JourneyRecord[];
  /** Set when there may be more: pass it back for the next page. */
  readonly next: QueueCursor | null;
}

export function encodeCursor(cursor: QueueCursor): string {
  return Buffer.from(`${cursor.score}:${cursor.member}`, 'utf8').toString('base64url');
}

/** The cursor in `text`, or null when it is not one of ours. */
export function decodeCursor(text: string): QueueCursor | null {
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  const match = /^(-?\d+):(jrn_[a-z2-7]+)$/.exec(decoded);
  if (!match) return null;
  const score = Number(match[1]);
  return Number.isSafeInteger(score) ? { score, member: match[2]! } : null;
}

/** The index a filter reads: the narrowest one it names (a customer has few journeys; then status and type). */
export function indexFor(query: JourneyQuery): string {
  if (query.customerId !== undefined) return customerIndex(query.customerId);
  if (query.status !== undefined && query.type !== undefined) return statusTypeIndex(query.status, query.type);
  if (query.status !== undefined) return statusIndex(query.status);
  if (query.type !== undefined) return typeIndex(query.type);
  return INDEX_ALL;
}

/**
 * One page of the work queue: up to `first` journeys the query admits, newest first, after `after`. Reads at most
 * MAX_SCANNED index entries and their records, one getMany per BATCH entries.
 */
export async function listJourneys(
  kv: KeyValueStore,
  query: JourneyQuery,
  first: number,
  after: QueueCursor | null,
  now: number,
  /** The records of these ids in one call (the journey store's getMany). */
  read: (ids: readonly string[]) => Promise<(JourneyRecord | null)[]>,
): Promise<JourneyPage> {
  const entries = entriesAfter(kv, indexFor(query), query.createdAfter ?? Number.NEGATIVE_INFINITY, query.createdBefore, after);
  const records: JourneyRecord[] = [];
  let scanned = 0;
  let position: QueueCursor | null = after;
  for (;;) {
    const chunk: ScoredMember[] = [];
    while (chunk.length < Math.min(BATCH, MAX_SCANNED - scanned)) {
      const next = await entries.next();
      if (next.done) break;
      chunk.push(next.value);
    }
    if (chunk.length === 0) return { records, next: scanned >= MAX_SCANNED ? position : null };
    const found = await read(chunk.map((e) => e.member));
    for (let i = 0; i < chunk.length; i++) {
      const entry = chunk[i]!;
      const record = found[i];
      scanned++;
      position = { score: entry.score, member: entry.member };
      // A record gone (retention) or no longer in this index's status (a crash on a Cluster between value and index)
      // is skipped: the index is a way in, the record decides.
      if (!record) continue;
      if (!admits(query, record, now)) continue;
      records.push(record);
      if (records.length === first) return { records, next: position };
    }
    if (scanned >= MAX_SCANNED) return { records, next: position };
  }
}

/**
 * The index's entries after the cursor, newest first, lazily, within [min, createdBefore). Scores are whole
 * milliseconds, so "older than score s" is the range up to s - 1. Entries of one score (journeys created in the same
 * millisecond) come in reverse member order; a batch that ends inside such a group is finished with offsets within
 * that score before going older, so a page never skips or repeats one, however many share a millisecond.
 */
async function* entriesAfter(
  kv: KeyValueStore,
  index: string,
  min: number,
  createdBefore: number | undefined,
  after: QueueCursor | null,
): AsyncGenerator<ScoredMember> {
  const ceiling = createdBefore !== undefined ? createdBefore - 1 : Number.POSITIVE_INFINITY;
  /** The members of score `score` after `member` (all of them when member is null), in order. */
  async function* group(score: number, member: string | null, skip: number): AsyncGenerator<ScoredMember> {
    for (let offset = skip; ; offset += BATCH) {
      const batch = await kv.rangeByScore(index, { max: score, min: score, offset, limit: BATCH });
      for (const e of batch) if (member === null || e.member < member) yield e;
      if (batch.length < BATCH) return;
    }
  }
  let max = ceiling;
  if (after) {
    if (after.score <= ceiling && after.score >= min) yield* group(after.score, after.member, 0);
    max = Math.min(after.score - 1, ceiling);
  }
  for (;;) {
    if (max < min) return;
    const batch = await kv.rangeByScore(index, { max, min, limit: BATCH });
    if (batch.length < BATCH) {
      yield* batch;
      return;
    }
    // A full batch may end inside a group of one score: the batch holds that group's first members, so the rest of
    // the group is read by offset within its score before going older.
    yield* batch;
    const last = batch[batch.length - 1]!.score;
    yield* group(last, null, batch.filter((e) => e.score === last).length);
    max = last - 1;
  }
}

/** Whether the record meets every part of the query (the index chosen met one of them already). */
export function admits(query: JourneyQuery, record: JourneyRecord, now: number): boolean {
  if (query.status !== undefined && record.status !== query.status) return false;
  if (query.type !== undefined && record.type !== query.type) return false;
  if (query.customerId !== undefined && record.customerId !== query.customerId) return false;
  const created = createdMs(record);
  if (query.createdAfter !== undefined && created < query.createdAfter) return false;
  if (query.createdBefore !== undefined && created >= query.createdBefore) return false;
  if (query.waitingLongerThanMs !== undefined && now - statusSinceMs(record) < query.waitingLongerThanMs) return false;
  return true;
}

/** Counts per status and per type, and parked per type, from the indexes' sizes: no record is read. */
export async function countJourneys(
  kv: KeyValueStore,
  statuses: readonly JourneyStatus[],
  types: readonly string[],
): Promise<{ byStatus: Map<JourneyStatus, number>; byType: Map<string, number>; parkedByType: Map<string, number> }> {
  const [s, t, p] = await Promise.all([
    Promise.all(statuses.map((status) => kv.sortedSize(statusIndex(status)))),
    Promise.all(types.map((type) => kv.sortedSize(typeIndex(type)))),
    Promise.all(types.map((type) => kv.sortedSize(statusTypeIndex('NEEDS_ATTENTION', type)))),
  ]);
  return {
    byStatus: new Map(statuses.map((status, i) => [status, s[i]!])),
    byType: new Map(types.map((type, i) => [type, t[i]!])),
    parkedByType: new Map(types.map((type, i) => [type, p[i]!])),
  };
}

export function createdMs(record: JourneyRecord): number {
  return Date.parse(record.createdAt);
}

export function statusSinceMs(record: JourneyRecord): number {
  return Date.parse(record.statusSince ?? record.createdAt);
}
