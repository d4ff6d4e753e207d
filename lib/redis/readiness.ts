import { within } from '../deadline.js';
import type { DependencyReport } from '../metrics/dependencies.js';

/**
 * The Redis part of readiness (/ready): PING within a short deadline. A Redis that is down or slow makes the process
 * not ready (a load balancer stops sending it traffic), never not alive: /health stays 200 and calls nothing.
 */

export type RedisHealth = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Something that answers PING: a RedisStore (memory stores are not probed: they cannot be unreachable). */
export interface Pingable {
  readonly kind: string;
  ping(): Promise<void>;
}

export const DEFAULT_REDIS_PING_TIMEOUT_MS = 1000;

/**
 * Pings every Redis-backed store (each once, whatever the number of roles it plays); undefined when none is Redis,
 * so a deployment without Redis reports nothing about it.
 */
export async function probeRedis(stores: readonly (Pingable | undefined)[], timeoutMs = DEFAULT_REDIS_PING_TIMEOUT_MS): Promise<RedisHealth | undefined> {
  const redis = [...new Set(stores.filter((s): s is Pingable => s?.kind === 'redis'))];
  if (redis.length === 0) return undefined;
  const results = await Promise.all(redis.map((s) => pingWithin(s, timeoutMs)));
  return results.find((r) => !r.ok) ?? { ok: true };
}

async function pingWithin(store: Pingable, timeoutMs: number): Promise<RedisHealth> {
  const ping = store.ping().then(
    (): RedisHealth => ({ ok: true }),
    (err: unknown): RedisHealth => ({ ok: false, reason: `PING failed: ${(err as Error).message}` }),
  );
  return (await within(ping, timeoutMs)) ?? { ok: false, reason: `no PING answer within ${timeoutMs} ms` };
}

/** A probeRedis result as a process reports it (lib/metrics/dependencies.ts); nothing when no store is Redis. */
export function redisDependency(redis: RedisHealth | undefined): DependencyReport {
  if (!redis) return { ok: true, up: {} };
  if (redis.ok) return { ok: true, up: { redis: true }, redis };
  return { ok: false, reason: `redis not answering (${redis.reason})`, up: { redis: false }, redis };
}
