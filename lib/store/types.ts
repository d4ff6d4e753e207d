/**
 * The state bankgraph keeps (idempotency records, journey state, rate-limit buckets) goes through this one
 * interface: in memory for the embedded default, Redis when REDIS_URL is set. The same contract tests run against
 * both (test/lib/store.test.ts), so code written against one behaves the same on the other.
 */
export interface SetOptions {
  /** Time to live; omitted = kept until deleted. */
  readonly ttlMs?: number;
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
  setIfAbsent(key: string, value: string, options?: SetOptions): Promise<boolean>;
  /** Replaces the value only if it is still `expected`; true if it replaced. The primitive of state transitions. */
  compareAndSet(key: string, expected: string, next: string, options?: SetOptions): Promise<boolean>;
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
