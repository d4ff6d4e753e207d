import { describe, expect, it } from 'vitest';
import { bicCountry, ibanCountry, normaliseBic, normaliseIban } from '../../lib/banking-ids.js';

describe('IBAN and BIC checks', () => {
  it('accepts valid IBANs in print or electronic form', () => {
    expect(normaliseIban('DE89 3704 0044 0532 0130 00')).toBe('DE89370400440532013000');
    expect(normaliseIban('gb33bukb20201555555555')).toBe('GB33BUKB20201555555555');
    expect(normaliseIban('FR1420041010050500013M02606')).toBe('FR1420041010050500013M02606');
    expect(ibanCountry('NL91ABNA0417164300')).toBe('NL');
  });

  it('refuses a wrong checksum, a wrong length, an unknown country and garbage, saying which', () => {
    expect(() => normaliseIban('DE89370400440532013001')).toThrow(/check digits/);
    expect(() => normaliseIban('DE8937040044053201300')).toThrow(/22 characters/);
    expect(() => normaliseIban('XX89370400440532013000')).toThrow(/not supported/);
    expect(() => normaliseIban('not an iban')).toThrow(/not an IBAN/);
  });

  it('checks the shape of a BIC', () => {
    expect(normaliseBic('deutdeff')).toBe('DEUTDEFF');
    expect(normaliseBic('DEUTDEFF500')).toBe('DEUTDEFF500');
    expect(bicCountry('CHASUS33')).toBe('US');
    expect(() => normaliseBic('DEUT')).toThrow(/not a BIC/);
    expect(() => normaliseBic('DEUTDEF')).toThrow(/not a BIC/);
  });
});
