import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../../lib/log.js';
import { checkRedisAtStart, UnsafeRedisError } from '../../lib/redis/settings.js';
import { requireRedis } from '../support/redis.js';
import { freePort, startRedisServer, type TestRedis } from '../support/redis-server.js';

/**
 * The start-up check of Redis settings. The machine's Redis (6379) runs without persistence (`--save "" --appendonly
 * no`): production must refuse it, development must warn. Servers this test starts itself show the other cases; the
 * shared 6379 is only read, never reconfigured.
 */

function capture(): { logger: Logger; lines: { level: string; msg: string }[] } {
  const lines: { level: string; msg: string }[] = [];
  const logger = createLogger('redis-settings-test', { write: (s: string) => void lines.push(JSON.parse(s) as { level: string; msg: string }) });
  logger.level = 'debug';
  return { logger, lines };
}

describe('Redis settings at start', () => {
  let machine: string;
  let safe: TestRedis;
  let evicting: TestRedis;
  let noConfig: TestRedis;
  beforeAll(async () => {
    machine = await requireRedis();
    [safe, evicting, noConfig] = await Promise.all([
      startRedisServer(['--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction']),
      startRedisServer(['--appendonly', 'yes', '--maxmemory-policy', 'allkeys-lru']),
      // Managed Redis often renames CONFIG away: the check falls back to INFO and reports what it cannot read.
      startRedisServer(['--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--rename-command', 'CONFIG', '']),
    ]);
  });
  afterAll(async () => {
    await Promise.all([safe, evicting, noConfig].map((r) => r?.destroy()));
  });

  it('refuses the machine Redis (no persistence) in production, naming the setting and the fix', async () => {
    const { logger } = capture();
    const refused = checkRedisAtStart(logger, { NODE_ENV: 'production', REDIS_URL: machine });
    await expect(refused).rejects.toBeInstanceOf(UnsafeRedisError);
    await expect(refused).rejects.toThrow(/persistence is off .*appendonly no, save ""\).*appendonly yes and appendfsync everysec/);
    // The override is for settings that cannot be read, not for settings known to be unsafe.
    await expect(checkRedisAtStart(logger, { NODE_ENV: 'production', REDIS_URL: machine, REDIS_SETTINGS_VERIFIED: 'true' })).rejects.toThrow(
      /does not override a setting known to be unsafe/,
    );
  });

  it('only warns about the same Redis in development', async () => {
    const { logger, lines } = capture();
    const report = await checkRedisAtStart(logger, { NODE_ENV: 'development', REDIS_URL: machine });
    expect(report?.verdict).toBe('unsafe');
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/not safe as a system of record: persistence is off/)]);
    expect(lines.find((l) => l.msg === 'Redis settings')).toMatchObject({ redis: { verdict: 'unsafe' } });
  });

  it('accepts AOF with noeviction in production, without a warning', async () => {
    const { logger, lines } = capture();
    const report = await checkRedisAtStart(logger, { NODE_ENV: 'production', REDIS_URL: safe.url });
    expect(report).toMatchObject({ verdict: 'safe', problems: [], unknowns: [], advice: [] });
    expect(report!.servers).toEqual([
      { server: `127.0.0.1:${safe.port}`, maxmemoryPolicy: 'noeviction', appendonly: 'yes', appendfsync: 'everysec', save: '' },
    ]);
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);
  });

  it('refuses an evicting policy in production, even with the override', async () => {
    const { logger } = capture();
    for (const extra of [{}, { REDIS_SETTINGS_VERIFIED: 'true' }]) {
      await expect(checkRedisAtStart(logger, { NODE_ENV: 'production', REDIS_URL: evicting.url, ...extra })).rejects.toThrow(
        /maxmemory-policy is "allkeys-lru" .*set maxmemory-policy noeviction/,
      );
    }
  });

  it('reports what CONFIG hides as unknown: production needs REDIS_SETTINGS_VERIFIED=true', async () => {
    const { logger, lines } = capture();
    const env = { NODE_ENV: 'production', REDIS_URL: noConfig.url };
    await expect(checkRedisAtStart(logger, env)).rejects.toThrow(/persistence on .* could not be read[\s\S]*set REDIS_SETTINGS_VERIFIED=true/);
    const report = await checkRedisAtStart(logger, { ...env, REDIS_SETTINGS_VERIFIED: 'true' });
    expect(report?.verdict).toBe('unknown');
    // INFO still tells the policy and that AOF is off; only the RDB rules are unknown.
    expect(report?.servers[0]).toMatchObject({ maxmemoryPolicy: 'noeviction', appendonly: 'no', save: null });
    expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/accepted: REDIS_SETTINGS_VERIFIED=true/)]);
  });

  it('treats a Redis that does not answer as unknown', async () => {
    const { logger } = capture();
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(checkRedisAtStart(logger, { NODE_ENV: 'production', REDIS_URL: url }, { timeoutMs: 1000 })).rejects.toThrow(/did not answer/);
    expect((await checkRedisAtStart(logger, { REDIS_URL: url }, { timeoutMs: 1000 }))?.verdict).toBe('unknown');
    expect(await checkRedisAtStart(logger, {})).toBeNull();
  });

  it('stops the gateway and journeys processes from starting in production on the machine Redis', async () => {
    const entry = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      REDIS_URL: machine,
      LOG_LEVEL: 'silent',
      PORT: String(await freePort()),
      JOURNEYS_PORT: String(await freePort()),
    };
    const runToExit = (file: string) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', entry(file)], { env, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
        child.once('exit', (code) => resolve({ code, stderr }));
      });
    const [gateway, journeys] = await Promise.all([runToExit('gateway/index.ts'), runToExit('subgraphs/journeys/index.ts')]);
    expect(gateway.code).toBe(1);
    expect(gateway.stderr).toMatch(/gateway failed to start: refusing to start in production: Redis at redis:\/\/127\.0\.0\.1:\d+ is not safe[\s\S]*persistence is off/);
    expect(journeys.code).toBe(1);
    expect(journeys.stderr).toMatch(/journeys subgraph failed to start: refusing to start in production[\s\S]*persistence is off/);
    // Two tsx processes importing the gateway and the journeys engine: seconds, more on a loaded machine.
  }, 90_000);
});
