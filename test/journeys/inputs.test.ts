import { describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { optionalText, text } from '../../subgraphs/journeys/flows/inputs.js';

/** A journey's text inputs (names, remittance, references) as the request fuzz sweep found them. */
describe('journey text inputs', () => {
  const refused = (f: () => unknown): BankError => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(BankError);
      return err as BankError;
    }
    throw new Error('accepted');
  };

  it('refuse NUL, other control characters and lone surrogates with BAD_USER_INPUT naming the field', () => {
    for (const bad of ['Jane\u0000Doe', 'Jane\nDoe', 'tab\there', 'esc\u001b[31m', 'c1\u0085', 'half \ud83d']) {
      const err = refused(() => text('beneficiary.name', bad, 70));
      expect(err.code).toBe(ErrorCode.BAD_USER_INPUT);
      expect(err.extensions).toMatchObject({ field: 'beneficiary.name' });
      expect(err.message).toMatch(/control characters/);
    }
    expect(refused(() => optionalText('remittance', 'invoice\u000042', 140)).code).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('keep names in any script, with accents and emoji', () => {
    for (const good of ['Zoë Ñúñez-Łukasz', '李小龙', 'Ана Петрова', 'O\u2019Brien 🎉']) expect(text('name', ` ${good} `, 70)).toBe(good);
  });
});
