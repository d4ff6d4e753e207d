import { createRedisClient, type RedisClient } from '../redis/connection.js';
import { checkBucket } from './token-bucket.js';
import type { KeyValueStore, SetOptions, TokenBucketResult } from './types.js';

// KEYS[1] key; ARGV expected, next, ttl ms ('' = keep the current TTL).
const COMPARE_AND_SET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

// KEYS[1] key; ARGV by, ttl ms ('' = none). The TTL is set only when the counter is created.
const INCREMENT = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if v == tonumber(ARGV[1]) and ARGV[2] ~= '' and redis.call('PTTL', KEYS[1]) == -1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v`;

// KEYS[1] bucket ("<tokens> <ms>"); ARGV capacity, refill per second. The same arithmetic as token-bucket.ts refill(),
// on Redis's clock so every gateway sees one time. Returns { allowed 0|1, remaining, retry after ms }.
const TAKE_TOKEN = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local tokens = capacity
local stored = redis.call('GET', KEYS[1])
if stored then
  local s, at = string.match(stored, '^(%S+) (%S+)$')
  if s and at then tokens = math.min(capacity, tonumber(s) + math.max(0, now - tonumber(at)) * rate / 1000) end
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
local ttl = math.ceil((capacity - tokens) * 1000 / rate) + 1000
redis.call('SET', KEYS[1], string.format('%.6f', tokens) .. ' ' .. now, 'PX', ttl)
return { allowed, math.floor(tokens), wait }`;

/**
 * Shared state in Redis: every gateway and worker sees the same records. Keys are prefixed (`bankgraph:`).
 *
 * Redis Cluster (a redis-cluster:// URL, lib/redis/connection.ts): every command and every script here touches one
 * key, so keys need no common hash tag and spread over all slots; a method that one day needs two keys at once must
 * give them a shared `{tag}`.
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private readonly prefix: string;

  constructor(url: string, options: { prefix?: string } = {}) {
    this.prefix = options.prefix ?? 'bankgraph:';
    // Fail a command quickly when Redis is gone rather than queueing it forever: callers decide what to do.
    this.client = createRedisClient(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    // ioredis emits every failed reconnect as an 'error' event (printed as "Unhandled error event" without a listener).
    // Commands fail on their own, where callers decide what to do, and /ready reports Redis down: nothing to add here.
    this.client.on('error', () => {});
    this.client.defineCommand('bgCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.client.defineCommand('bgIncrement', { numberOfKeys: 1, lua: INCREMENT });
    this.client.defineCommand('bgTakeToken', { numberOfKeys: 1, lua: TAKE_TOKEN });
  }

  async get(key: string): Promise<string | null> {
    return this.client.get(this.k(key));
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    if (options.ttlMs !== undefined) await this.client.set(this.k(key), value, 'PX', options.ttlMs);
    else await this.client.set(this.k(key), value);
  }

  async setIfAbsent(key: string, value: string, options: SetOptions = {}): Promise<boolean> {
    const res =
      options.ttlMs !== undefined
        ? await this.client.set(this.k(key), value, 'PX', options.ttlMs, 'NX')
        : await this.client.set(this.k(key), value, 'NX');
    return res === 'OK';
  }

  async compareAndSet(key: string, expected: string, next: string, options: SetOptions = {}): Promise<boolean> {
    const res = await this.scripted('bgCompareAndSet', this.k(key), expected, next, options.ttlMs !== undefined ? String(options.ttlMs) : '');
    return res === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(this.k(key))) === 1;
  }

  async incrementBy(key: string, by: number, options: SetOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError(`increment must be an integer, got ${by}`);
    return this.scripted('bgIncrement', this.k(key), String(by), options.ttlMs !== undefined ? String(options.ttlMs) : '');
  }

  async takeToken(key: string, capacity: number, refillPerSecond: number): Promise<TokenBucketResult> {
    checkBucket(capacity, refillPerSecond);
    const [allowed, remaining, retryAfterMs] = await this.scripted<[number, number, number]>(
      'bgTakeToken',
      this.k(key),
      String(capacity),
      String(refillPerSecond),
    );
    return { allowed: allowed === 1, remaining, retryAfterMs };
  }

  async addToSet(key: string, member: string): Promise<void> {
    await this.client.sadd(this.k(key), member);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    await this.client.srem(this.k(key), member);
  }

  async setMembers(key: string): Promise<string[]> {
    return this.client.smembers(this.k(key));
  }

  async ttlMs(key: string): Promise<number | null> {
    const ms = await this.client.pttl(this.k(key));
    return ms >= 0 ? ms : null;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private k(key: string): string {
    return `${this.prefix}${key}`;
  }

  private scripted<T = number>(name: 'bgCompareAndSet' | 'bgIncrement' | 'bgTakeToken', ...args: string[]): Promise<T> {
    // Commands added with defineCommand exist at run time but not in ioredis's typings.
    return (this.client as unknown as Record<string, (...a: string[]) => Promise<T>>)[name]!(...args);
  }
}
