import { Redis } from 'ioredis';

/**
 * The Redis that tests use: REDIS_URL, else the machine's 127.0.0.1:6379. Tests that need it call this in
 * beforeAll and fail loudly when it cannot be reached (never skip): with CI=true a missing Redis is a broken
 * environment, not a reason to pass.
 */
export async function requireRedis(): Promise<string> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await probe.connect();
    await probe.ping();
    return url;
  } catch (err) {
    throw new Error(
      `Redis is required by this test and is unreachable at ${url} (${(err as Error).message}). ` +
        `Start it (redis-server --port 6379) or set REDIS_URL.${process.env.CI ? ' CI=true: not skipping.' : ''}`,
    );
  } finally {
    probe.disconnect();
  }
}

/** A key prefix no other test run shares, so parallel runs on one Redis do not see each other's keys. */
export function uniquePrefix(label: string): string {
  return `bankgraph-test:${label}:${process.pid}:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}:`;
}
