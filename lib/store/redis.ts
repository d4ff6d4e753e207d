import { Redis } from 'ioredis';
import type { KeyValueStore, SetOptions } from './types.js';

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

/** Shared state in Redis: every gateway and worker sees the same records. Keys are prefixed (`bankgraph:`). */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: Redis;
  private readonly prefix: string;

  constructor(url: string, options: { prefix?: string } = {}) {
    this.prefix = options.prefix ?? 'bankgraph:';
    // Fail a command quickly when Redis is gone rather than queueing it forever: callers decide what to do.
    this.client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    this.client.defineCommand('bgCompareAndSet', { numberOfKeys: 1, lua: COMPARE_AND_SET });
    this.client.defineCommand('bgIncrement', { numberOfKeys: 1, lua: INCREMENT });
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

  private scripted(name: 'bgCompareAndSet' | 'bgIncrement', ...args: string[]): Promise<number> {
    // Commands added with defineCommand exist at run time but not in ioredis's typings.
    return (this.client as unknown as Record<string, (...a: string[]) => Promise<number>>)[name]!(...args);
  }
}
