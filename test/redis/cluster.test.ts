import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamAuditSink } from '../../lib/audit.js';
import { createRedisClient, parseRedisUrl } from '../../lib/redis/connection.js';
import { readRedisSettings } from '../../lib/redis/settings.js';
import { RedisStore } from '../../lib/store/index.js';
import { journeyKey } from '../../subgraphs/journeys/engine/store.js';
import { queuePrefix } from '../../subgraphs/journeys/runtime.js';
import { paymentInput, railBook, settled, stepStatuses } from '../journeys/support.js';
import { journeyOperation } from '../support/operations.js';
import { uniquePrefix } from '../support/redis.js';
import { startRedisCluster, type TestRedisCluster } from '../support/redis-server.js';
import { storeContract } from '../support/redis-store-contract.js';
import { startStack, type Stack } from '../support/stack.js';
import { legacyKeyOf } from '../../connectors/core-banking/index.js';

/**
 * Redis Cluster: three masters started here on loopback ports (redis-server --cluster-enabled yes, then
 * redis-cli --cluster create). The store contract holds on it, and a real payment journey runs end to end with its
 * state in the cluster and its background step (the customer's notification) through BullMQ on the cluster.
 */

let cluster: TestRedisCluster;
beforeAll(async () => {
  cluster = await startRedisCluster(3);
}, 30_000);
afterAll(async () => {
  await cluster?.destroy();
});

describe('redis-cluster:// URLs', () => {
  it('name seed nodes, with optional credentials, and open an ioredis Cluster', async () => {
    expect(parseRedisUrl('redis-cluster://u:p%40ss@10.0.0.1:7000,10.0.0.2:7001')).toEqual({
      kind: 'cluster',
      nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }],
      tls: false,
      username: 'u',
      password: 'p@ss',
    });
    expect(parseRedisUrl('redis://127.0.0.1:6379')).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(() => parseRedisUrl('redis-cluster://nohost')).toThrow(/not host:port/);
    const client = createRedisClient(cluster.url);
    try {
      expect(client).toBeInstanceOf(Cluster);
      // The settings check asks every master, not only the seed node.
      await new Promise((r) => client.once('ready', r));
      const report = await readRedisSettings(client, cluster.url);
      expect(report.servers.map((s) => s.server).sort()).toEqual(cluster.nodes.map((n) => `127.0.0.1:${n.port}`).sort());
    } finally {
      client.disconnect();
    }
  });
});

// The nodes are destroyed in afterAll: no key cleanup needed.
storeContract('redis cluster', async () => new RedisStore(cluster.url, { prefix: uniquePrefix('cluster-store') }), async () => {});

describe('a journey on Redis Cluster', () => {
  let stack: Stack;
  let store: RedisStore;
  let audit: RedisStreamAuditSink;
  let prefix: string;
  beforeAll(async () => {
    prefix = uniquePrefix('cluster-journey');
    store = new RedisStore(cluster.url, { prefix });
    audit = new RedisStreamAuditSink({ url: cluster.url, prefix });
    stack = await startStack({ store, audit, journeyEnv: { REDIS_URL: cluster.url, REDIS_PREFIX: prefix } });
  }, 30_000);
  afterAll(async () => {
    await stack?.stop();
    await store?.close();
    await audit?.close();
  });

  it('runs a payment end to end, its notification through BullMQ on the cluster, money moved once', async () => {
    const token = await stack.customerToken('cust-0001');
    const idempotencyKey = `cluster-${Date.now()}`;
    const answer = await stack.graphql(journeyOperation('SendInternationalPayment'), { idempotencyKey, input: paymentInput({ amount: '4.00' }) }, token);
    expect(answer.body.errors).toBeUndefined();
    const payload = answer.body.data?.sendInternationalPayment as { journey: { id: string }; endToEndId: string };
    const done = await settled(stack, payload.journey.id);
    expect(done.status).toBe('COMPLETED');
    expect(stepStatuses(done)).toMatchObject({ debitSourceAccount: 'SUCCEEDED', payOut: 'SUCCEEDED', notifyCustomer: 'SUCCEEDED' });

    // The record is in the cluster, the background step went through BullMQ there (its job counter moved), and the
    // journey's start and end are in the audit stream there.
    const admin = createRedisClient(cluster.url);
    try {
      const audited = await admin.xrange(audit.stream, '-', '+');
      const outcomes = audited.map(([, fields]) => fields).filter((f) => f.includes(done.id)).map((f) => f[f.indexOf('outcome') + 1]);
      expect(outcomes).toEqual(['RUNNING', 'COMPLETED']);
      expect(JSON.parse((await admin.get(`${prefix}${journeyKey(done.id)}`)) ?? '{}')).toMatchObject({ id: done.id, status: 'COMPLETED' });
      expect(Number(await admin.get(`${queuePrefix({ REDIS_PREFIX: prefix })}:journeys:id`))).toBeGreaterThanOrEqual(1);
    } finally {
      admin.disconnect();
    }

    // Exactly once, by the simulators' own books.
    const { items } = (await stack.journeys.deps.coreBanking.getTransactionPages([{ accountId: 'acc-5001', first: 100 }]))[0]!;
    expect(items.filter((t) => t.reference === legacyKeyOf(`${done.id}.debitSourceAccount`))).toHaveLength(1);
    expect((await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payload.endToEndId)).toHaveLength(1);
    const messages = await fetch(`${stack.simulators.notifier.running.url}/v1/messages`).then((r) => r.json() as Promise<{ messages: unknown[] }>);
    expect(messages.messages).toHaveLength(1);
  }, 60_000);
});
