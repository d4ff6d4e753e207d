/**
 * ISO 4217 currencies the bank deals in: alphabetic code, numeric code (card processors speak it) and the
 * number of minor-unit digits (exponent). An unknown currency is an error, never a guess: guessing the exponent of
 * a currency is how 1.000 KWD becomes 10.00.
 */
export interface CurrencyInfo {
  readonly code: string;
  readonly numeric: string;
  readonly exponent: number;
}

const TABLE: readonly CurrencyInfo[] = [
  // The euro, and every currency of the ECB's daily reference rates (eurofxref-daily.xml, 30 currencies), with
  // ISO 4217's numeric codes and minor units (ISO 4217 amendment list; ISK, JPY and KRW have none).
  { code: 'EUR', numeric: '978', exponent: 2 },
  { code: 'USD', numeric: '840', exponent: 2 },
  { code: 'JPY', numeric: '392', exponent: 0 },
  { code: 'BGN', numeric: '975', exponent: 2 },
  { code: 'CZK', numeric: '203', exponent: 2 },
  { code: 'DKK', numeric: '208', exponent: 2 },
  { code: 'GBP', numeric: '826', exponent: 2 },
  { code: 'HUF', numeric: '348', exponent: 2 },
  { code: 'PLN', numeric: '985', exponent: 2 },
  { code: 'RON', numeric: '946', exponent: 2 },
  { code: 'SEK', numeric: '752', exponent: 2 },
  { code: 'CHF', numeric: '756', exponent: 2 },
  { code: 'ISK', numeric: '352', exponent: 0 },
  { code: 'NOK', numeric: '578', exponent: 2 },
  { code: 'TRY', numeric: '949', exponent: 2 },
  { code: 'AUD', numeric: '036', exponent: 2 },
  { code: 'BRL', numeric: '986', exponent: 2 },
  { code: 'CAD', numeric: '124', exponent: 2 },
  { code: 'CNY', numeric: '156', exponent: 2 },
  { code: 'HKD', numeric: '344', exponent: 2 },
  { code: 'IDR', numeric: '360', exponent: 2 },
  { code: 'ILS', numeric: '376', exponent: 2 },
  { code: 'INR', numeric: '356', exponent: 2 },
  { code: 'KRW', numeric: '410', exponent: 0 },
  { code: 'MXN', numeric: '484', exponent: 2 },
  { code: 'MYR', numeric: '458', exponent: 2 },
  { code: 'NZD', numeric: '554', exponent: 2 },
  { code: 'PHP', numeric: '608', exponent: 2 },
  { code: 'SGD', numeric: '702', exponent: 2 },
  { code: 'THB', numeric: '764', exponent: 2 },
  { code: 'ZAR', numeric: '710', exponent: 2 },
  // Three-decimal currencies the bank's correspondents pay in (no ECB reference rate: a conversion into them is
  // refused with "no reference rate", never guessed).
  { code: 'KWD', numeric: '414', exponent: 3 },
  { code: 'BHD', numeric: '048', exponent: 3 },
];

const BY_CODE = new Map(TABLE.map((c) => [c.code, c]));
const BY_NUMERIC = new Map(TABLE.map((c) => [c.numeric, c]));

/** The currency with this alphabetic code, or undefined. */
export function findCurrency(code: string): CurrencyInfo | undefined {
  return BY_CODE.get(code.toUpperCase());
}

/** The currency with this alphabetic code; throws a RangeError naming the code otherwise. */
export function currency(code: string): CurrencyInfo {
  const info = findCurrency(code);
  if (!info) throw new RangeError(`unknown currency: expected an ISO 4217 code such as EUR, got "${code}"`);
  return info;
}

/** The currency with this ISO 4217 numeric code ("978" for EUR); throws a RangeError otherwise. */
export function currencyByNumeric(numeric: string): CurrencyInfo {
  const info = BY_NUMERIC.get(numeric.padStart(3, '0'));
  if (!info) throw new RangeError(`unknown ISO 4217 numeric currency code "${numeric}"`);
  return info;
}

/** True for a supported ISO 4217 code; case-insensitive like findCurrency. */
export function isCurrencyCode(code: string): boolean {
  return BY_CODE.has(code.toUpperCase());
}

export const SUPPORTED_CURRENCIES: readonly string[] = TABLE.map((c) => c.code);
