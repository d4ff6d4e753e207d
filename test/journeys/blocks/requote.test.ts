import { describe, expect, it } from 'vitest';
import { BankError, ErrorCode } from '../../../lib/errors.js';
import { StepRejected } from '../../../subgraphs/journeys/engine/types.js';
import { convertWithRequote, withinTolerance, type QuoteTerms } from '../../../subgraphs/journeys/blocks/requote.js';

/**
 * The re-quote building block (subgraphs/journeys/blocks/requote.ts) both conversions use: the flows' own tests
 * (test/journeys/quotes-and-cards.test.ts, payments.test.ts) run it against the FX wallet simulator; here, its rule at
 * the edges of the tolerance, in integer minor units.
 */

const terms = (sellMinor: bigint, buyMinor: bigint): QuoteTerms => ({ quoteId: 'q2', sellMinor, buyMinor });

describe('withinTolerance', () => {
  it('a fixed sell side: the re-quote must buy at least the promise less the tolerance (50 bp of 10000 = 9950)', () => {
    expect(withinTolerance(terms(0n, 9950n), { side: 'buy', minor: 10_000n }, 50n)).toBe(true);
    expect(withinTolerance(terms(0n, 9949n), { side: 'buy', minor: 10_000n }, 50n)).toBe(false);
  });

  it('a fixed buy side: the re-quote may sell at most the debit plus the tolerance (50 bp of 10000 = 10050)', () => {
    expect(withinTolerance(terms(10_050n, 0n), { side: 'sell', minor: 10_000n }, 50n)).toBe(true);
    expect(withinTolerance(terms(10_051n, 0n), { side: 'sell', minor: 10_000n }, 50n)).toBe(false);
  });
});

describe('convertWithRequote', () => {
  const expired = () => new BankError(ErrorCode.QUOTE_EXPIRED, 'the quote expired');

  it('converts with the quote it holds, under the step reference, and asks for no other', async () => {
    const calls: string[] = [];
    const out = await convertWithRequote({
      reference: 'jrn_a.convert',
      quoteId: 'q1',
      promised: { side: 'buy', minor: 100n },
      toleranceBp: 50n,
      convert: async (quoteId, reference, requoted) => (calls.push(`${quoteId} ${reference} ${requoted}`), 'done'),
      requote: async () => {
        throw new Error('no re-quote expected');
      },
    });
    expect(out).toBe('done');
    expect(calls).toEqual(['q1 jrn_a.convert false']);
  });

  it('re-quotes once an expired quote, under its own reference, and converts with it when within tolerance', async () => {
    const calls: string[] = [];
    const out = await convertWithRequote({
      reference: 'jrn_a.convert',
      quoteId: 'q1',
      promised: { side: 'buy', minor: 10_000n },
      toleranceBp: 50n,
      convert: async (quoteId, reference, requoted) => {
        calls.push(`${quoteId} ${reference} ${requoted}`);
        if (quoteId === 'q1') throw expired();
        return 'requoted';
      },
      requote: async (reference) => (calls.push(`requote ${reference}`), terms(0n, 9_990n)),
    });
    expect(out).toBe('requoted');
    expect(calls).toEqual(['q1 jrn_a.convert false', 'requote jrn_a.convert.requote', 'q2 jrn_a.convert.requote true']);
  });

  it('rejects (QUOTE_EXPIRED) a re-quote beyond the tolerance, converting nothing with it', async () => {
    const converted: string[] = [];
    const attempt = convertWithRequote({
      reference: 'r',
      quoteId: 'q1',
      promised: { side: 'sell', minor: 10_000n },
      toleranceBp: 50n,
      convert: async (quoteId) => {
        converted.push(quoteId);
        throw expired();
      },
      requote: async () => terms(10_100n, 0n),
    });
    await expect(attempt).rejects.toBeInstanceOf(StepRejected);
    await expect(attempt).rejects.toMatchObject({ code: 'QUOTE_EXPIRED' });
    expect(converted).toEqual(['q1']);
  });

  it('lets any other failure through as it is (the engine decides: retry, recover or compensate)', async () => {
    const down = new BankError(ErrorCode.UPSTREAM_UNAVAILABLE, 'fx wallet down');
    await expect(
      convertWithRequote({ reference: 'r', quoteId: 'q1', promised: { side: 'buy', minor: 1n }, toleranceBp: 50n, convert: async () => Promise.reject(down), requote: async () => terms(0n, 1n) }),
    ).rejects.toBe(down);
  });
});
