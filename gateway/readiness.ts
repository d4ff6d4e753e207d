import type { DependencyReport } from '../lib/metrics/dependencies.js';
import { probeRedis, redisDependency, type Pingable, type RedisHealth } from '../lib/redis/readiness.js';
import type { Fetcher } from './fetcher.js';
import type { SubgraphEndpoint } from './supergraph.js';

/**
 * The gateway's dependencies, as `GET /ready?verbose` and `bankgraph_dependency_up` report them: every subgraph
 * answers `GET /health` (no auth, no GraphQL) and, when the gateway keeps its state in Redis (rate limits),
 * Redis answers PING within a short deadline. They are reported, never cascaded into /ready: /ready says whether
 * this process can serve (it listens only once the supergraph is loaded; 503 while draining), so one dead subgraph
 * costs its own fields and does not take every gateway out of the load balancer at once.
 */

export type SubgraphHealth =
  | { readonly name: string; readonly ok: true }
  | { readonly name: string; readonly ok: false; readonly reason: string };

export interface GatewayDependencies extends DependencyReport {
  /** What is not answering, when something is not. */
  readonly reason?: string;
  readonly subgraphs: readonly SubgraphHealth[];
  /** Present when Redis is configured. */
  readonly redis?: RedisHealth;
}

/** `http://host/graphql` -> `http://host/health`; `http://host/accounts/graphql` -> `http://host/accounts/health`. */
export function healthUrlOf(graphqlUrl: string): string {
  const url = new URL(graphqlUrl);
  url.pathname = url.pathname.endsWith('/graphql')
    ? `${url.pathname.slice(0, -'/graphql'.length)}/health`
    : `${url.pathname.replace(/\/$/, '')}/health`;
  url.search = '';
  return url.toString();
}

/** Probes every subgraph in parallel with `fetcher` (whose deadline bounds the probe). */
export async function probeSubgraphs(subgraphs: readonly SubgraphEndpoint[], fetcher: Fetcher): Promise<GatewayDependencies> {
  const results = await Promise.all(
    subgraphs.map(async ({ name, url }): Promise<SubgraphHealth> => {
      try {
        const response = await fetcher(healthUrlOf(url), { method: 'GET' });
        await response.arrayBuffer(); // drain, so the keep-alive connection is reusable
        return response.ok ? { name, ok: true } : { name, ok: false, reason: `HTTP ${response.status}` };
      } catch (err) {
        return { name, ok: false, reason: (err as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable' };
      }
    }),
  );
  const up = Object.fromEntries(results.map((r) => [`subgraph:${r.name}`, r.ok]));
  const failed = results.filter((r) => !r.ok).map((r) => r.name);
  if (failed.length === 0) return { ok: true, up, subgraphs: results };
  const reason = `subgraph${failed.length > 1 ? 's' : ''} not answering: ${failed.join(', ')}`;
  return { ok: false, reason, up, subgraphs: results };
}

/**
 * The gateway's dependencies: the subgraphs (probeSubgraphs) and the Redis-backed stores among `stores`
 * (lib/redis/readiness.ts), probed in parallel; the reason names everything that failed ("redis not answering (...);
 * subgraph not answering: kyc").
 */
export async function checkDependencies(
  subgraphs: readonly SubgraphEndpoint[],
  fetcher: Fetcher,
  stores: readonly (Pingable | undefined)[],
  redisTimeoutMs: number,
): Promise<GatewayDependencies> {
  const [report, redis] = await Promise.all([probeSubgraphs(subgraphs, fetcher), probeRedis(stores, redisTimeoutMs)]);
  if (!redis) return report;
  const store = redisDependency(redis);
  const up = { ...report.up, ...store.up };
  const reasons = [store.reason, report.reason].filter((r): r is string => r !== undefined);
  return reasons.length === 0 ? { ...report, up, redis } : { ok: false, reason: reasons.join('; '), up, subgraphs: report.subgraphs, redis };
}
