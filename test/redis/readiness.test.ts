import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/store/index.js';
import { eventually } from '../journeys/support.js';
import { uniquePrefix } from '../support/redis.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * /ready reports Redis: a Redis this test starts (and kills, and starts again) holds the gateway's consents and the
 * journeys' state. While it is down both /ready answer 503 naming redis; /health stays 200 (alive, calls nothing).
 */
describe('readiness with Redis', () => {
  let redis: TestRedis;
  let stack: Stack;
  const stores: RedisStore[] = [];
  beforeAll(async () => {
    redis = await startRedisServer(['--appendonly', 'no']);
    const prefix = uniquePrefix('ready');
    stores.push(new RedisStore(redis.url, { prefix }), new RedisStore(redis.url, { prefix }));
    stack = await startStack({ gatewayStore: stores[0]!, store: stores[1]! });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await Promise.all(stores.map((s) => s.close()));
    await redis?.destroy();
  });

  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as { status: string; reason?: string; redis?: { ok: boolean; reason?: string } } };
  };
  const gatewayReady = () => get(`${stack.gateway.origin}/ready`);
  const journeysUrl = (path: string) => stack.subgraphs.journeys.url.replace(/\/graphql$/, path);
  const journeysReady = () => get(journeysUrl('/ready'));

  it('is ready while Redis answers, 503 naming redis while it is down, ready again once it is back', async () => {
    expect(await gatewayReady()).toMatchObject({ status: 200, body: { status: 'ready', redis: { ok: true } } });
    expect(await journeysReady()).toMatchObject({ status: 200, body: { status: 'ready', redis: { ok: true } } });

    await redis.kill();
    const down = await eventually('the gateway to notice', async () => {
      const r = await gatewayReady();
      return r.status === 503 ? r : undefined;
    });
    expect(down.body).toMatchObject({ status: 'unavailable', redis: { ok: false } });
    expect(down.body.reason).toMatch(/^redis not answering/);
    // Only Redis is down: the subgraphs still answer.
    expect(down.body.reason).not.toMatch(/subgraph/);
    const journeysDown = await journeysReady();
    expect(journeysDown.status).toBe(503);
    expect(journeysDown.body.reason).toMatch(/^redis not answering/);
    // Liveness does not depend on Redis: restarting the process would not bring Redis back.
    expect((await fetch(`${stack.gateway.origin}/health`)).status).toBe(200);
    expect((await fetch(journeysUrl('/health'))).status).toBe(200);

    await redis.restart();
    await eventually('the gateway to be ready again', async () => ((await gatewayReady()).status === 200 ? true : undefined));
    await eventually('the journeys subgraph to be ready again', async () => ((await journeysReady()).status === 200 ? true : undefined));
  }, 60_000);
});
