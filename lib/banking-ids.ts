/**
 * Checks of bank identifiers done before anything is sent anywhere: an IBAN's ISO 13616 mod-97 checksum and its
 * country's length, a BIC's ISO 9362 shape. A typo caught here never becomes a payment the rail returns days later.
 */

/** IBAN lengths by country (ISO 13616 registry; the countries the sandbox rails reach). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27, GB: 22, GR: 27,
  HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MT: 31, NL: 18, NO: 15, PL: 28,
  PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, AE: 23, SA: 24, TR: 26, IL: 23,
};

/** The IBAN without spaces, upper case; throws a RangeError saying what is wrong. */
export function normaliseIban(raw: string): string {
  const iban = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(iban)) throw new RangeError(`"${raw}" is not an IBAN (two letters, two check digits, then the account)`);
  const country = iban.slice(0, 2);
  const length = IBAN_LENGTHS[country];
  if (length === undefined) throw new RangeError(`IBANs of country ${country} are not supported`);
  if (iban.length !== length) throw new RangeError(`an IBAN of ${country} has ${length} characters, got ${iban.length}`);
  if (mod97(iban.slice(4) + iban.slice(0, 4)) !== 1) throw new RangeError('the IBAN check digits do not match (a typo?)');
  return iban;
}

export function ibanCountry(iban: string): string {
  return iban.slice(0, 2);
}

/** BIC: 4 letters (bank), 2 letters (country), 2 letters or digits (location), optional 3 (branch). */
export function normaliseBic(raw: string): string {
  const bic = raw.replace(/\s+/g, '').toUpperCase();
  if (!/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(bic)) throw new RangeError(`"${raw}" is not a BIC (8 or 11 characters, e.g. DEUTDEFF)`);
  return bic;
}

export function bicCountry(bic: string): string {
  return bic.slice(4, 6);
}

function mod97(digitsAndLetters: string): number {
  let rest = 0;
  for (const ch of digitsAndLetters) {
    const value = ch >= 'A' && ch <= 'Z' ? String(ch.charCodeAt(0) - 55) : ch;
    for (const d of value) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest;
}
