import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../lib/store/index.js';

/**
 * The KeyValueStore contract, run against every store: memory and one Redis (test/lib/store.test.ts), a Redis Cluster
 * (test/redis/cluster.test.ts). Whatever passes against one must pass against the others.
 */

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, make: () => Promise<KeyValueStore>, cleanup: () => Promise<void>) {
  describe(`${name} store`, () => {
    let store: KeyValueStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => {
      await cleanup();
      await store.close();
    });

    it('sets, gets and deletes', async () => {
      expect(await store.get('a')).toBeNull();
      await store.set('a', '1');
      expect(await store.get('a')).toBe('1');
      expect(await store.delete('a')).toBe(true);
      expect(await store.delete('a')).toBe(false);
      expect(await store.get('a')).toBeNull();
    });

    it('writes only the first of concurrent setIfAbsent calls', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => store.setIfAbsent('once', `writer-${i}`)));
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await store.get('once')).toBe(`writer-${winner}`);
    });

    it('compareAndSet replaces only the expected value', async () => {
      await store.set('state', 'RUNNING');
      expect(await store.compareAndSet('state', 'PENDING', 'DONE')).toBe(false);
      expect(await store.get('state')).toBe('RUNNING');
      expect(await store.compareAndSet('state', 'RUNNING', 'DONE')).toBe(true);
      expect(await store.get('state')).toBe('DONE');
      expect(await store.compareAndSet('missing', 'x', 'y')).toBe(false);
    });

    it('expires keys after their TTL, and keeps the TTL through compareAndSet', async () => {
      await store.set('short', 'v', { ttlMs: 150 });
      await store.compareAndSet('short', 'v', 'w');
      const ttl = await store.ttlMs('short');
      expect(ttl).not.toBeNull();
      expect(ttl!).toBeGreaterThan(0);
      expect(ttl!).toBeLessThanOrEqual(150);
      await sleep(250);
      expect(await store.get('short')).toBeNull();
      expect(await store.setIfAbsent('short', 'again')).toBe(true);
      expect(await store.ttlMs('short')).toBeNull();
    });

    it('counts atomically; the TTL is set when the counter is created', async () => {
      const values = await Promise.all(Array.from({ length: 25 }, () => store.incrementBy('hits', 2, { ttlMs: 10_000 })));
      expect(Math.max(...values)).toBe(50);
      expect(new Set(values).size).toBe(25);
      expect(await store.ttlMs('hits')).toBeGreaterThan(9_000);
      await expect(store.incrementBy('hits', 1.5)).rejects.toThrow(/integer/);
    });

    it('keeps sets of members (indexes)', async () => {
      await Promise.all(['j1', 'j2', 'j3', 'j2'].map((m) => store.addToSet('active', m)));
      expect((await store.setMembers('active')).sort()).toEqual(['j1', 'j2', 'j3']);
      await store.removeFromSet('active', 'j2');
      await store.removeFromSet('active', 'nope');
      expect((await store.setMembers('active')).sort()).toEqual(['j1', 'j3']);
      expect(await store.setMembers('empty')).toEqual([]);
    });

    it('takes tokens from a bucket atomically, refusing with the wait once it is empty', async () => {
      const results = await Promise.all(Array.from({ length: 12 }, () => store.takeToken('bucket', 5, 2)));
      expect(results.filter((r) => r.allowed)).toHaveLength(5);
      const refused = results.filter((r) => !r.allowed);
      expect(refused).toHaveLength(7);
      for (const r of refused) {
        expect(r.remaining).toBe(0);
        expect(r.retryAfterMs).toBeGreaterThan(0);
        expect(r.retryAfterMs).toBeLessThanOrEqual(500); // one token at 2 per second
      }
      expect(await store.ttlMs('bucket')).toBeGreaterThan(0);
      await sleep(600);
      const after = await store.takeToken('bucket', 5, 2);
      expect(after).toEqual({ allowed: true, remaining: 0, retryAfterMs: 0 });
      expect((await store.takeToken('bucket', 5, 2)).allowed).toBe(false);
      await expect(store.takeToken('bad', 0, 1)).rejects.toThrow(/capacity/);
      await expect(store.takeToken('bad', 1, 0)).rejects.toThrow(/refill/);
    });

    it('reads a value with the store clock, and finds sorted-set members due by that clock', async () => {
      await store.set('clocked', 'v');
      const { value, now } = await store.getWithTime('clocked');
      expect(value).toBe('v');
      expect(Number.isInteger(now)).toBe(true);
      expect((await store.getWithTime('nothing-here')).value).toBeNull();
      expect(await store.setIfAbsent('due-a', '1', { index: { key: 'due', member: 'a', score: now - 1_000 } })).toBe(true);
      expect(await store.setIfAbsent('due-b', '1', { index: { key: 'due', member: 'b', score: now - 2_000 } })).toBe(true);
      expect(await store.setIfAbsent('due-c', '1', { index: { key: 'due', member: 'c', score: now + 600_000 } })).toBe(true);
      expect(await store.dueMembers('due', 10)).toEqual(['b', 'a']);
      expect(await store.dueMembers('due', 1)).toEqual(['b']);
      await store.removeFromSorted('due', 'b');
      expect(await store.dueMembers('due', 10)).toEqual(['a']);
    });

    it('writes the index entry with the value, and only when the value is written', async () => {
      const { now } = await store.getWithTime('x');
      await store.set('leased', 'v1');
      const late = { key: 'leases', member: 'm', score: now + 600_000 };
      expect(await store.compareAndSet('leased', 'v1', 'v2', { index: { ...late, score: now - 1 } })).toBe(true);
      expect(await store.dueMembers('leases', 10)).toEqual(['m']);
      expect(await store.compareAndSet('leased', 'stale', 'v3', { index: late })).toBe(false);
      expect(await store.dueMembers('leases', 10)).toEqual(['m']);
      expect(await store.compareAndSet('leased', 'v2', 'v3', { index: late })).toBe(true);
      expect(await store.dueMembers('leases', 10)).toEqual([]);
      expect(await store.compareAndSet('leased', 'v3', 'v4', { index: { ...late, score: null } })).toBe(true);
      expect(await store.setIfAbsent('leased', 'again', { index: { ...late, score: now - 1 } })).toBe(false);
      expect(await store.dueMembers('leases', 10)).toEqual([]);
    });

    it('publishes a write to subscribers, and nothing for a write that did not happen', async () => {
      const heard: string[] = [];
      let wake: () => void = () => {};
      const second = new Promise<void>((r) => (wake = r));
      const unsubscribe = await store.subscribe('changes', (m) => {
        heard.push(m);
        if (heard.length === 2) wake();
      });
      await store.set('watched', 'a');
      expect(await store.compareAndSet('watched', 'nope', 'b', { publish: { channel: 'changes', message: 'lost' } })).toBe(false);
      expect(await store.compareAndSet('watched', 'a', 'b', { publish: { channel: 'changes', message: 'one' } })).toBe(true);
      expect(await store.setIfAbsent('watched-2', 'x', { publish: { channel: 'changes', message: 'two' } })).toBe(true);
      await second;
      expect(heard).toEqual(['one', 'two']);
      await unsubscribe();
    });

    it('writes several index entries and messages with one value, and none when the value is not written', async () => {
      const heard: string[] = [];
      let wake: () => void = () => {};
      const both = new Promise<void>((r) => (wake = r));
      const stops = await Promise.all(
        ['multi-a', 'multi-b'].map((channel) =>
          store.subscribe(channel, (m) => {
            heard.push(`${channel}=${m}`);
            if (heard.length === 2) wake();
          }),
        ),
      );
      const publish = [
        { channel: 'multi-a', message: '1' },
        { channel: 'multi-b', message: '2' },
      ];
      expect(await store.setIfAbsent('multi', 'v1', { index: [{ key: 'ix-status:RUNNING', member: 'j', score: 5 }, { key: 'ix-all', member: 'j', score: 5 }], publish })).toBe(true);
      expect(await store.compareAndSet('multi', 'stale', 'v2', { index: [{ key: 'ix-status:RUNNING', member: 'j', score: null }], publish })).toBe(false);
      expect(await store.rangeByScore('ix-status:RUNNING', { limit: 10 })).toEqual([{ member: 'j', score: 5 }]);
      // A status change moves the member from one index to another in the same write.
      expect(await store.compareAndSet('multi', 'v1', 'v2', { index: [{ key: 'ix-status:RUNNING', member: 'j', score: null }, { key: 'ix-status:DONE', member: 'j', score: 5 }] })).toBe(true);
      expect(await store.sortedSize('ix-status:RUNNING')).toBe(0);
      expect(await store.sortedSize('ix-status:DONE')).toBe(1);
      expect(await store.sortedSize('ix-all')).toBe(1);
      await both;
      expect(heard.sort()).toEqual(['multi-a=1', 'multi-b=2']);
      await Promise.all(stops.map((stop) => stop()));
    });

    it('reads a sorted set between two scores, highest first, ties in reverse member order, at most the limit', async () => {
      for (const [member, score] of [['a', 10], ['b', 20], ['c', 20], ['d', 30], ['e', 40]] as const) {
        await store.setIfAbsent(`range-${member}`, '1', { index: { key: 'range', member, score } });
      }
      expect(await store.rangeByScore('range', { limit: 10 })).toEqual([
        { member: 'e', score: 40 },
        { member: 'd', score: 30 },
        { member: 'c', score: 20 },
        { member: 'b', score: 20 },
        { member: 'a', score: 10 },
      ]);
      expect((await store.rangeByScore('range', { max: 30, min: 20, limit: 2 })).map((m) => m.member)).toEqual(['d', 'c']);
      expect((await store.rangeByScore('range', { max: 19, limit: 5 })).map((m) => m.member)).toEqual(['a']);
      expect((await store.rangeByScore('range', { min: 20, limit: 3, lowestFirst: true })).map((m) => m.member)).toEqual(['b', 'c', 'd']);
      expect((await store.rangeByScore('range', { max: 20, min: 20, limit: 1, offset: 1 })).map((m) => m.member)).toEqual(['b']);
      expect((await store.rangeByScore('range', { limit: 2, offset: 3 })).map((m) => m.member)).toEqual(['b', 'a']);
      expect(await store.rangeByScore('range-none', { limit: 5 })).toEqual([]);
      expect(await store.sortedSize('range')).toBe(5);
      expect(await store.sortedSize('range-none')).toBe(0);
      await expect(store.rangeByScore('range', { limit: 0 })).rejects.toThrow(RangeError);
      await expect(store.rangeByScore('range', { limit: 1001 })).rejects.toThrow(RangeError);
    });

    it('adds sorted-set members on their own, and scans keys by prefix', async () => {
      await store.addToSorted('added', 'x', 3);
      await store.addToSorted('added', 'x', 4);
      expect(await store.rangeByScore('added', { limit: 5 })).toEqual([{ member: 'x', score: 4 }]);
      for (let i = 0; i < 30; i++) await store.set(`scan:[a]*:${i}`, String(i));
      await store.set('scan-other', 'no');
      const seen: string[] = [];
      await store.scanKeys('scan:[a]*:', async (keys) => {
        seen.push(...keys);
      });
      expect(seen.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `scan:[a]*:${i}`).sort());
    });

    it('keeps a sorted set through random adds, moves and removals, and reads any range of it as a model would', async () => {
      // A seeded generator: the same run every time.
      let seed = 7;
      const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
      const model = new Map<string, number>();
      for (let i = 0; i < 300; i++) {
        const member = `m${random(40).toString().padStart(2, '0')}`;
        if (random(5) === 0) {
          model.delete(member);
          await store.removeFromSorted('model', member);
        } else {
          const score = random(20);
          model.set(member, score);
          await store.addToSorted('model', member, score);
        }
      }
      expect(await store.sortedSize('model')).toBe(model.size);
      const desc = [...model].map(([member, score]) => ({ member, score })).sort((a, b) => b.score - a.score || (a.member < b.member ? 1 : -1));
      for (let i = 0; i < 40; i++) {
        const min = random(20);
        const max = min + random(8);
        const offset = random(6);
        const limit = 1 + random(12);
        const lowestFirst = random(2) === 0;
        const inRange = desc.filter((e) => e.score >= min && e.score <= max);
        const ordered = lowestFirst ? [...inRange].reverse() : inRange;
        expect(await store.rangeByScore('model', { min, max, offset, limit, lowestFirst })).toEqual(ordered.slice(offset, offset + limit));
      }
    });

    it('reads many values at once, in the order asked', async () => {
      await store.set('many-1', 'one');
      await store.set('many-3', 'three');
      expect(await store.getMany(['many-3', 'many-2', 'many-1'])).toEqual(['three', null, 'one']);
      expect(await store.getMany([])).toEqual([]);
    });

    it('answers ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
