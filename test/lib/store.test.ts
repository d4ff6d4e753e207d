import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemoryStore, RedisStore, createStore } from '../../lib/store/index.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { storeContract } from '../support/redis-store-contract.js';

storeContract('memory', async () => new MemoryStore(), async () => {});

let redisUrl = '';
let prefix = '';
storeContract(
  'redis',
  async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('store');
    return new RedisStore(redisUrl, { prefix });
  },
  async () => {
    if (!redisUrl) return;
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  },
);

describe('createStore', () => {
  it('is in memory without REDIS_URL and Redis with it', async () => {
    const memory = createStore({});
    expect(memory.kind).toBe('memory');
    await memory.close();
    const redis = createStore({ REDIS_URL: await requireRedis(), REDIS_PREFIX: uniquePrefix('create') });
    expect(redis.kind).toBe('redis');
    await redis.ping();
    await redis.close();
  });
});
