import { Cluster } from 'ioredis';
import { createRedisClient, type RedisClient } from '../redis/connection.js';
import { checkBucket } from './token-bucket.js';
import { asList, checkRange } from './sorted.js';
import type { KeyValueStore, ScoredMember, ScoreRange, SetOptions, TokenBucketResult, WriteOptions } from './types.js';

// A conditional write. KEYS[1] key, KEYS[2..n+1] (optional) sorted-set indexes; ARGV mode ('cas' | 'nx'), expected
// (cas), next, ttl ms ('' = cas keeps the current TTL, nx sets none), n, then per index its score ('' = remove the
// member) and member, then m, then per message its channel and text. The index entries and the messages go with the
// value, only if it is written.
const WRITE = `
if ARGV[1] == 'cas' then
  if redis.call('GET', KEYS[1]) ~= ARGV[2] then return 0 end
  if ARGV[4] == '' then redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL') else redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4]) end
else
  local ok
  if ARGV[4] == '' then ok = redis.call('SET', KEYS[1], ARGV[3], 'NX') else ok = redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4], 'NX') end
  if not ok then return 0 end
end
local n = tonumber(ARGV[5])
for i = 1, n do
  local score = ARGV[4 + 2 * i]
  local member = ARGV[5 + 2 * i]
  if score == '' then redis.call('ZREM', KEYS[1 + i], member) else redis.call('ZADD', KEYS[1 + i], score, member) end
end
local at = 6 + 2 * n
for j = 1, tonumber(ARGV[at]) do
  redis.call('PUBLISH', ARGV[at + 2 * j - 1], ARGV[at + 2 * j])
end
return 1`;

// KEYS[1] key. The server's clock (seconds, microseconds) and the value, in one step.
const GET_WITH_TIME = `
local t = redis.call('TIME')
return { t[1], t[2], redis.call('GET', KEYS[1]) }`;

// KEYS[1] sorted set; ARGV limit. Members scored at most the server's clock now (ms), lowest first.
const DUE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
return redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))`;

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
 * key, so keys need no common hash tag and spread over all slots. The one exception is a write with an index
 * (WriteOptions.index): on one server the value and the index entry are one script; on a Cluster they are in
 * different slots, so the index entry is written by a second command right after the value (a crash in between
 * leaves the index behind the value: its reader must not rely on it alone, see the journeys' recovery).
 *
 * Pub/sub: a second connection, opened on the first subscribe, carries every subscription of this store.
 */
export class RedisStore implements KeyValueStore {
  readonly kind = 'redis' as const;
  readonly client: RedisClient;
  private readonly prefix: string;
  private readonly cluster: boolean;
  private subscriber: RedisClient | undefined;
  /** Per channel: its listeners, and the SUBSCRIBE that was sent for it (a listener counts once that is done). */
  private readonly listeners = new Map<string, { readonly set: Set<(message: string) => void>; readonly ready: Promise<unknown> }>();

  constructor(url: string, options: { prefix?: string } = {}) {
    this.prefix = options.prefix ?? 'bankgraph:';
    // Fail a command quickly when Redis is gone rather than queueing it forever: callers decide what to do.
    this.client = createRedisClient(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
    // ioredis emits every failed reconnect as an 'error' event (printed as "Unhandled error event" without a listener).
    // Commands fail on their own, where callers decide what to do, and /ready reports Redis down: nothing to add here.
    this.client.on('error', () => {});
    this.cluster = this.client instanceof Cluster;
    // bgWrite takes its number of keys first: 2 with an index on one server, 1 otherwise.
    this.client.defineCommand('bgWrite', { lua: WRITE });
    this.client.defineCommand('bgGetWithTime', { numberOfKeys: 1, lua: GET_WITH_TIME });
    this.client.defineCommand('bgDue', { numberOfKeys: 1, lua: DUE });
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

  async setIfAbsent(key: string, value: string, options: WriteOptions = {}): Promise<boolean> {
    return this.write('nx', key, '', value, options);
  }

  async compareAndSet(key: string, expected: string, next: string, options: WriteOptions = {}): Promise<boolean> {
    return this.write('cas', key, expected, next, options);
  }

  async getWithTime(key: string): Promise<{ value: string | null; now: number }> {
    const [seconds, micros, value] = await this.scripted<[string, string, string | null]>('bgGetWithTime', this.k(key));
    return { value: value ?? null, now: Number(seconds) * 1000 + Math.floor(Number(micros) / 1000) };
  }

  async dueMembers(key: string, limit: number): Promise<string[]> {
    return this.scripted<string[]>('bgDue', this.k(key), String(limit));
  }

  async removeFromSorted(key: string, member: string): Promise<void> {
    await this.client.zrem(this.k(key), member);
  }

  async rangeByScore(key: string, range: ScoreRange): Promise<ScoredMember[]> {
    const { max, min, limit, lowestFirst, offset } = checkRange(range);
    const flat = lowestFirst
      ? await this.client.zrangebyscore(this.k(key), bound(min), bound(max), 'WITHSCORES', 'LIMIT', offset, limit)
      : await this.client.zrevrangebyscore(this.k(key), bound(max), bound(min), 'WITHSCORES', 'LIMIT', offset, limit);
    const members: ScoredMember[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) members.push({ member: flat[i]!, score: Number(flat[i + 1]) });
    return members;
  }

  async addToSorted(key: string, member: string, score: number): Promise<void> {
    await this.client.zadd(this.k(key), score, member);
  }

  async scanKeys(prefix: string, onBatch: (keys: string[]) => Promise<void>): Promise<void> {
    // SCAN walks one server: on a Cluster, every master in turn.
    const servers = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
    const pattern = `${globEscape(this.k(prefix))}*`;
    for (const server of servers) {
      let cursor = '0';
      do {
        const [next, keys] = await server.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await onBatch(keys.map((key) => key.slice(this.prefix.length)));
      } while (cursor !== '0');
    }
  }

  async sortedSize(key: string): Promise<number> {
    return this.client.zcard(this.k(key));
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    if (keys.length === 0) return [];
    // MGET (and an ioredis Cluster pipeline) needs every key in one slot; on a Cluster the keys are spread, so the GETs
    // go out together, each to its node.
    if (!this.cluster) return this.client.mget(...keys.map((key) => this.k(key)));
    return Promise.all(keys.map((key) => this.client.get(this.k(key))));
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    const name = this.k(channel);
    const subscriber = this.subscriberConnection();
    let channelState = this.listeners.get(name);
    if (!channelState) {
      channelState = { set: new Set(), ready: subscriber.subscribe(name) };
      this.listeners.set(name, channelState);
    }
    channelState.set.add(onMessage);
    try {
      await channelState.ready;
    } catch (err) {
      channelState.set.delete(onMessage);
      if (channelState.set.size === 0 && this.listeners.get(name) === channelState) this.listeners.delete(name);
      throw err;
    }
    return async () => {
      const current = this.listeners.get(name);
      if (!current?.set.delete(onMessage) || current.set.size > 0) return;
      this.listeners.delete(name);
      await subscriber.unsubscribe(name).catch(() => {});
    };
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
    const subscriber = this.subscriber;
    this.listeners.clear();
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
    await this.client.quit().catch(() => this.client.disconnect());
  }

  private async write(mode: 'cas' | 'nx', key: string, expected: string, next: string, options: WriteOptions): Promise<boolean> {
    const indexes = asList(options.index);
    const messages = asList(options.publish);
    const ttl = options.ttlMs !== undefined ? String(options.ttlMs) : '';
    // On one server the indexes are keys of the script; on a Cluster they are in other slots and follow the value.
    const together = !this.cluster ? indexes : [];
    const keys = [String(1 + together.length), this.k(key), ...together.map((index) => this.k(index.key))];
    const args = [mode, expected, next, ttl, String(together.length)];
    for (const index of together) args.push(index.score != null ? String(index.score) : '', index.member);
    args.push(String(messages.length));
    for (const { channel, message } of messages) args.push(this.k(channel), message);
    const written = (await this.scripted('bgWrite', ...keys, ...args)) === 1;
    if (written && this.cluster) {
      // A Cluster: the index is in another slot, so it follows the value (see the class comment).
      for (const index of indexes) {
        if (index.score === null) await this.client.zrem(this.k(index.key), index.member);
        else await this.client.zadd(this.k(index.key), index.score, index.member);
      }
    }
    return written;
  }

  private subscriberConnection(): RedisClient {
    if (!this.subscriber) {
      const subscriber = this.client.duplicate();
      subscriber.on('error', () => {});
      subscriber.on('message', (channel: string, message: string) => {
        for (const listener of this.listeners.get(channel)?.set ?? []) listener(message);
      });
      this.subscriber = subscriber;
    }
    return this.subscriber;
  }

  private k(key: string): string {
    return `${this.prefix}${key}`;
  }

  private scripted<T = number>(name: 'bgWrite' | 'bgGetWithTime' | 'bgDue' | 'bgIncrement' | 'bgTakeToken', ...args: string[]): Promise<T> {
    // Commands added with defineCommand exist at run time but not in ioredis's typings.
    return (this.client as unknown as Record<string, (...a: string[]) => Promise<T>>)[name]!(...args);
  }
}

/** A score bound as Redis reads it: infinities are "+inf" and "-inf". */
function bound(score: number): string {
  return score === Number.POSITIVE_INFINITY ? '+inf' : score === Number.NEGATIVE_INFINITY ? '-inf' : String(score);
}

/** A literal for a SCAN MATCH pattern: glob characters escaped. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}
