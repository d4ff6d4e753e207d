import { WATCHLIST, type WatchlistName } from './data.js';

/**
 * Sanctions screening against the sandbox lists. Names are compared after normalising: Unicode decomposition with
 * the diacritics dropped ("Jürgen" = "Jurgen"), lower case, punctuation as spaces. Scores:
 *   1.00  the same words in the same order
 *   0.95  the same words in another order ("Sanctioned, Ivan")
 *   0.85  every word of the listed name appears in the screened name ("Ivan Petrov Sanctioned", "Acme Shell Holdings Ltd")
 * Any of these is a potential match; anything less is none. Country and date of birth do not change the result.
 */

export interface WatchlistMatch {
  readonly list: WatchlistName;
  readonly name: string;
  readonly score: number;
}

export function normaliseName(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter((w) => w !== '');
}

function scoreOf(screened: readonly string[], listed: readonly string[]): number {
  if (screened.length === 0 || listed.length === 0) return 0;
  if (screened.join(' ') === listed.join(' ')) return 1;
  const sortedA = [...screened].sort().join(' ');
  const sortedB = [...listed].sort().join(' ');
  if (sortedA === sortedB) return 0.95;
  const words = new Set(screened);
  if (listed.every((w) => words.has(w))) return 0.85;
  return 0;
}

export function screen(fullName: string): WatchlistMatch[] {
  const screened = normaliseName(fullName);
  const matches: WatchlistMatch[] = [];
  for (const entry of WATCHLIST) {
    const score = scoreOf(screened, normaliseName(entry.name));
    if (score > 0) matches.push({ list: entry.list, name: entry.name, score });
  }
  return matches.sort((a, b) => b.score - a.score);
}
