import type { TokenBucketResult } from './types.js';

/**
 * The token bucket arithmetic of MemoryStore.takeToken. RedisStore runs the same steps in Lua (redis.ts TAKE_TOKEN):
 * change one, change both; the store contract test holds them to the same behaviour.
 */

/** Refuses buckets that could never refill or never allow anything. */
export function checkBucket(capacity: number, refillPerSecond: number): void {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bucket capacity must be an integer >= 1, got ${capacity}`);
  if (!Number.isFinite(refillPerSecond) || refillPerSecond <= 0) {
    throw new RangeError(`bucket refill must be a number of tokens per second > 0, got ${refillPerSecond}`);
  }
}

/**
 * The bucket after taking one token at `now` (ms): `stored` tokens were left at `at`; NaN for a new bucket (full).
 * `ttlMs` is how long until it is full again (plus a second), after which forgetting it changes nothing.
 */
export function refill(
  stored: number,
  at: number,
  now: number,
  capacity: number,
  refillPerSecond: number,
): { tokens: number; ttlMs: number; decision: TokenBucketResult } {
  let tokens = Number.isFinite(stored) && Number.isFinite(at)
    ? Math.min(capacity, stored + (Math.max(0, now - at) * refillPerSecond) / 1000)
    : capacity;
  let decision: TokenBucketResult;
  if (tokens >= 1) {
    tokens -= 1;
    decision = { allowed: true, remaining: Math.floor(tokens), retryAfterMs: 0 };
  } else {
    decision = { allowed: false, remaining: 0, retryAfterMs: Math.ceil(((1 - tokens) * 1000) / refillPerSecond) };
  }
  return { tokens, ttlMs: Math.ceil(((capacity - tokens) * 1000) / refillPerSecond) + 1000, decision };
}
