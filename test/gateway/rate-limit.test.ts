import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { MemoryStore, RedisStore } from '../../lib/store/index.js';
import type { TokenBucketResult } from '../../lib/store/index.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { accounts, cards } from './fixtures.js';
import { AUTH, post, startStack, tokenFor, type GraphQLReply, type Stack } from './helpers.js';

/** Rate limits at the gateway: 429 + Retry-After before anything runs, one budget across gateways sharing a Redis. */

const echo = (text: string) => ({ query: `query Echo { echo(text: "${text}") }`, operationName: 'Echo' });
const me = { query: 'query Me { me { id } }', operationName: 'Me' };

function expectRateLimited(reply: GraphQLReply, retryAfterSeconds: number) {
  expect(reply.status).toBe(429);
  expect(reply.headers.get('retry-after')).toBe(String(retryAfterSeconds));
  expect(reply.body.data).toBeUndefined();
  expect(reply.body.errors).toHaveLength(1);
  expect(reply.body.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds });
  expect(reply.body.errors?.[0]?.message).toMatch(new RegExp(`try again in ${retryAfterSeconds} s`));
}

describe('rate limits on one gateway (memory store)', () => {
  let stack: Stack;
  let ada: string;
  let bob: string;
  beforeAll(async () => {
    [stack, ada, bob] = await Promise.all([
      startStack({
        fixtures: [accounts, cards],
        gateway: {
          rateLimit: {
            enabled: true,
            // 3 at once, then one every 2 seconds
            customer: { capacity: 3, refillPerSecond: 0.5 },
            operations: { me: { capacity: 1, refillPerSecond: 0.25 } },
          },
        },
      }),
      tokenFor({ customer: 'cust-0001' }),
      tokenFor({ customer: 'cust-0002' }),
    ]);
  });
  afterAll(() => stack?.stop());

  it('lets a burst through, then answers 429 with Retry-After and executes nothing', async () => {
    for (const i of [1, 2, 3]) {
      const reply = await post(stack.gateway.url, echo(`hello ${i}`), { token: ada });
      expect(reply.body).toEqual({ data: { echo: `hello ${i}` } });
    }
    const calls = stack.subgraphs.accounts!.received.length;
    expectRateLimited(await post(stack.gateway.url, echo('one too many'), { token: ada }), 2);
    expect(stack.subgraphs.accounts!.received.length).toBe(calls);
  });

  it('keeps one bucket per principal: another customer is not affected', async () => {
    const reply = await post(stack.gateway.url, echo('bob'), { token: bob });
    expect(reply.body).toEqual({ data: { echo: 'bob' } });
  });

  it('limits one operation on its own, leaving the rest of the budget to the others', async () => {
    const carol = await tokenFor({ customer: 'cust-0003' });
    expect((await post(stack.gateway.url, me, { token: carol })).body).toEqual({ data: { me: { id: 'cust-0003' } } });
    expectRateLimited(await post(stack.gateway.url, me, { token: carol }), 4);
    // Renaming the operation buys no fresh budget: the limit is on the root field.
    expectRateLimited(await post(stack.gateway.url, { query: 'query Renamed { me { id } }' }, { token: carol }), 4);
    expect((await post(stack.gateway.url, echo('other operation'), { token: carol })).status).toBe(200);
  });

  it('refills: the caller who waits Retry-After is served again', async () => {
    const dave = await tokenFor({ customer: 'cust-0004' });
    await Promise.all([1, 2, 3].map((i) => post(stack.gateway.url, echo(`d${i}`), { token: dave })));
    const refused = await post(stack.gateway.url, echo('d4'), { token: dave });
    expect(refused.status).toBe(429);
    await new Promise((r) => setTimeout(r, Number(refused.headers.get('retry-after')) * 1000));
    expect((await post(stack.gateway.url, echo('d5'), { token: dave })).status).toBe(200);
  });
});

describe('rate limits when the store fails', () => {
  class UnreachableStore extends MemoryStore {
    override async takeToken(): Promise<TokenBucketResult> {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    }
  }
  let stack: Stack;
  const store = new UnreachableStore();
  beforeAll(async () => {
    stack = await startStack({ fixtures: [accounts, cards], gateway: { rateLimitStore: store } });
  });
  afterAll(async () => {
    await stack?.stop();
    await store.close();
  });

  it('lets requests through rather than taking the bank down with its limiter', async () => {
    const reply = await post(stack.gateway.url, echo('still served'), { token: await tokenFor({ customer: 'cust-0001' }) });
    expect(reply.body).toEqual({ data: { echo: 'still served' } });
  });
});

describe('two gateways on one Redis', () => {
  const CAPACITY = 10;
  let stack: Stack;
  let second: RunningGateway;
  let prefix: string;
  let redisUrl: string;
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('rate-limit');
    // Two stores, as two processes would have: only Redis is shared.
    stores.push(new RedisStore(redisUrl, { prefix }), new RedisStore(redisUrl, { prefix }));
    // Refill one token every 100 s: nothing comes back during the test.
    const rateLimit = { enabled: true, customer: { capacity: CAPACITY, refillPerSecond: 0.01 } };
    stack = await startStack({ fixtures: [accounts, cards], gateway: { rateLimit, rateLimitStore: stores[0]! } });
    second = await createGateway({
      supergraphPath: stack.supergraphPath,
      subgraphUrls: Object.fromEntries(Object.values(stack.subgraphs).map((s) => [s.name, s.url])),
      auth: AUTH,
      rateLimit,
      rateLimitStore: stores[1]!,
    });
  });
  afterAll(async () => {
    await second?.stop();
    await stack?.stop();
    await Promise.all(stores.map((s) => s.close()));
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('enforce one limit: the requests allowed across both add up to the bucket', async () => {
    const token = await tokenFor({ customer: 'cust-0001' });
    const urls = [stack.gateway.url, second.url];
    const replies = await Promise.all(
      Array.from({ length: 3 * CAPACITY }, (_, i) => post(urls[i % 2]!, echo(`r${i}`), { token })),
    );
    const allowed = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(allowed).toHaveLength(CAPACITY);
    expect(refused).toHaveLength(2 * CAPACITY);
    for (const r of refused) expect(r.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Both gateways served and both refused: the budget really is shared, not split.
    const servedBy = (url: string) => replies.filter((r, i) => urls[i % 2] === url && r.status === 200).length;
    expect(servedBy(stack.gateway.url) + servedBy(second.url)).toBe(CAPACITY);
    expect(replies.filter((r, i) => i % 2 === 1 && r.status === 429).length).toBeGreaterThan(0);
    expect(replies.filter((r, i) => i % 2 === 0 && r.status === 429).length).toBeGreaterThan(0);
  });
});
