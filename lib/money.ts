import { currency } from './currency.js';

/**
 * Money inside bankgraph: an integer count of minor units (cents, pence, yen) and an ISO 4217 code.
 * Never a float. At the graph it is shown as an exact decimal string (`toDecimalString`).
 */
export interface Money {
  readonly minor: bigint;
  readonly currency: string;
}

/** A decimal number held exactly: `digits` * 10^-`scale`. Used for FX rates and legacy decimal strings. */
export interface Decimal {
  readonly digits: bigint;
  readonly scale: number;
}

const DECIMAL_RE = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Parse a plain decimal string ("1234.5", "-0.01", "7") exactly. Throws on anything else (no exponents, no commas). */
export function parseDecimal(text: string): Decimal {
  const m = DECIMAL_RE.exec(text.trim());
  if (!m) throw new RangeError(`expected a plain decimal number such as "12.34", got "${text}"`);
  const [, sign, whole, frac = ''] = m;
  const digits = BigInt(`${whole}${frac}`) * (sign === '-' ? -1n : 1n);
  return { digits, scale: frac.length };
}

/**
 * Money from a decimal string in major units ("12.34" EUR -> 1234 minor). Refuses more fractional digits than the
 * currency has, unless they are zeros ("12.3400" is fine): rounding money silently is a defect.
 */
export function moneyFromDecimalString(text: string, currencyCode: string): Money {
  const { exponent, code } = currency(currencyCode);
  const d = parseDecimal(text);
  return { minor: rescaleExact(d, exponent, `${text} ${code}`), currency: code };
}

/**
 * The grammar of an amount a client sends (the schema's `MoneyInput.amount`, `sellAmount`): digits, optionally a point
 * and more digits; no sign, spaces, exponent, thousands separator, or leading zero before another digit ("0.50" yes,
 * "00.50", " 1.00 ", "+1.00", "1e2", "1." and ".5" no). Stricter than parseDecimal, which reads legacy systems.
 */
export const CLIENT_AMOUNT_GRAMMAR = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** moneyFromDecimalString for a client's amount: refuses anything outside CLIENT_AMOUNT_GRAMMAR (RangeError). */
export function moneyFromClientAmount(text: string, currencyCode: string): Money {
  if (!CLIENT_AMOUNT_GRAMMAR.test(text)) {
    throw new RangeError(`expected digits with an optional decimal point, such as "100.00" (no sign, spaces or exponent), got "${text}"`);
  }
  return moneyFromDecimalString(text, currencyCode);
}

/**
 * Money from a legacy float in major units (core banking sends 1234.56). The float's shortest round-trip decimal
 * form is what the legacy system meant; it is parsed exactly, so 0.1 + 0.2 style noise never creeps in.
 */
export function moneyFromMajorFloat(value: number, currencyCode: string): Money {
  if (!Number.isFinite(value)) throw new RangeError(`expected a finite amount, got ${value}`);
  // A double holds 15 significant decimal digits for sure (beyond that, String() gives the nearest double's shortest
  // form, which need not be the amount meant: 70368744177664.01 comes back as 70368744177664.02). With the currency's
  // decimals, that leaves 15 - exponent digits before the point: anything larger is refused, not guessed at.
  const { exponent, code } = currency(currencyCode);
  const limit = 10 ** (15 - exponent);
  if (Math.abs(value) >= limit) {
    throw new RangeError(`amount ${value} ${code} is too large to be exact as a float (at most ${15 - exponent} digits before the point); refusing to guess`);
  }
  // String() is the shortest decimal that round-trips. Below 1e-6 it switches to exponent form ("1e-8"); such an
  // amount is smaller than any currency's minor unit, so it is refused rather than rounded to zero.
  const text = String(value);
  if (/e/i.test(text)) {
    throw new RangeError(`amount ${text} ${currencyCode} has more decimal places than the currency allows`);
  }
  return moneyFromDecimalString(text, currencyCode);
}

/** Money from integer minor units as a number (card processors) or bigint. */
export function moneyFromMinor(minor: number | bigint | string, currencyCode: string): Money {
  if (
    (typeof minor === 'number' && !Number.isSafeInteger(minor)) ||
    (typeof minor === 'string' && !/^-?\d+$/.test(minor))
  ) {
    throw new RangeError(`expected an integer count of minor units, got ${minor}`);
  }
  return { minor: BigInt(minor), currency: currency(currencyCode).code };
}

/** The exact decimal string of an amount in major units: 1234n EUR -> "12.34", 5n JPY -> "5", -5n EUR -> "-0.05". */
export function toDecimalString(money: Money): string {
  return formatDecimal({ digits: money.minor, scale: currency(money.currency).exponent });
}

export function formatDecimal(d: Decimal): string {
  const negative = d.digits < 0n;
  const abs = (negative ? -d.digits : d.digits).toString();
  if (d.scale === 0) return `${negative ? '-' : ''}${abs}`;
  const padded = abs.padStart(d.scale + 1, '0');
  const whole = padded.slice(0, padded.length - d.scale);
  const frac = padded.slice(padded.length - d.scale);
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} to ${b.currency}`);
  return { minor: a.minor + b.minor, currency: a.currency };
}

export function zero(currencyCode: string): Money {
  return { minor: 0n, currency: currency(currencyCode).code };
}

/**
 * Convert money at an exact rate (units of `to` per one unit of `from`), rounding half to even once, at the end.
 * Rounding once avoids the drift of converting through intermediate rounded amounts.
 */
export function convertMoney(money: Money, rate: Decimal, toCurrency: string): Money {
  const from = currency(money.currency);
  const to = currency(toCurrency);
  // minor_to = minor_from * rate * 10^(to.exp - from.exp)
  let numerator = money.minor * rate.digits;
  let denominator = 10n ** BigInt(rate.scale);
  const shift = to.exponent - from.exponent;
  if (shift >= 0) numerator *= 10n ** BigInt(shift);
  else denominator *= 10n ** BigInt(-shift);
  return { minor: divideHalfEven(numerator, denominator), currency: to.code };
}

/**
 * An exact cross rate from two rates against a common base (ECB publishes units of X per 1 EUR):
 * units of `to` per `from` = rate[to] / rate[from], kept to `scale` decimal places, half to even.
 */
export function crossRate(baseToFrom: Decimal, baseToTo: Decimal, scale = 10): Decimal {
  if (baseToFrom.digits === 0n) throw new RangeError('cannot derive a cross rate from a zero rate');
  // (to.digits / 10^to.scale) / (from.digits / 10^from.scale) * 10^scale
  const numerator = baseToTo.digits * 10n ** BigInt(baseToFrom.scale + scale);
  const denominator = baseToFrom.digits * 10n ** BigInt(baseToTo.scale);
  return { digits: divideHalfEven(numerator, denominator), scale };
}

/** Integer division rounding half to even (banker's rounding), for any signs. */
export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator === 0n) throw new RangeError('division by zero');
  if (denominator < 0n) {
    numerator = -numerator;
    denominator = -denominator;
  }
  const q = numerator / denominator; // truncates toward zero
  const r = numerator % denominator;
  if (r === 0n) return q;
  const twice = (r < 0n ? -r : r) * 2n;
  const away = numerator < 0n ? q - 1n : q + 1n;
  if (twice > denominator) return away;
  if (twice < denominator) return q;
  return q % 2n === 0n ? q : away;
}

function rescaleExact(d: Decimal, exponent: number, what: string): bigint {
  if (d.scale <= exponent) return d.digits * 10n ** BigInt(exponent - d.scale);
  const factor = 10n ** BigInt(d.scale - exponent);
  if (d.digits % factor !== 0n) {
    throw new RangeError(`amount ${what} has more decimal places than the currency allows (${exponent})`);
  }
  return d.digits / factor;
}

/** Resolvers of the graph's `Money` type, whose parent is a `Money` value: the same in every subgraph that has it. */
export const MoneyFieldResolvers = {
  amount: (m: Money): string => toDecimalString(m),
  currency: (m: Money): string => m.currency,
};
