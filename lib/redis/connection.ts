import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * One way to name a Redis, whether one server or a Cluster, so that every piece that opens a connection (the store,
 * the audit sink, the BullMQ queue, the start-up settings check) reads the same variable the same way:
 *
 *   REDIS_URL=redis://[user:password@]host:port[/db]       one server (rediss:// for TLS)
 *   REDIS_URL=redis-cluster://[user:password@]host:port,host:port,...   a Redis Cluster, seed nodes
 *                                                                      (rediss-cluster:// for TLS)
 *
 * A Cluster URL is still REDIS_URL, so every "Redis when REDIS_URL is set" choice keeps working unchanged. The seed
 * nodes only bootstrap: ioredis discovers the rest of the cluster (CLUSTER SLOTS) and follows MOVED/ASK redirections.
 *
 * Hash tags: a multi-key command, MULTI or Lua script must touch keys of one slot. bankgraph's store and audit use
 * single-key commands and single-key scripts only on a Cluster (lib/store/redis.ts: a write with its index entry is
 * one two-key script on one server, two commands on a Cluster), so their keys may spread over every slot;
 * BullMQ's keys (several per script) all carry the queue prefix in braces, `{bankgraph}`, one slot per queue.
 */

export type RedisClient = Redis | Cluster;

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

export type RedisTarget =
  | { readonly kind: 'single'; readonly url: string }
  | {
      readonly kind: 'cluster';
      readonly nodes: readonly RedisNode[];
      readonly username?: string;
      readonly password?: string;
      readonly tls: boolean;
    };

const CLUSTER_SCHEMES = ['redis-cluster:', 'rediss-cluster:'] as const;

export function isClusterUrl(url: string): boolean {
  return CLUSTER_SCHEMES.some((s) => url.toLowerCase().startsWith(`${s}//`));
}

/** Parses REDIS_URL; throws a clear error for a Cluster URL without usable nodes. */
export function parseRedisUrl(url: string): RedisTarget {
  if (!isClusterUrl(url)) return { kind: 'single', url };
  const tls = url.toLowerCase().startsWith('rediss-cluster:');
  const rest = url.slice(url.indexOf('//') + 2).replace(/\/+$/, '');
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const nodes = hosts.split(',').map((h) => h.trim()).filter(Boolean).map((h): RedisNode => {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(h);
    if (!m) throw new Error(`REDIS_URL: "${h}" is not host:port (a redis-cluster:// URL lists its seed nodes as host:port,host:port)`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  });
  if (nodes.length === 0) throw new Error('REDIS_URL: a redis-cluster:// URL needs at least one host:port');
  const [user, ...pass] = auth ? auth.split(':') : [];
  const password = pass.length > 0 ? decodeURIComponent(pass.join(':')) : undefined;
  const username = user ? decodeURIComponent(user) : undefined;
  return { kind: 'cluster', nodes, tls, ...(username ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}

/**
 * Opens a client for REDIS_URL: a `Redis` for one server, a `Cluster` for a redis-cluster:// URL. `options` are the
 * per-connection options (for a Cluster they apply to every node's connection).
 */
export function createRedisClient(url: string, options: RedisOptions = {}, clusterOptions: ClusterOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  if (target.kind === 'single') return new Redis(target.url, options);
  return new Cluster(
    target.nodes.map((n) => ({ host: n.host, port: n.port })),
    {
      ...clusterOptions,
      redisOptions: {
        ...options,
        ...(target.username ? { username: target.username } : {}),
        ...(target.password !== undefined ? { password: target.password } : {}),
        ...(target.tls ? { tls: {} } : {}),
      },
    },
  );
}

/** REDIS_URL without its password, for logs and error messages. */
export function describeRedisUrl(url: string): string {
  return url.replace(/\/\/([^@/]*):([^@/]*)@/, '//$1:***@');
}

/** The servers to ask about settings: the one server, or every master of a Cluster. */
export function serversOf(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

/** Waits until the client can run commands (a Cluster has loaded its slot map). */
export async function whenReady(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready within ${timeoutMs} ms (status ${client.status})`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const onEnd = () => {
      cleanup();
      reject(new Error('Redis connection ended before it was ready'));
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
    };
    client.on('ready', onReady);
    client.on('end', onEnd);
  });
}
