import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../lib/store/index.js';
import { eventually } from '../journeys/support.js';
import { uniquePrefix } from '../support/redis.js';
import { startRedisServer, type TestRedis } from '../support/redis-server.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * /ready?verbose and /metrics report Redis: a Redis this test starts (and kills, and starts again) holds the
 * gateway's store (rate limits) and the journeys' state (consents included). While it is down both processes stay ready (200: they can still serve
 * whatever does not need it, and one Redis blip must not take every replica out of the load balancer at once), and
 * report it down; /health stays 200 (alive, calls nothing).
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

  interface Dependencies {
    ok: boolean;
    reason?: string;
    up: Record<string, boolean>;
    redis?: { ok: boolean; reason?: string };
  }
  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as { status: string; dependencies?: Dependencies } };
  };
  const gatewayReady = () => get(`${stack.gateway.origin}/ready?verbose`);
  const journeysUrl = (path: string) => stack.subgraphs.journeys.url.replace(/\/graphql$/, path);
  const journeysReady = () => get(journeysUrl('/ready?verbose'));
  const metricsOf = (url: string) => fetch(url).then((r) => r.text());

  it('stays ready while Redis is down, reporting it down in ?verbose and /metrics, and up again once it is back', async () => {
    expect(await gatewayReady()).toMatchObject({ status: 200, body: { status: 'ready', dependencies: { ok: true, redis: { ok: true } } } });
    expect(await journeysReady()).toMatchObject({ status: 200, body: { status: 'ready', dependencies: { ok: true, redis: { ok: true } } } });

    await redis.kill();
    const down = await eventually('the gateway to notice', async () => {
      const r = await gatewayReady();
      return r.body.dependencies?.ok === false ? r : undefined;
    });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'ready', dependencies: { redis: { ok: false }, up: { redis: false } } });
    expect(down.body.dependencies?.reason).toMatch(/^redis not answering/);
    // Only Redis is down: the subgraphs still answer.
    expect(down.body.dependencies?.reason).not.toMatch(/subgraph/);
    expect((await fetch(`${stack.gateway.origin}/ready`)).status).toBe(200);
    const journeysDown = await journeysReady();
    expect(journeysDown.status).toBe(200);
    expect(journeysDown.body.dependencies).toMatchObject({ ok: false, up: { redis: false } });
    expect(journeysDown.body.dependencies?.reason).toMatch(/^redis not answering/);
    expect(await metricsOf(`${stack.gateway.origin}/metrics`)).toContain('bankgraph_dependency_up{dependency="redis"} 0');
    expect(await metricsOf(journeysUrl('/metrics'))).toContain('bankgraph_dependency_up{dependency="redis"} 0');
    // Liveness does not depend on Redis: restarting the process would not bring Redis back.
    expect((await fetch(`${stack.gateway.origin}/health`)).status).toBe(200);
    expect((await fetch(journeysUrl('/health'))).status).toBe(200);

    await redis.restart();
    await eventually('the gateway to see Redis again', async () => ((await gatewayReady()).body.dependencies?.ok ? true : undefined));
    await eventually('the journeys subgraph to see Redis again', async () => ((await journeysReady()).body.dependencies?.ok ? true : undefined));
    expect(await metricsOf(`${stack.gateway.origin}/metrics`)).toContain('bankgraph_dependency_up{dependency="redis"} 1');
  }, 60_000);
});
