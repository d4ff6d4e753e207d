import { BankError, ErrorCode } from '../../../lib/errors.js';
import { StepRejected } from '../engine/types.js';

/**
 * Building block: convert with a quote, and when that quote has expired (QUOTE_EXPIRED), re-quote once under
 * `<reference>.requote` and go ahead only if the new price is within the tolerance of what the customer was promised;
 * otherwise the journey is REJECTED (QUOTE_EXPIRED). The two references are the conversion's idempotency keys at the
 * wallet, and `conversions.ts findConversion` looks under both: a retried or recovered step never converts twice.
 *
 * "Within the tolerance" depends on the side the customer fixed: when they fixed what they sell, the re-quote must buy
 * at least the promised amount less the tolerance (`promised: 'buy'`); when they fixed what the beneficiary receives,
 * it must sell at most the amount debited plus the tolerance (`promised: 'sell'`: the bank absorbs that difference).
 */

export interface QuoteTerms {
  readonly quoteId: string;
  /** Minor units of the quote's sell and buy amounts. */
  readonly sellMinor: bigint;
  readonly buyMinor: bigint;
}

export interface RequoteOptions<T> {
  /** The step's reference (ctx.reference). */
  readonly reference: string;
  /** The quote the journey holds. */
  readonly quoteId: string;
  /** Which side was promised, and its amount in minor units (see above). */
  readonly promised: { readonly side: 'buy' | 'sell'; readonly minor: bigint };
  /** Basis points the re-quote may move against the customer (or the bank). */
  readonly toleranceBp: bigint;
  /** Converts with this quote under this reference. */
  convert(quoteId: string, reference: string, requoted: boolean): Promise<T>;
  /** A fresh quote for the same conversion, under this reference. */
  requote(reference: string): Promise<QuoteTerms>;
}

export const REQUOTE_SUFFIX = '.requote';

export async function convertWithRequote<T>(o: RequoteOptions<T>): Promise<T> {
  try {
    return await o.convert(o.quoteId, o.reference, false);
  } catch (err) {
    if (!(err instanceof BankError && err.code === ErrorCode.QUOTE_EXPIRED)) throw err;
  }
  const reference = `${o.reference}${REQUOTE_SUFFIX}`;
  const fresh = await o.requote(reference);
  if (!withinTolerance(fresh, o.promised, o.toleranceBp)) {
    throw new StepRejected('QUOTE_EXPIRED', 'the quote expired and the exchange rate has moved beyond the tolerance');
  }
  return o.convert(fresh.quoteId, reference, true);
}

/** Whether a re-quote keeps the promise within `toleranceBp` basis points (integer arithmetic, no floats). */
export function withinTolerance(fresh: QuoteTerms, promised: { side: 'buy' | 'sell'; minor: bigint }, toleranceBp: bigint): boolean {
  if (promised.side === 'buy') return fresh.buyMinor * 10_000n >= promised.minor * (10_000n - toleranceBp);
  return fresh.sellMinor * 10_000n <= promised.minor * (10_000n + toleranceBp);
}
