import { parseDec, type Dec } from './decimal.js';

/**
 * The FX wallet's sandbox data, deterministic and built from the shared customer list (legacy/SANDBOX.md).
 * Our customer id ("cust-0001") is the wallet's `owner_id`.
 */

export const CUSTOMER_COUNT = 24;

/** Customers without a wallet (SANDBOX.md: cust-0009 has none). */
const NO_WALLET = new Set(['cust-0009']);

/** Balances as the dialect keeps them: decimal strings, always four decimal places. */
export interface SeedPocket {
  readonly ccy: string;
  readonly bal: string;
}

export interface SeedWallet {
  readonly walletId: string;
  readonly ownerId: string;
  readonly pockets: readonly SeedPocket[];
}

function pad(n: number): string {
  return String(n).padStart(4, '0');
}

/** Customer N: `wal_00NN` with an EUR pocket of 100.00 * N; cust-0001 holds four currencies. */
export function seedWallets(): SeedWallet[] {
  const out: SeedWallet[] = [];
  for (let n = 1; n <= CUSTOMER_COUNT; n++) {
    const ownerId = `cust-${pad(n)}`;
    if (NO_WALLET.has(ownerId)) continue;
    const pockets: SeedPocket[] =
      n === 1
        ? [
            { ccy: 'EUR', bal: '1500.0000' },
            { ccy: 'USD', bal: '820.5000' },
            { ccy: 'GBP', bal: '240.0000' },
            { ccy: 'JPY', bal: '12000.0000' },
          ]
        : [{ ccy: 'EUR', bal: `${100 * n}.0000` }];
    out.push({ walletId: `wal_${pad(n)}`, ownerId, pockets });
  }
  // The bank's own treasury wallet: cross-currency payments are converted through it (sell the customer's currency,
  // buy the beneficiary's). Deep pockets in every traded currency.
  out.push({
    walletId: TREASURY_WALLET_ID,
    ownerId: 'bank-treasury',
    pockets: ['EUR', ...REFERENCE_RATES.map(([ccy]) => ccy)].map((ccy) => ({ ccy, bal: '100000000.0000' })),
  });
  return out;
}

/** The bank's treasury wallet (owner `bank-treasury`), see seedWallets. */
export const TREASURY_WALLET_ID = 'wal_treasury';

/** The day of the ECB-style reference rates. */
export const RATES_DATE = '2026-11-20';

/** Units of each currency per 1 EUR, as published (strings: "25.120" keeps its trailing zero, as the ECB does). */
export const REFERENCE_RATES: ReadonlyArray<readonly [string, string]> = [
  ['USD', '1.0842'],
  ['JPY', '162.35'],
  ['GBP', '0.8531'],
  ['CHF', '0.9427'],
  ['SEK', '11.2350'],
  ['NOK', '11.6540'],
  ['DKK', '7.4590'],
  ['PLN', '4.3120'],
  ['CZK', '25.120'],
  ['HUF', '395.40'],
  ['CAD', '1.4890'],
  ['AUD', '1.6420'],
  ['SGD', '1.4560'],
  ['HKD', '8.4350'],
  ['INR', '90.125'],
  // The rest of the ECB's 30 currencies, so the feed has the real one's full set (values of the ECB's 2025-10-21 feed).
  ['BGN', '1.9558'],
  ['RON', '5.0838'],
  ['ISK', '141.60'],
  ['TRY', '48.7114'],
  ['BRL', '6.2526'],
  ['CNY', '8.2626'],
  ['IDR', '19272.67'],
  ['ILS', '3.8174'],
  ['KRW', '1660.38'],
  ['MXN', '21.4006'],
  ['MYR', '4.9086'],
  ['NZD', '2.0287'],
  ['PHP', '67.761'],
  ['THB', '38.071'],
  ['ZAR', '20.1148'],
];

/** ISO 4217 currencies without minor units among the published ones; every other has two. */
const NO_MINOR_UNITS: ReadonlySet<string> = new Set(['JPY', 'ISK', 'KRW']);

/** Decimal places of each currency the wallet trades (ISO 4217 minor units): EUR plus every published rate. */
export const CURRENCY_DIGITS: ReadonlyMap<string, number> = new Map([
  ['EUR', 2],
  ...REFERENCE_RATES.map(([ccy]): [string, number] => [ccy, NO_MINOR_UNITS.has(ccy) ? 0 : 2]),
]);

/** Decimal places of a currency the wallet trades. */
export function digitsOf(ccy: string): number {
  const d = CURRENCY_DIGITS.get(ccy);
  if (d === undefined) throw new Error(`unknown currency ${ccy}`);
  return d;
}

/** Units of `ccy` per 1 EUR. */
export function eurRate(ccy: string): Dec {
  if (ccy === 'EUR') return { digits: 1n, scale: 0 };
  const found = REFERENCE_RATES.find(([c]) => c === ccy);
  const parsed = found ? parseDec(found[1]) : null;
  if (!parsed) throw new Error(`no reference rate for ${ccy}`);
  return parsed;
}

/** The reference rates exactly as the ECB publishes eurofxref-daily.xml (EUR base; no EUR entry, no cross rates). */
export function eurofxrefXml(): string {
  const cubes = REFERENCE_RATES.map(([ccy, rate]) => `\t\t\t<Cube currency="${ccy}" rate="${rate}"/>`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">',
    '\t<gesmes:subject>Reference rates</gesmes:subject>',
    '\t<gesmes:Sender>',
    '\t\t<gesmes:name>European Central Bank</gesmes:name>',
    '\t</gesmes:Sender>',
    '\t<Cube>',
    `\t\t<Cube time="${RATES_DATE}">`,
    cubes,
    '\t\t</Cube>',
    '\t</Cube>',
    '</gesmes:Envelope>',
    '',
  ].join('\n');
}
