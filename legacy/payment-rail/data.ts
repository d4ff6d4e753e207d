/**
 * The payment rails' sandbox rules (legacy/SANDBOX.md): which rail carries what, the currencies it knows, the SEPA
 * area, and the sandbox triggers that make a payment fail on purpose. The outside world's dialect: ISO 20022
 * XML (pacs.008 and pacs.028 in, pacs.002 and pacs.004 out), amounts as decimal strings in major units.
 *
 * Sandbox triggers (both rails unless said otherwise):
 *   creditor IBAN DE89370400440532013000   RCVD -> RJCT AC01 (incorrect account number), after settlementDelayMs / 3
 *   creditor IBAN GB33BUKB20201555555555   RCVD -> RJCT AC04 (closed account), after settlementDelayMs / 3
 *   amount ending in ".13" (correspondent) RCVD -> RJCT AM04 (insufficient funds at the intermediary), same timing
 *   amount above the rail's maxAmount      RJCT AM02 at once (recorded: a replay answers the same rejection)
 *   a currency the rail cannot carry, or a creditor country outside SEPA on the instant rail
 *                                          422, a pacs.002 rejecting the message (AM03 / CNOR): not a payment, nothing recorded
 *   POST /__sandbox/{rail}/returns           a settled payment is returned (pacs.004, reason AC04 unless given)
 * Any other well-formed payment settles: RCVD -> ACSP after settlementDelayMs / 3 -> ACSC after settlementDelayMs
 * (on the correspondent rail, after 3 x settlementDelayMs when received after the cut-off or on a weekend).
 *
 * IBANs must pass the ISO 13616 check digits (mod 97). Valid sandbox IBANs that settle normally: SANDBOX_IBANS.
 */

export type RailName = 'instant' | 'correspondent';
export const RAIL_NAMES: readonly RailName[] = ['instant', 'correspondent'];

export interface RailRules {
  readonly rail: RailName;
  /** The currencies the rail carries, or "ANY" ISO 4217 currency. */
  readonly currencies: readonly string[] | 'ANY';
  /** Creditor countries the rail reaches (ISO 3166 alpha-2), or "ANY". */
  readonly countries: readonly string[] | 'ANY';
  /** Largest amount per payment, in major units of the payment's own currency. */
  readonly maxAmount: string;
  /** Whether a payment received after the cut-off (UTC) settles on the next business day. */
  readonly hasCutOff: boolean;
  /** Whether amounts ending in ".13" are refused by the intermediary (AM04). */
  readonly intermediaryTrigger: boolean;
}

/** The SEPA scheme area: EU and EEA countries, Switzerland, the UK, the micro-states and the territories with their own code. */
export const SEPA_COUNTRIES: readonly string[] = [
  'AT', 'BE', 'BG', 'HR', 'CY', 'CZ', 'DK', 'EE', 'FI', 'FR', 'DE', 'GR', 'HU', 'IE', 'IT', 'LV', 'LT', 'LU', 'MT',
  'NL', 'PL', 'PT', 'RO', 'SK', 'SI', 'ES', 'SE', 'IS', 'LI', 'NO', 'CH', 'GB', 'MC', 'SM', 'VA', 'AD', 'GI', 'GG',
  'JE', 'IM', 'AX', 'GF', 'GP', 'MQ', 'RE', 'YT', 'PM', 'BL', 'MF',
];

export const RAILS: Readonly<Record<RailName, RailRules>> = {
  instant: {
    rail: 'instant',
    currencies: ['EUR'],
    countries: SEPA_COUNTRIES,
    maxAmount: '100000.00',
    hasCutOff: false,
    intermediaryTrigger: false,
  },
  correspondent: {
    rail: 'correspondent',
    currencies: 'ANY',
    countries: 'ANY',
    maxAmount: '1000000.00',
    hasCutOff: true,
    intermediaryTrigger: true,
  },
};

/** ISO 4217 currencies the correspondent network knows, with their minor-unit digits. */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  EUR: 2, USD: 2, GBP: 2, CHF: 2, JPY: 0, SEK: 2, NOK: 2, DKK: 2, PLN: 2, CZK: 2, HUF: 2, RON: 2, BGN: 2, ISK: 0,
  CAD: 2, AUD: 2, NZD: 2, SGD: 2, HKD: 2, CNY: 2, INR: 2, KRW: 0, ZAR: 2, MXN: 2, BRL: 2, TRY: 2, AED: 2, SAR: 2,
  ILS: 2, THB: 2, MYR: 2, IDR: 2, PHP: 2, KWD: 3, BHD: 3, OMR: 3, JOD: 3, TND: 3,
};

/** Rejection reasons (ISO 20022 ExternalStatusReason1Code) the sandbox uses, with the text the rail sends along. */
export const REASONS = {
  AC01: 'Incorrect account number',
  AC04: 'Closed account number',
  AM02: 'Amount exceeds the maximum allowed for the rail',
  AM04: 'Insufficient funds at the intermediary agent',
} as const;
export type ReasonCode = keyof typeof REASONS;

/** Creditor IBANs that make a payment fail, and why. */
export const TRIGGER_IBANS: Readonly<Record<string, ReasonCode>> = {
  DE89370400440532013000: 'AC01',
  GB33BUKB20201555555555: 'AC04',
};

/** Valid IBANs (check digits right) that are not triggers: use them as debtor or creditor accounts. */
export const SANDBOX_IBANS = {
  DE: 'DE75512108001245126199',
  FR: 'FR7630006000011234567890189',
  NL: 'NL91ABNA0417164300',
  ES: 'ES9121000418450200051332',
  GB: 'GB82WEST12345698765432',
  CH: 'CH9300762011623852957',
} as const;

const IBAN_RE = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;

/** ISO 13616: the shape and the mod-97 check digits. */
export function isValidIban(iban: string): boolean {
  if (!IBAN_RE.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const value = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** BICFI: 4 bank, 2 country, 2 location, optional 3 branch. */
export const BIC_RE = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;

/** Max35Text restricted to the characters SEPA allows in references (plus "_"), no leading or trailing blank. */
export const REFERENCE_RE = /^[A-Za-z0-9/\-?:().,'+_]{1,35}$/;

/** A positive decimal amount at the currency's scale as minor units, or null (not plain, too many places, <= 0). */
export function amountMinor(value: unknown, exponent: number): bigint | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,18})(?:\.(\d{1,5}))?$/.exec(value);
  if (!m) return null;
  const frac = m[2] ?? '';
  if (frac.length > exponent && /[^0]/.test(frac.slice(exponent))) return null;
  const minor = BigInt(m[1]! + frac.slice(0, exponent).padEnd(exponent, '0'));
  return minor > 0n ? minor : null;
}

/** Minor units as the rail writes them: "1234.50" for (123450n, 2), "5" for (5n, 0). */
export function formatMinor(minor: bigint, exponent: number): string {
  if (exponent === 0) return minor.toString();
  const padded = minor.toString().padStart(exponent + 1, '0');
  return `${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** The rail's max as minor units of a currency with this exponent (the max is a number, whatever the currency). */
export function maxMinor(rules: RailRules, exponent: number): bigint {
  const [whole = '0', frac = ''] = rules.maxAmount.split('.');
  return BigInt(whole + frac.padEnd(exponent, '0').slice(0, exponent));
}

const DAY_MS = 86_400_000;

/** "YYYY-MM-DD" of a UTC instant. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isBusinessDay(ms: number): boolean {
  const day = new Date(ms).getUTCDay();
  return day !== 0 && day !== 6;
}

/** The first business day after the UTC day of `ms` (no holiday calendar: keep it simple). */
export function nextBusinessDay(ms: number): string {
  let t = ms + DAY_MS;
  while (!isBusinessDay(t)) t += DAY_MS;
  return isoDate(t);
}

/** Minutes after UTC midnight of a cut-off "HH:MM"; throws on anything else. */
export function cutOffMinutes(cutOff: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(cutOff);
  if (!m) throw new RangeError(`correspondentCutOffUtc must be "HH:MM" (UTC), got "${cutOff}"`);
  return Number(m[1]) * 60 + Number(m[2]);
}
