/**
 * The state bankgraph keeps (idempotency records, journey state, rate-limit buckets) goes through this one
 * interface: in memory for the embedded default, Redis when REDIS_URL is set. The same contract tests run against
 * both (test/lib/store.test.ts), so code written against one behaves the same on the other.
 */
export interface SetOptions {
  /** Time to live; omitted = kept until deleted. */
  readonly ttlMs?: number;
}

/** A member of a sorted set (an index ordered by time), written with a value. */
export interface ScoredEntry {
  readonly key: string;
  readonly member: string;
  /** The member's score, e.g. a deadline on the store's clock (`now` of getWithTime); null removes the member. */
  readonly score: number | null;
}

/** What a conditional write (setIfAbsent, compareAndSet) does besides the value, only when the value is written. */
export interface WriteOptions extends SetOptions {
  /**
   * Set in the same atomic step as the value on the memory store and on one Redis server (one script). On a Redis
   * Cluster the value and the index live in different slots, so the index is written right after the value: a crash
   * in between leaves the index behind the value (see lib/store/redis.ts).
   */
  readonly index?: ScoredEntry | readonly ScoredEntry[];
  /** Published once the value is written, to wake whoever subscribed to the channel (subscribe). */
  readonly publish?: PublishedMessage | readonly PublishedMessage[];
}

export interface PublishedMessage {
  readonly channel: string;
  readonly message: string;
}

/** What rangeByScore reads: members of a sorted set between two scores, highest first. */
export interface ScoreRange {
  /** Highest score to include. @default +infinity */
  readonly max?: number;
  /** Lowest score to include. @default -infinity */
  readonly min?: number;
  /** At most this many members (1 to 1000). */
  readonly limit: number;
  /** Lowest score first instead (ties in member order). @default false */
  readonly lowestFirst?: boolean;
  /** Skip this many members of the range first (Redis LIMIT's offset): to page within many members of one score. @default 0 */
  readonly offset?: number;
}

export interface ScoredMember {
  readonly member: string;
  readonly score: number;
}

/** What one `takeToken` call decided. */
export interface TokenBucketResult {
  /** True when a token was taken: the caller may go ahead. */
  readonly allowed: boolean;
  /** Whole tokens left in the bucket after this call. */
  readonly remaining: number;
  /** When refused, how long until one token is back, in ms; 0 when allowed. */
  readonly retryAfterMs: number;
}

export interface KeyValueStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: SetOptions): Promise<void>;
  /** Writes only if the key does not exist; true if it wrote. The primitive of idempotency records. */
  setIfAbsent(key: string, value: string, options?: WriteOptions): Promise<boolean>;
  /** Replaces the value only if it is still `expected`; true if it replaced. The primitive of state transitions. */
  compareAndSet(key: string, expected: string, next: string, options?: WriteOptions): Promise<boolean>;
  /**
   * The value and the store's clock (epoch ms), read at once: Redis's `TIME` on the server that holds the key, the
   * process clock for the memory store. Deadlines shared by several workers (leases) are computed on this clock, so a
   * worker whose own clock is wrong still agrees with the others.
   */
  getWithTime(key: string): Promise<{ value: string | null; now: number }>;
  /** Members of the sorted set whose score is at most the store's clock now, lowest score first, at most `limit`. */
  dueMembers(key: string, limit: number): Promise<string[]>;
  removeFromSorted(key: string, member: string): Promise<void>;
  /**
   * Members scored between `min` and `max` (inclusive), highest score first; members of equal score in reverse
   * lexicographic order (Redis's ZREVRANGEBYSCORE), at most `limit`; `lowestFirst` turns both orders round. One read however large the set: the primitive of
   * indexes paged newest first.
   */
  rangeByScore(key: string, range: ScoreRange): Promise<ScoredMember[]>;
  /** Adds (or moves) a member of a sorted set, on its own: for repairs and backfills of indexes (journeys:reindex). */
  addToSorted(key: string, member: string, score: number): Promise<void>;
  /**
   * Every key that starts with `prefix` (without the store's own prefix), in batches, in no particular order: for
   * one-off maintenance (a backfill), never on a request's path. Keys written meanwhile may or may not be seen.
   */
  scanKeys(prefix: string, onBatch: (keys: string[]) => Promise<void>): Promise<void>;
  /** How many members the sorted set has (0 when it does not exist). */
  sortedSize(key: string): Promise<number>;
  /** The values of several keys in one round trip, in the order asked (null where a key does not exist). */
  getMany(keys: readonly string[]): Promise<(string | null)[]>;
  /**
   * Calls `onMessage` with each message published on `channel` (WriteOptions.publish) from now on; resolves once the
   * subscription is in place, with the function that ends it. Messages may be lost (a Redis reconnect): a
   * subscriber that must not miss a change also re-reads now and then.
   */
  subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>>;
  /** True if the key existed. */
  delete(key: string): Promise<boolean>;
  /** Adds to a counter (created at 0); the TTL is set when the counter is created. Returns the new value. */
  incrementBy(key: string, by: number, options?: SetOptions): Promise<number>;
  /**
   * Takes one token from the token bucket at `key` (created full: `capacity` tokens, refilled continuously at
   * `refillPerSecond`), atomically: concurrent callers, in any process on the same store, never take more than the
   * bucket holds. The bucket expires once it would be full again.
   */
  takeToken(key: string, capacity: number, refillPerSecond: number): Promise<TokenBucketResult>;
  /** Adds a member to a set (an index: active journeys, a customer's journeys). */
  addToSet(key: string, member: string): Promise<void>;
  removeFromSet(key: string, member: string): Promise<void>;
  /** Every member of a set, in no particular order. */
  setMembers(key: string): Promise<string[]>;
  /** Remaining time to live in ms; null when the key has none or does not exist. */
  ttlMs(key: string): Promise<number | null>;
  /** Throws when the store cannot be reached (for /ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
