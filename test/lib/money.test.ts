import { describe, expect, it } from 'vitest';
import {
  addMoney,
  convertMoney,
  crossRate,
  divideHalfEven,
  formatDecimal,
  moneyFromClientAmount,
  moneyFromDecimalString,
  moneyFromMajorFloat,
  moneyFromMinor,
  parseDecimal,
  toDecimalString,
  type Decimal,
} from '../../lib/money.js';

const dec = (digits: bigint, scale: number): Decimal => ({ digits, scale });

describe('parseDecimal', () => {
  it('reads plain decimals exactly', () => {
    expect(parseDecimal('1234.5')).toEqual(dec(12345n, 1));
    expect(parseDecimal('-0.01')).toEqual(dec(-1n, 2));
    expect(parseDecimal('+7')).toEqual(dec(7n, 0));
    expect(parseDecimal('25.120')).toEqual(dec(25120n, 3)); // trailing zeros kept: the scale is what was sent
    expect(parseDecimal(' 12.30 ')).toEqual(dec(1230n, 2));
    expect(parseDecimal('123456789012345678901234567890.123456789')).toEqual(dec(123456789012345678901234567890123456789n, 9));
  });

  it('refuses anything else', () => {
    for (const text of ['', '1e5', '1,000.00', '.5', '5.', 'abc', '--1', '1.2.3', 'NaN', 'Infinity', '0x10']) {
      expect(() => parseDecimal(text), text).toThrow(RangeError);
    }
  });
});

describe('moneyFromDecimalString', () => {
  it('accepts trailing zeros beyond the exponent and refuses real extra digits', () => {
    expect(moneyFromDecimalString('1500.0000', 'EUR')).toEqual({ minor: 150000n, currency: 'EUR' });
    expect(moneyFromDecimalString('12000.0000', 'JPY')).toEqual({ minor: 12000n, currency: 'JPY' });
    expect(moneyFromDecimalString('1.5', 'kwd')).toEqual({ minor: 1500n, currency: 'KWD' });
    expect(moneyFromDecimalString('-12.3400', 'EUR')).toEqual({ minor: -1234n, currency: 'EUR' });
    expect(() => moneyFromDecimalString('12.345', 'EUR')).toThrow(/more decimal places/);
    expect(() => moneyFromDecimalString('1.5', 'JPY')).toThrow(RangeError);
    expect(() => moneyFromDecimalString('1.00', 'XYZ')).toThrow(/XYZ/);
  });
});

describe('moneyFromClientAmount (the grammar of MoneyInput.amount)', () => {
  it('accepts digits with an optional point and fraction', () => {
    expect(moneyFromClientAmount('100.00', 'EUR')).toEqual({ minor: 10000n, currency: 'EUR' });
    expect(moneyFromClientAmount('0.50', 'EUR')).toEqual({ minor: 50n, currency: 'EUR' });
    expect(moneyFromClientAmount('7', 'JPY')).toEqual({ minor: 7n, currency: 'JPY' });
  });
  it('refuses spaces, signs, exponents, leading zeros, bare points and separators', () => {
    for (const text of [' 1.00 ', '1.00 ', '+1.00', '-1.00', '1e2', '01.00', '00', '1.', '.5', '1,00', '1_000', '', '１.00']) {
      expect(() => moneyFromClientAmount(text, 'EUR'), JSON.stringify(text)).toThrow(RangeError);
    }
  });
  it('still refuses more decimals than the currency has', () => {
    expect(() => moneyFromClientAmount('1.001', 'EUR')).toThrow(RangeError);
  });
});

describe('moneyFromMajorFloat', () => {
  it('reads the float the legacy system meant', () => {
    expect(moneyFromMajorFloat(2450.75, 'EUR')).toEqual({ minor: 245075n, currency: 'EUR' });
    expect(moneyFromMajorFloat(100.5, 'EUR').minor).toBe(10050n);
    expect(moneyFromMajorFloat(-20.25, 'EUR').minor).toBe(-2025n);
    expect(moneyFromMajorFloat(0, 'EUR').minor).toBe(0n);
    expect(moneyFromMajorFloat(12000, 'JPY').minor).toBe(12000n);
    expect(moneyFromMajorFloat(1.005, 'KWD').minor).toBe(1005n);
  });

  it('is not fooled by binary noise: 0.07 is 7 cents, though 0.07 * 100 is 7.000000000000001 in floats', () => {
    expect(0.07 * 100).not.toBe(7);
    expect(moneyFromMajorFloat(0.07, 'EUR').minor).toBe(7n);
    expect(moneyFromMajorFloat(0.3, 'EUR').minor).toBe(30n);
    expect(moneyFromMajorFloat(1234.56, 'EUR').minor).toBe(123456n);
  });

  it('refuses a float that is not a whole number of minor units instead of rounding it', () => {
    // 0.1 + 0.2 is the float 0.30000000000000004: not an amount anyone sent, so it is refused, never rounded.
    expect(() => moneyFromMajorFloat(0.1 + 0.2, 'EUR')).toThrow(/more decimal places/);
    expect(() => moneyFromMajorFloat(1.1 + 2.2, 'EUR')).toThrow(RangeError);
    expect(() => moneyFromMajorFloat(1.005, 'EUR')).toThrow(/more decimal places/);
    expect(() => moneyFromMajorFloat(0.5, 'JPY')).toThrow(RangeError);
    expect(() => moneyFromMajorFloat(Number.NaN, 'EUR')).toThrow(RangeError);
    expect(() => moneyFromMajorFloat(Number.POSITIVE_INFINITY, 'EUR')).toThrow(RangeError);
    expect(() => moneyFromMajorFloat(5e-7, 'EUR')).toThrow(RangeError);
  });

  // An amount smaller than a minor unit (String() gives "1e-8") is refused, never rounded to zero.
  it('refuses a tiny float instead of rounding it to zero, and a float too large to be exact', () => {
    expect(() => moneyFromMajorFloat(1e-8, 'EUR')).toThrow(RangeError);
    expect(() => moneyFromMajorFloat(5e-7, 'EUR')).toThrow(/decimal places/);
    expect(() => moneyFromMajorFloat(9007199254740993, 'EUR')).toThrow(/too large/);
    expect(() => moneyFromMinor('12.5', 'EUR')).toThrow(RangeError);
  });

  // Below 2^53 yet beyond 15 significant digits, String() answers the nearest double, not the amount sent.
  it('refuses an amount with more significant digits than a float keeps (15 less the currency decimals before the point)', () => {
    expect(String(70368744177664.01)).toBe('70368744177664.02'); // what a guess would book
    expect(() => moneyFromMajorFloat(70368744177664.01, 'EUR')).toThrow(/too large/);
    expect(() => moneyFromMajorFloat(-70368744177664.01, 'EUR')).toThrow(/too large/);
    expect(() => moneyFromMajorFloat(1e13, 'EUR')).toThrow(/too large/);
    expect(moneyFromMajorFloat(9999999999999.99, 'EUR').minor).toBe(999999999999999n);
    expect(() => moneyFromMajorFloat(1e15, 'JPY')).toThrow(/too large/);
    expect(moneyFromMajorFloat(999999999999999, 'JPY').minor).toBe(999999999999999n);
    expect(() => moneyFromMajorFloat(1e12, 'KWD')).toThrow(/too large/);
  });
});

describe('moneyFromMinor and addMoney', () => {
  it('keep integer minor units', () => {
    expect(moneyFromMinor(250000, 'eur')).toEqual({ minor: 250000n, currency: 'EUR' });
    expect(moneyFromMinor('12', 'JPY')).toEqual({ minor: 12n, currency: 'JPY' });
    expect(() => moneyFromMinor(1.5, 'EUR')).toThrow(RangeError);
    expect(addMoney({ minor: 5n, currency: 'EUR' }, { minor: -7n, currency: 'EUR' })).toEqual({ minor: -2n, currency: 'EUR' });
    expect(() => addMoney({ minor: 5n, currency: 'EUR' }, { minor: 5n, currency: 'USD' })).toThrow(RangeError);
  });
});

describe('toDecimalString', () => {
  it('writes exact major units for every exponent and sign', () => {
    const s = (minor: bigint, currency: string) => toDecimalString({ minor, currency });
    expect(s(1234n, 'EUR')).toBe('12.34');
    expect(s(5n, 'EUR')).toBe('0.05');
    expect(s(0n, 'EUR')).toBe('0.00');
    expect(s(-5n, 'EUR')).toBe('-0.05');
    expect(s(-123456n, 'EUR')).toBe('-1234.56');
    expect(s(12000n, 'JPY')).toBe('12000');
    expect(s(-5n, 'JPY')).toBe('-5');
    expect(s(1005n, 'KWD')).toBe('1.005');
    expect(s(5n, 'KWD')).toBe('0.005');
    expect(s(-1n, 'KWD')).toBe('-0.001');
    expect(s(12345678901234567890n, 'EUR')).toBe('123456789012345678.90');
    expect(formatDecimal(dec(12708943852n, 10))).toBe('1.2708943852');
  });
});

describe('convertMoney', () => {
  const eur = (minor: bigint) => ({ minor, currency: 'EUR' });

  it('rounds half to even, once, at the end', () => {
    const half = dec(5n, 1); // 0.5 USD per EUR
    expect(convertMoney(eur(1n), half, 'USD').minor).toBe(0n); // 0.5 -> 0
    expect(convertMoney(eur(3n), half, 'USD').minor).toBe(2n); // 1.5 -> 2
    expect(convertMoney(eur(5n), half, 'USD').minor).toBe(2n); // 2.5 -> 2
    expect(convertMoney(eur(7n), half, 'USD').minor).toBe(4n); // 3.5 -> 4
    expect(convertMoney(eur(-3n), half, 'USD').minor).toBe(-2n); // -1.5 -> -2
    expect(convertMoney(eur(-5n), half, 'USD').minor).toBe(-2n); // -2.5 -> -2
    expect(convertMoney(eur(5n), dec(5000001n, 7), 'USD').minor).toBe(3n); // 2.5000005 -> 3
    expect(convertMoney(eur(5n), dec(4999999n, 7), 'USD').minor).toBe(2n); // 2.4999995 -> 2
  });

  it('shifts between exponents', () => {
    // 12000 JPY * 0.0061595319 = 73.9143828 EUR -> 7391 cents
    expect(convertMoney({ minor: 12000n, currency: 'JPY' }, dec(61595319n, 10), 'EUR')).toEqual({ minor: 7391n, currency: 'EUR' });
    // 1.50 EUR * 163 = 244.5 JPY -> 244 (even); 2.50 EUR * 162.3 = 405.75 JPY -> 406
    expect(convertMoney(eur(150n), dec(163n, 0), 'JPY').minor).toBe(244n);
    expect(convertMoney(eur(250n), dec(16230n, 2), 'JPY').minor).toBe(406n);
    // 1.00 EUR * 0.3333 = 0.3333 KWD -> 0.333 (333 fils)
    expect(convertMoney(eur(100n), dec(3333n, 4), 'KWD')).toEqual({ minor: 333n, currency: 'KWD' });
    expect(convertMoney(eur(100n), dec(1n, 0), 'EUR').minor).toBe(100n);
  });
});

describe('crossRate', () => {
  it('divides two EUR-based rates exactly, to 10 places half to even', () => {
    const usd = dec(10842n, 4);
    const gbp = dec(8531n, 4);
    const jpy = dec(16235n, 2);
    const one = dec(1n, 0);
    expect(crossRate(gbp, usd)).toEqual(dec(12708943852n, 10)); // 1.0842 / 0.8531 = 1.27089438518...
    expect(crossRate(gbp, jpy)).toEqual(dec(1903059430313n, 10)); // 162.35 / 0.8531 = 190.30594303129...
    expect(crossRate(usd, one)).toEqual(dec(9223390518n, 10)); // 1 / 1.0842
    expect(crossRate(dec(4n, 0), dec(2n, 0))).toEqual(dec(5000000000n, 10));
    expect(crossRate(gbp, usd, 4)).toEqual(dec(12709n, 4));
    // 1 / 8 = 0.125: a tie at 2 places goes to the even 0.12; 3 / 8 = 0.375 goes to 0.38.
    expect(crossRate(dec(8n, 0), one, 2)).toEqual(dec(12n, 2));
    expect(crossRate(dec(8n, 0), dec(3n, 0), 2)).toEqual(dec(38n, 2));
    expect(() => crossRate(dec(0n, 4), usd)).toThrow(RangeError);
  });
});

describe('divideHalfEven', () => {
  it('rounds ties to even for every sign', () => {
    const cases: [bigint, bigint, bigint][] = [
      [5n, 2n, 2n],
      [7n, 2n, 4n],
      [-5n, 2n, -2n],
      [-7n, 2n, -4n],
      [5n, -2n, -2n],
      [-5n, -2n, 2n],
      [-1n, 2n, 0n],
      [-3n, 2n, -2n],
      [-9n, 2n, -4n],
      [-2n, 3n, -1n],
      [-1n, 3n, 0n],
      [-10n, 5n, -2n],
      [0n, -5n, 0n],
    ];
    for (const [n, d, q] of cases) expect(divideHalfEven(n, d), `${n}/${d}`).toBe(q);
    expect(() => divideHalfEven(1n, 0n)).toThrow(RangeError);
  });

  it('agrees with a reference rounding over small numerators and denominators', () => {
    for (let n = -60; n <= 60; n++) {
      for (let d = -8; d <= 8; d++) {
        if (d === 0) continue;
        // Safe in floats here: a fraction of a denominator up to 8 is a tie exactly or at least 1/16 away from one.
        const x = n / d;
        const f = Math.floor(x);
        const diff = x - f;
        const want = diff < 0.5 ? f : diff > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
        expect(divideHalfEven(BigInt(n), BigInt(d)), `${n}/${d}`).toBe(BigInt(want));
      }
    }
  });
});
