import { EventEmitter } from 'node:events';
import { checkBucket, refill } from './token-bucket.js';
import { asList, checkRange } from './sorted.js';
import { SortedSet } from './sorted-set.js';
import type { KeyValueStore, ScoredMember, ScoreRange, SetOptions, TokenBucketResult, WriteOptions } from './types.js';

interface Entry {
  value: string;
  expiresAt: number | null;
}

/**
 * The embedded default: one process's memory. Lost on restart; not shared between processes. Its clock is the
 * process's (the only clock there is); its sorted sets are ordered arrays read by binary search (sorted-set.ts); its
 * pub/sub an EventEmitter.
 */
export class MemoryStore implements KeyValueStore {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, Entry>();
  private readonly sets = new Map<string, Set<string>>();
  private readonly sorted = new Map<string, SortedSet>();
  private readonly channels = new EventEmitter().setMaxListeners(0);

  async get(key: string): Promise<string | null> {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, options: SetOptions = {}): Promise<void> {
    this.entries.set(key, { value, expiresAt: expiry(options) });
  }

  async setIfAbsent(key: string, value: string, options: WriteOptions = {}): Promise<boolean> {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: expiry(options) });
    this.afterWrite(options);
    return true;
  }

  async compareAndSet(key: string, expected: string, next: string, options: WriteOptions = {}): Promise<boolean> {
    const entry = this.live(key);
    if (!entry || entry.value !== expected) return false;
    this.entries.set(key, { value: next, expiresAt: options.ttlMs !== undefined ? expiry(options) : entry.expiresAt });
    this.afterWrite(options);
    return true;
  }

  async getWithTime(key: string): Promise<{ value: string | null; now: number }> {
    return { value: this.live(key)?.value ?? null, now: Date.now() };
  }

  async dueMembers(key: string, limit: number): Promise<string[]> {
    return (this.sorted.get(key)?.range(Number.NEGATIVE_INFINITY, Date.now(), true, 0, limit) ?? []).map((e) => e.member);
  }

  async removeFromSorted(key: string, member: string): Promise<void> {
    const set = this.sorted.get(key);
    set?.delete(member);
    if (set?.size === 0) this.sorted.delete(key);
  }

  async rangeByScore(key: string, range: ScoreRange): Promise<ScoredMember[]> {
    const { max, min, limit, lowestFirst, offset } = checkRange(range);
    return this.sorted.get(key)?.range(min, max, lowestFirst, offset, limit) ?? [];
  }

  async addToSorted(key: string, member: string, score: number): Promise<void> {
    this.sortedSet(key).set(member, score);
  }

  async scanKeys(prefix: string, onBatch: (keys: string[]) => Promise<void>): Promise<void> {
    const keys = [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.live(key));
    for (let i = 0; i < keys.length; i += 500) await onBatch(keys.slice(i, i + 500));
  }

  async sortedSize(key: string): Promise<number> {
    return this.sorted.get(key)?.size ?? 0;
  }

  async getMany(keys: readonly string[]): Promise<(string | null)[]> {
    return keys.map((key) => this.live(key)?.value ?? null);
  }

  async subscribe(channel: string, onMessage: (message: string) => void): Promise<() => Promise<void>> {
    this.channels.on(channel, onMessage);
    return async () => {
      this.channels.off(channel, onMessage);
    };
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.entries.delete(key);
    return existed;
  }

  async incrementBy(key: string, by: number, options: SetOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError(`increment must be an integer, got ${by}`);
    const entry = this.live(key);
    if (entry && !/^-?\d+$/.test(entry.value)) throw new TypeError(`value of ${key} is not an integer`);
    const next = (entry ? Number(entry.value) : 0) + by;
    this.entries.set(key, { value: String(next), expiresAt: entry ? entry.expiresAt : expiry(options) });
    return next;
  }

  async takeToken(key: string, capacity: number, refillPerSecond: number): Promise<TokenBucketResult> {
    checkBucket(capacity, refillPerSecond);
    const now = Date.now();
    const [stored, at] = (this.live(key)?.value ?? '').split(' ').map(Number);
    const result = refill(stored ?? NaN, at ?? NaN, now, capacity, refillPerSecond);
    this.entries.set(key, { value: `${result.tokens} ${now}`, expiresAt: now + result.ttlMs });
    return result.decision;
  }

  async addToSet(key: string, member: string): Promise<void> {
    let set = this.sets.get(key);
    if (!set) this.sets.set(key, (set = new Set()));
    set.add(member);
  }

  async removeFromSet(key: string, member: string): Promise<void> {
    const set = this.sets.get(key);
    set?.delete(member);
    if (set?.size === 0) this.sets.delete(key);
  }

  async setMembers(key: string): Promise<string[]> {
    return [...(this.sets.get(key) ?? [])];
  }

  async ttlMs(key: string): Promise<number | null> {
    const entry = this.live(key);
    return entry?.expiresAt != null ? Math.max(0, entry.expiresAt - Date.now()) : null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.sets.clear();
    this.sorted.clear();
    this.channels.removeAllListeners();
  }

  /** The index and the message of a write, in the same synchronous step as the value (nothing runs in between). */
  private afterWrite(options: WriteOptions): void {
    for (const index of asList(options.index)) {
      if (index.score === null) void this.removeFromSorted(index.key, index.member);
      else this.sortedSet(index.key).set(index.member, index.score);
    }
    for (const { channel, message } of asList(options.publish)) {
      // Listeners hear of it after the write has returned, as from Redis: a listener that reads sees the new value.
      queueMicrotask(() => this.channels.emit(channel, message));
    }
  }

  private sortedSet(key: string): SortedSet {
    let set = this.sorted.get(key);
    if (!set) this.sorted.set(key, (set = new SortedSet()));
    return set;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}

function expiry(options: SetOptions): number | null {
  return options.ttlMs !== undefined ? Date.now() + options.ttlMs : null;
}
