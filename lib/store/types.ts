/**
 * The state bankgraph keeps (idempotency records, journey state, rate-limit buckets) goes through this one
 * interface: in memory for the embedded default, Redis when REDIS_URL is set. The same contract tests run against
 * both (test/lib/store.test.ts), so code written against one behaves the same on the other.
 */
export interface SetOptions {
  /** Time to live; omitted = kept until deleted. */
  readonly ttlMs?: number;
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
