import { MemoryStore } from './memory.js';
import { RedisStore } from './redis.js';
import type { KeyValueStore } from './types.js';

export type { KeyValueStore, PublishedMessage, ScoredEntry, ScoredMember, ScoreRange, SetOptions, TokenBucketResult, WriteOptions } from './types.js';
export { MemoryStore, RedisStore };

/**
 * Redis when REDIS_URL is set (one server, or a Cluster with a redis-cluster:// URL: lib/redis/connection.ts), the
 * in-memory store otherwise (the embedded default of `npm start`).
 */
export function createStore(env: Record<string, string | undefined> = process.env): KeyValueStore {
  return env.REDIS_URL ? new RedisStore(env.REDIS_URL, { prefix: env.REDIS_PREFIX ?? 'bankgraph:' }) : new MemoryStore();
}
