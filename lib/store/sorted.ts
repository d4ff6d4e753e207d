import type { ScoreRange } from './types.js';

/** The most members one rangeByScore returns: a page of an index, never the whole index. */
export const MAX_RANGE_LIMIT = 1000;

/** One or several (WriteOptions.index, WriteOptions.publish) as a list. */
export function asList<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/** The range with its defaults; a RangeError for a limit out of 1..1000 or bounds that are not numbers. */
export function checkRange(range: ScoreRange): { max: number; min: number; limit: number; lowestFirst: boolean; offset: number } {
  const max = range.max ?? Number.POSITIVE_INFINITY;
  const min = range.min ?? Number.NEGATIVE_INFINITY;
  if (Number.isNaN(max) || Number.isNaN(min)) throw new RangeError('rangeByScore: max and min must be numbers');
  if (!Number.isInteger(range.limit) || range.limit < 1 || range.limit > MAX_RANGE_LIMIT) {
    throw new RangeError(`rangeByScore: limit must be an integer from 1 to ${MAX_RANGE_LIMIT}, got ${range.limit}`);
  }
  const offset = range.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`rangeByScore: offset must be a whole number, got ${offset}`);
  return { max, min, limit: range.limit, lowestFirst: range.lowestFirst === true, offset };
}
