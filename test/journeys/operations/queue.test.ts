import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../../lib/store/index.js';
import { MAX_SCANNED, type JourneyQuery } from '../../../subgraphs/journeys/engine/queue-index.js';
import { JourneyStore } from '../../../subgraphs/journeys/engine/store.js';
import type { JourneyRecord, JourneyStatus } from '../../../subgraphs/journeys/engine/types.js';
import { STORES, type StoreUnderTest } from '../engine/fixtures.js';

/**
 * The operations work queue over thousands of journeys, on each real store: every filter, newest first, paged with
 * cursors that neither skip nor repeat, answered from the indexes the store keeps as journeys change, with a bounded
 * number of store calls per page whatever the number of journeys (counted at the KeyValueStore interface).
 */

const TYPES = ['SEND_INTERNATIONAL_PAYMENT', 'ONBOARD_CUSTOMER', 'ISSUE_CARD'] as const;
const TOTAL = 2_400;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const T0 = Date.parse('2026-11-01T00:00:00.000Z');

/** Counts the calls made to the store (the calls a page costs), passing each through to the real store. */
function counting(kv: KeyValueStore): { kv: KeyValueStore; calls: () => number; reset(): void } {
  let calls = 0;
  const proxy = new Proxy(kv, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { kv: proxy, calls: () => calls, reset: () => (calls = 0) };
}

function record(i: number): JourneyRecord {
  const at = new Date(T0 + i * 1000).toISOString();
  return {
    // Journey ids are base32 (a-z, 2-7) like the engine's.
    id: `jrn_${[...i.toString(32).padStart(6, '0')].map((c) => BASE32[parseInt(c, 32)]).join('')}`,
    type: TYPES[i % 3]!,
    version: 1,
    principal: { kind: 'customer', customerId: `cust-${i % 40}` },
    customerId: `cust-${i % 40}`,
    idempotencyKey: `k-${i}`,
    requestHash: 'h',
    input: {},
    status: 'RUNNING',
    steps: [],
    state: {},
    result: null,
    reason: null,
    errorCode: null,
    createdAt: at,
    updatedAt: at,
    lease: null,
  };
}

/** Where each journey ends: every 7th parked, every 5th compensated, the rest completed, 1 in 50 still running. */
function finalStatus(i: number): JourneyStatus {
  if (i % 50 === 0) return 'RUNNING';
  if (i % 7 === 0) return 'NEEDS_ATTENTION';
  if (i % 5 === 0) return 'COMPENSATED';
  return 'COMPLETED';
}

for (const kind of STORES) {
  describe(`the operations work queue over ${TOTAL} journeys (${kind.name} store)`, () => {
    let store: StoreUnderTest;
    let journeys: JourneyStore;
    let counted: ReturnType<typeof counting>;
    const all: JourneyRecord[] = [];

    beforeAll(async () => {
      store = await kind.make();
      counted = counting(store.kv);
      journeys = new JourneyStore(counted.kv);
      const ids = Array.from({ length: TOTAL }, (_, i) => i);
      // Created, then moved to their final status through the store's own update (the indexes follow).
      for (let from = 0; from < TOTAL; from += 200) {
        await Promise.all(
          ids.slice(from, from + 200).map(async (i) => {
            const r = record(i);
            await journeys.create(r);
            const status = finalStatus(i);
            if (status !== 'RUNNING') await journeys.update(r.id, (current) => ({ ...current, status }));
          }),
        );
      }
      for (const i of ids) all.push((await journeys.get(record(i).id))!);
    }, 120_000);
    afterAll(async () => {
      await store.cleanup();
    });

    /** Every page of the query, checking the calls each page cost. */
    async function pages(query: JourneyQuery, first: number): Promise<{ ids: string[]; pages: number; maxCalls: number; short: number }> {
      const ids: string[] = [];
      let after = null;
      let count = 0;
      let maxCalls = 0;
      let short = 0;
      for (;;) {
        counted.reset();
        const page = await journeys.list(query, first, after);
        maxCalls = Math.max(maxCalls, counted.calls());
        count++;
        ids.push(...page.records.map((r) => r.id));
        if (page.records.length < first && page.next) short++;
        if (!page.next) break;
        after = page.next;
        expect(count).toBeLessThan(TOTAL);
      }
      return { ids, pages: count, maxCalls, short };
    }

    const expected = (pred: (r: JourneyRecord) => boolean) =>
      all
        .filter(pred)
        .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1))
        .map((r) => r.id);

    it('lists the parked journeys newest first, page after page, none skipped or repeated, a few store calls a page', async () => {
      const result = await pages({ status: 'NEEDS_ATTENTION' }, 25);
      const want = expected((r) => r.status === 'NEEDS_ATTENTION');
      expect(want.length).toBeGreaterThan(300);
      expect(result.ids).toEqual(want);
      // One index read and one read of the page's records per round: never a call per journey.
      expect(result.maxCalls).toBeLessThanOrEqual(4);
    });

    it('filters by status and type, by customer, by creation time and by waiting time', async () => {
      const q1 = await pages({ status: 'NEEDS_ATTENTION', type: 'SEND_INTERNATIONAL_PAYMENT' }, 50);
      expect(q1.ids).toEqual(expected((r) => r.status === 'NEEDS_ATTENTION' && r.type === 'SEND_INTERNATIONAL_PAYMENT'));
      expect(q1.maxCalls).toBeLessThanOrEqual(4);

      const q2 = await pages({ customerId: 'cust-7', status: 'NEEDS_ATTENTION' }, 10);
      expect(q2.ids).toEqual(expected((r) => r.customerId === 'cust-7' && r.status === 'NEEDS_ATTENTION'));

      const after = T0 + 1000 * 1000;
      const before = T0 + 1500 * 1000;
      const q3 = await pages({ type: 'ISSUE_CARD', createdAfter: after, createdBefore: before }, 40);
      expect(q3.ids).toEqual(expected((r) => r.type === 'ISSUE_CARD' && Date.parse(r.createdAt) >= after && Date.parse(r.createdAt) < before));

      // Everything was parked moments ago: nothing has waited a day; everything has waited at least 0 s.
      expect((await journeys.list({ status: 'NEEDS_ATTENTION', waitingLongerThanMs: 24 * 3600_000 }, 20, null)).records).toEqual([]);
      expect((await journeys.list({ status: 'NEEDS_ATTENTION', waitingLongerThanMs: 0 }, 20, null)).records).toHaveLength(20);
    });

    it('a filter narrower than its index reads at most MAX_SCANNED entries a page, then answers short with a cursor', async () => {
      // A waiting time nothing meets: the whole parked index must be walked, MAX_SCANNED entries a page.
      const result = await pages({ status: 'COMPLETED', waitingLongerThanMs: 24 * 3600_000 }, 20);
      expect(result.ids).toEqual([]);
      const completed = all.filter((r) => r.status === 'COMPLETED').length;
      expect(result.pages).toBe(Math.ceil(completed / MAX_SCANNED));
      // Per 100 entries: one index read, one read of the rest of its last millisecond, one getMany.
      expect(result.maxCalls).toBeLessThanOrEqual(3 * Math.ceil(MAX_SCANNED / 100));
    });

    it('counts per status and per type from the indexes alone', async () => {
      counted.reset();
      const counts = await journeys.count(['RUNNING', 'COMPENSATING', 'COMPLETED', 'REJECTED', 'COMPENSATED', 'NEEDS_ATTENTION'], TYPES);
      for (const status of ['RUNNING', 'COMPLETED', 'COMPENSATED', 'NEEDS_ATTENTION'] as const) {
        expect(counts.byStatus.get(status)).toBe(all.filter((r) => r.status === status).length);
      }
      expect(counts.byStatus.get('COMPENSATING')).toBe(0);
      for (const type of TYPES) {
        expect(counts.byType.get(type)).toBe(all.filter((r) => r.type === type).length);
        expect(counts.parkedByType.get(type)).toBe(all.filter((r) => r.type === type && r.status === 'NEEDS_ATTENTION').length);
      }
      expect(counted.calls()).toBe(6 + 3 + 3);
    });

    it('a journey leaves its old status index when its status changes, and its statusSince moves', async () => {
      const parkedOne = all.find((r) => r.status === 'NEEDS_ATTENTION')!;
      const before = (await journeys.get(parkedOne.id))!;
      const { record: next } = await journeys.update(parkedOne.id, (current) => ({ ...current, status: 'COMPLETED' }));
      expect(Date.parse(next.statusSince!)).toBeGreaterThanOrEqual(Date.parse(before.statusSince!));
      const parked = await pages({ status: 'NEEDS_ATTENTION' }, 100);
      expect(parked.ids).not.toContain(parkedOne.id);
      const completed = await journeys.list({ status: 'COMPLETED', customerId: parkedOne.customerId! }, 100, null);
      expect(completed.records.map((r) => r.id)).toContain(parkedOne.id);
    });

    it('pages exactly through many journeys created in the same millisecond', async () => {
      // 250 journeys of one millisecond and 10 older ones, of a type of their own: pages of 40 see each exactly once.
      const tied = Array.from({ length: 260 }, (_, i) => {
        const r = record(100_000 + i);
        const at = new Date(T0 - (i < 250 ? 0 : i) * 1000).toISOString();
        return { ...r, type: 'TIES', createdAt: at, updatedAt: at };
      });
      for (const r of tied) await journeys.create(r);
      const result = await pages({ type: 'TIES' }, 40);
      expect(result.ids).toHaveLength(260);
      expect(new Set(result.ids).size).toBe(260);
      expect(result.ids).toEqual(
        [...tied].sort((a, b) => b.createdAt.localeCompare(a.createdAt) || (a.id < b.id ? 1 : -1)).map((r) => r.id),
      );
    });
  });
}
