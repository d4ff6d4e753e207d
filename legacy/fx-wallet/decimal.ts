/**
 * The wallet's own small exact decimal arithmetic (simulators import nothing of bankgraph's but ../http.js).
 * A decimal is `digits` * 10^-`scale`.
 */

export interface Dec {
  readonly digits: bigint;
  readonly scale: number;
}

const PLAIN = /^(-)?(\d+)(?:\.(\d+))?$/;

/** A plain decimal string ("12.34"), or null for anything else (exponents, commas, numbers, blanks). */
export function parseDec(text: unknown): Dec | null {
  if (typeof text !== 'string') return null;
  const m = PLAIN.exec(text);
  if (!m) return null;
  const [, sign, whole, frac = ''] = m;
  const digits = BigInt(`${whole}${frac}`);
  return { digits: sign ? -digits : digits, scale: frac.length };
}

/** `digits` at `scale` places, e.g. (150000n, 4) -> "15.0000". */
export function formatDec(digits: bigint, scale: number): string {
  const negative = digits < 0n;
  const abs = (negative ? -digits : digits).toString();
  const sign = negative ? '-' : '';
  if (scale === 0) return `${sign}${abs}`;
  const padded = abs.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Like formatDec, without trailing fractional zeros ("1.0787790000" -> "1.078779"). */
export function formatDecTrimmed(digits: bigint, scale: number): string {
  let d = digits;
  let s = scale;
  while (s > 0 && d % 10n === 0n) {
    d /= 10n;
    s--;
  }
  return formatDec(d, s);
}

/** The digits of `d` at `scale` places, or null when that would drop non-zero digits. */
export function toScale(d: Dec, scale: number): bigint | null {
  if (d.scale <= scale) return d.digits * 10n ** BigInt(scale - d.scale);
  const factor = 10n ** BigInt(d.scale - scale);
  return d.digits % factor === 0n ? d.digits / factor : null;
}

export type Rounding = 'floor' | 'ceil' | 'half-even';

/** n / d rounded as asked; for n >= 0 and d > 0 (the wallet divides only amounts and rates). */
export function divRound(n: bigint, d: bigint, mode: Rounding): bigint {
  if (n < 0n || d <= 0n) throw new RangeError('divRound expects n >= 0 and d > 0');
  const q = n / d;
  const r = n % d;
  if (r === 0n || mode === 'floor') return q;
  if (mode === 'ceil') return q + 1n;
  const twice = r * 2n;
  if (twice > d) return q + 1n;
  if (twice < d) return q;
  return q % 2n === 0n ? q : q + 1n;
}

export const pow10 = (n: number): bigint => 10n ** BigInt(n);
