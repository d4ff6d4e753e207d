import type { ScoredMember } from './types.js';

/**
 * The memory store's sorted set: members in one array ordered as Redis orders them (score, then member), with a map
 * of scores beside it, so a range is a binary search and a slice (O(log n + k)), as ZRANGEBYSCORE is, not a sort of
 * the whole set; adding or moving a member is a binary search and a splice.
 */
export class SortedSet {
  private readonly scores = new Map<string, number>();
  /** Ascending by score, ties by member (code unit order, as Redis compares bytes for ASCII). */
  private readonly order: ScoredMember[] = [];

  get size(): number {
    return this.scores.size;
  }

  set(member: string, score: number): void {
    const previous = this.scores.get(member);
    if (previous === score) return;
    if (previous !== undefined) this.order.splice(this.insertionPoint(previous, member), 1);
    this.scores.set(member, score);
    this.order.splice(this.insertionPoint(score, member), 0, { member, score });
  }

  delete(member: string): void {
    const score = this.scores.get(member);
    if (score === undefined) return;
    this.order.splice(this.insertionPoint(score, member), 1);
    this.scores.delete(member);
  }

  /** Members scored in [min, max], lowest first or highest first, after `offset` of them, at most `limit`. */
  range(min: number, max: number, lowestFirst: boolean, offset: number, limit: number): ScoredMember[] {
    // First index with score >= min, and first with score > max.
    const from = this.firstAtLeast(min, false);
    const to = this.firstAtLeast(max, true);
    if (to <= from) return [];
    if (lowestFirst) return this.order.slice(from + offset, Math.min(to, from + offset + limit)).map((e) => ({ ...e }));
    const end = to - offset;
    return this.order
      .slice(Math.max(from, end - limit), Math.max(from, end))
      .reverse()
      .map((e) => ({ ...e }));
  }

  private compare(aScore: number, aMember: string, b: ScoredMember): number {
    return aScore - b.score || (aMember < b.member ? -1 : aMember > b.member ? 1 : 0);
  }

  private insertionPoint(score: number, member: string): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compare(score, member, this.order[mid]!) > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first index whose score is >= `score` (or > `score` when `after`). */
  private firstAtLeast(score: number, after: boolean): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.order[mid]!.score;
      if (s < score || (after && s === score)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
