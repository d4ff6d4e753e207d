import type { Money } from '../../lib/money.js';

/**
 * Bank-wide types of money leaving the bank: a payout, where it stands on a rail, and what every rail offers.
 * A journey speaks only these; which dialect a rail speaks is its connector's business.
 */

/** One outgoing credit transfer. `endToEndId` is the idempotency reference the rail honours (1-35 characters). */
export interface Payout {
  endToEndId: string;
  amount: Money;
  debtor: { name: string; iban: string; bic: string };
  /** `country`: ISO 3166 alpha-2 of the creditor's address (decides which rails reach them). */
  creditor: { name: string; iban: string; bic: string; country: string };
  remittance?: string;
}

/**
 * Where a payout stands. RECEIVED and ACCEPTED are on the way (ask again later); SETTLED and REJECTED are final,
 * except that a settled payout the creditor's bank sends back (an ISO 20022 pacs.004 return) reads REJECTED with the
 * return reason from then on: the money is back at the bank. `reasonCode` is the rail's ISO 20022 reason when
 * REJECTED (AC01, AC04, AM02, AM04, ...); `settlementDate` is the ISO 8601 interbank settlement date once the rail
 * has named one.
 */
export type RailStatus = {
  endToEndId: string;
  state: 'RECEIVED' | 'ACCEPTED' | 'SETTLED' | 'REJECTED';
  reasonCode: string | null;
  settlementDate: string | null;
};

export interface PaymentRail {
  /** Our name for the rail ("instant-eur"): used in routing, logs and journey records. */
  readonly name: string;
  /** Whether the rail can carry this payment at all (currency, creditor country, amount): configuration, no call. */
  canCarry(p: { currency: string; country: string; amount: Money }): boolean;
  /**
   * Hands the payout to the rail. Idempotent on `endToEndId`: sending it again (after a timeout, a crash) answers with
   * the status of the payment already made and never pays twice. Rejections the rail decides (AM02, AC01 later) come
   * back as a REJECTED status; a payment the rail cannot carry at all throws UPSTREAM_REJECTED.
   */
  submit(p: Payout): Promise<RailStatus>;
  /**
   * The payout's status on this rail (an ISO 20022 rail: a pacs.028 status request), or null when the rail says it
   * never received it (pacs.002 RJCT AG09: safe to submit, or to try elsewhere).
   */
  status(endToEndId: string): Promise<RailStatus | null>;
  /** False while the rail's circuit breaker is open: routing tries it last. */
  readonly available: boolean;
  close(): Promise<void>;
}
