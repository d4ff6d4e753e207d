import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../lib/store/index.js';
import { JourneyStore } from '../../../subgraphs/journeys/engine/store.js';
import type { JourneyRecord, JourneyStatus } from '../../../subgraphs/journeys/engine/types.js';
import { requireRedis, uniquePrefix } from '../../support/redis.js';
import { deleteKeys } from '../engine/fixtures.js';

/**
 * Journeys written before the work queue's indexes existed (here: records whose index keys were deleted) are missing
 * from the queue until `npm run journeys:reindex` writes their entries: the command itself, run against a real Redis.
 */

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function record(i: number, status: JourneyStatus): JourneyRecord {
  const at = new Date(Date.parse('2026-10-01T00:00:00.000Z') + i * 1000).toISOString();
  return {
    id: `jrn_re${[...i.toString(32).padStart(4, '0')].map((c) => BASE32[parseInt(c, 32)]).join('')}`,
    type: 'SEND_INTERNATIONAL_PAYMENT',
    version: 1,
    principal: { kind: 'customer', customerId: 'cust-0001' },
    customerId: 'cust-0001',
    idempotencyKey: `k-${i}`,
    requestHash: 'h',
    input: {},
    status,
    steps: [],
    state: {},
    result: null,
    reason: status === 'NEEDS_ATTENTION' ? 'payOut: outcome unknown' : null,
    errorCode: null,
    createdAt: at,
    updatedAt: at,
    lease: null,
  };
}

describe('npm run journeys:reindex', () => {
  let url: string;
  let prefix: string;
  let kv: RedisStore;

  beforeAll(async () => {
    url = await requireRedis();
    prefix = uniquePrefix('reindex');
    kv = new RedisStore(url, { prefix });
  });
  afterAll(async () => {
    await deleteKeys(url, `${prefix}*`);
    await kv.close();
  });

  it('indexes journeys written before the indexes, so the parked ones reach the queue and the counts', async () => {
    const journeys = new JourneyStore(kv);
    const records = Array.from({ length: 120 }, (_, i) => record(i, i % 4 === 0 ? 'NEEDS_ATTENTION' : 'COMPLETED'));
    for (const r of records) await journeys.create(r);
    // As a deployment from before: the records, and none of the work queue's indexes.
    const admin = new Redis(url);
    const indexKeys = await admin.keys(`${prefix}journeys:index:*`);
    expect(indexKeys.length).toBeGreaterThan(0);
    await admin.del(...indexKeys);
    admin.disconnect();
    expect((await journeys.list({ status: 'NEEDS_ATTENTION' }, 100, null)).records).toEqual([]);

    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/reindex-journeys.ts'], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL: url, REDIS_PREFIX: prefix },
    });
    expect(stdout).toMatch(/^indexed 120 journey records in \d+ ms/);

    const parked = records.filter((r) => r.status === 'NEEDS_ATTENTION').map((r) => r.id).reverse();
    expect((await journeys.list({ status: 'NEEDS_ATTENTION' }, 100, null)).records.map((r) => r.id)).toEqual(parked);
    const counts = await journeys.count(['COMPLETED', 'NEEDS_ATTENTION'], ['SEND_INTERNATIONAL_PAYMENT']);
    expect(counts.byStatus.get('NEEDS_ATTENTION')).toBe(30);
    expect(counts.byStatus.get('COMPLETED')).toBe(90);
    // Again: nothing changes (idempotent).
    expect(await journeys.reindexAll()).toBe(120);
    expect((await journeys.count(['NEEDS_ATTENTION'], [])).byStatus.get('NEEDS_ATTENTION')).toBe(30);
  });

  it('refuses to run without REDIS_URL, saying why', async () => {
    const { REDIS_URL: _url, ...env } = process.env;
    const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/reindex-journeys.ts'], { cwd: ROOT, env }).then(
      () => null,
      (err: { code?: number; stderr?: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toMatch(/needs REDIS_URL/);
  });
});
