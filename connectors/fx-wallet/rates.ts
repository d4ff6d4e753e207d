import { XMLParser } from 'fast-xml-parser';
import type { FxRates } from '../../lib/domain.js';
import { currency, findCurrency } from '../../lib/currency.js';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { crossRate, divideHalfEven, parseDecimal, type Decimal, type Money } from '../../lib/money.js';

/**
 * ECB-style reference rates: parsing eurofxref-daily.xml, and the pure helpers that derive cross rates and
 * convert amounts from them. All exact: rates are `Decimal`s, amounts integer minor units.
 */

/** The base of every ECB rate. */
const BASE = 'EUR';
const ONE: Decimal = { digits: 1n, scale: 0 };
/** Places a derived (inverse or cross) rate is kept to, half to even. */
export const CROSS_RATE_SCALE = 10;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // gesmes:Envelope -> Envelope; the default namespace of the Cubes has no prefix anyway.
  removeNSPrefix: true,
  // Keep "25.120" a string: parsing attribute values would make floats of rates.
  parseAttributeValue: false,
  parseTagValue: false,
  processEntities: false,
  isArray: (name) => name === 'Cube',
});

function child(node: unknown, key: string): unknown {
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
}

function firstCube(node: unknown, what: string): unknown {
  const cubes = child(node, 'Cube');
  if (!Array.isArray(cubes) || cubes.length === 0) throw new Error(`no ${what} Cube`);
  return cubes[0];
}

/**
 * Parses the ECB's eurofxref-daily.xml: `<Cube><Cube time=".."><Cube currency="USD" rate="1.0842"/>...`.
 * Throws an Error saying what is wrong on anything else; the connector turns it into UPSTREAM_BAD_RESPONSE.
 * The map holds what the ECB publishes: units of X per 1 EUR, without an EUR entry.
 */
export function parseEcbRates(xml: string): FxRates {
  let doc: unknown;
  try {
    doc = parser.parse(xml, true);
  } catch (err) {
    throw new Error(`not well-formed XML: ${err instanceof Error ? err.message : String(err)}`);
  }
  const envelope = child(doc, 'Envelope');
  if (envelope === undefined) throw new Error('no gesmes:Envelope');
  const day = firstCube(firstCube(envelope, 'outer'), 'dated');
  const asOf = child(day, '@_time');
  if (typeof asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error('the rates carry no date');
  const entries = child(day, 'Cube');
  if (!Array.isArray(entries) || entries.length === 0) throw new Error('the rates are empty');

  const rates = new Map<string, Decimal>();
  for (const entry of entries) {
    const code = child(entry, '@_currency');
    const text = child(entry, '@_rate');
    if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code)) throw new Error(`bad currency ${String(code)}`);
    if (typeof text !== 'string') throw new Error(`no rate for ${code}`);
    if (code === BASE) throw new Error('an EUR entry in EUR-based rates');
    if (rates.has(code)) throw new Error(`two rates for ${code}`);
    const rate = parseDecimal(text);
    if (rate.digits <= 0n) throw new Error(`a rate of ${text} for ${code}`);
    rates.set(code, rate);
  }
  return { base: BASE, asOf, rates };
}

function unknownCurrency(code: string): BankError {
  return new BankError(ErrorCode.BAD_USER_INPUT, `There is no reference rate for the currency "${code}".`, {
    extensions: { currency: code },
  });
}

/** Units of `code` per 1 EUR (1 for EUR itself); BAD_USER_INPUT naming the currency when there is none. */
function baseRate(rates: FxRates, code: string): Decimal {
  if (code === BASE) return ONE;
  const found = rates.rates.get(code);
  if (!found) throw unknownCurrency(code);
  return found;
}

/**
 * Units of `to` per one unit of `from`, from EUR-based reference rates: EUR->X is the published rate as is,
 * X->EUR its inverse and X->Y goes through EUR (rate[Y] / rate[X]); derived rates are kept to 10 places, half to even.
 * An unknown currency is a BankError BAD_USER_INPUT naming it.
 */
export function rate(rates: FxRates, from: string, to: string): Decimal {
  const f = from.trim().toUpperCase();
  const t = to.trim().toUpperCase();
  const fromRate = baseRate(rates, f);
  const toRate = baseRate(rates, t);
  if (f === t) return ONE;
  if (f === BASE) return toRate;
  return crossRate(fromRate, toRate, CROSS_RATE_SCALE);
}

/**
 * What these pockets are worth together in `to`, rounded once: each pocket is converted at the exact ratio of its
 * reference rates (EUR->X: rate[X]; X->EUR: 1 / rate[X]; X->Y: rate[Y] / rate[X]), the exact fractions are summed,
 * and only the sum is rounded, half to even, to `to`'s minor units. Rounding each pocket (or each derived rate)
 * first would let the errors of many pockets add up to a cent or more.
 */
export function convertTotal(pockets: readonly Money[], to: string, rates: FxRates): Money {
  const code = to.trim().toUpperCase();
  const target = findCurrency(code);
  if (!target) throw unknownCurrency(code);
  const toRate = baseRate(rates, code);
  // The running sum as numerator / denominator, both integers: minor units of `to`, exactly.
  let numerator = 0n;
  let denominator = 1n;
  for (const pocket of pockets) {
    const from = currency(pocket.currency);
    const fromRate = baseRate(rates, from.code);
    // minor_to = minor_from * 10^(to.exp - from.exp) * (toRate.digits / 10^toRate.scale) / (fromRate.digits / 10^fromRate.scale)
    let n = pocket.minor * toRate.digits * 10n ** BigInt(fromRate.scale);
    let d = fromRate.digits * 10n ** BigInt(toRate.scale);
    const shift = target.exponent - from.exponent;
    if (shift >= 0) n *= 10n ** BigInt(shift);
    else d *= 10n ** BigInt(-shift);
    if (d === denominator) {
      numerator += n;
    } else {
      numerator = numerator * d + n * denominator;
      denominator *= d;
    }
  }
  return { minor: divideHalfEven(numerator, denominator), currency: code };
}
