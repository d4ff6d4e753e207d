import type { Decimal, Money } from './money.js';

/**
 * Bank-wide types: what connectors return after normalising a legacy dialect, and what subgraphs serve.
 * Dates are ISO 8601 strings ("2024-01-31", "2024-01-31T09:30:00.000Z"); money is `Money`; enums are ours.
 * Ids are ours too: a customer is "cust-0001" in every system (the legacy systems keep it as their external ref).
 */

export type CustomerStatus = 'PENDING' | 'ACTIVE' | 'CLOSED';

export interface CustomerProfile {
  /** Our customer id, e.g. "cust-0001". */
  readonly id: string;
  /** The core banking system's own client id (for staff and support tooling). */
  readonly coreBankingId: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly displayName: string;
  readonly email: string | null;
  readonly phone: string | null;
  /** ISO 8601 date. */
  readonly dateOfBirth: string | null;
  readonly status: CustomerStatus;
  /** ISO 8601 date the relationship started. */
  readonly customerSince: string | null;
}

export type AccountStatus = 'SUBMITTED' | 'APPROVED' | 'ACTIVE' | 'CLOSED' | 'REJECTED';

export interface Account {
  /** Our account id, e.g. "acc-1001". */
  readonly id: string;
  readonly customerId: string;
  /** The account number the customer knows. */
  readonly number: string;
  readonly productName: string;
  readonly currency: string;
  readonly balance: Money;
  readonly availableBalance: Money;
  readonly status: AccountStatus;
  /** ISO 8601 date the account was activated, or null while it is not active yet. */
  readonly openedOn: string | null;
}

export type TransactionType = 'DEPOSIT' | 'WITHDRAWAL' | 'FEE' | 'INTEREST' | 'TRANSFER_IN' | 'TRANSFER_OUT' | 'TAX' | 'HOLD' | 'HOLD_RELEASE' | 'OTHER';

export interface Transaction {
  readonly id: string;
  readonly accountId: string;
  readonly type: TransactionType;
  /** Always positive; the direction is in `type`. */
  readonly amount: Money;
  readonly runningBalance: Money | null;
  /** ISO 8601 date. */
  readonly bookedOn: string;
  readonly description: string;
  /** The external reference the writer gave (idempotency reference), if any. */
  readonly reference: string | null;
  /**
   * True when the transaction was reversed (undone) after booking: it stays in the history for the record, but no
   * money moved, and the balance does not include it.
   */
  readonly reversed: boolean;
}

export interface TransactionPageRequest {
  readonly accountId: string;
  /** How many, newest first. */
  readonly first: number;
  /** Opaque cursor from a previous page's `nextCursor`. */
  readonly after?: string | null;
  /**
   * Only transactions booked on these days (ISO 8601 dates, both inclusive; null: open): a partner's consent window.
   * Paging (totalCount, cursors) is over the transactions within it.
   */
  readonly bookedWithin?: { readonly from: string | null; readonly to: string | null };
}

export interface TransactionPage {
  readonly items: readonly Transaction[];
  readonly totalCount: number;
  /** Cursor of the next page, or null on the last page. */
  readonly nextCursor: string | null;
}

export type CardStatus = 'INACTIVE' | 'ACTIVE' | 'FROZEN' | 'CLOSED';
/** REJECTED: the card's maker refused the order (Marqeta's fulfillment_status REJECTED). */
export type CardFulfilment = 'REQUESTED' | 'PRODUCED' | 'SHIPPED' | 'DELIVERED' | 'REJECTED';

/** A card as the bank's graph may see it: never the full PAN (the connector keeps only the last four digits). */
export interface Card {
  readonly id: string;
  readonly customerId: string;
  readonly last4: string;
  /** "YYYY-MM". */
  readonly expiry: string;
  readonly status: CardStatus;
  readonly fulfilment: CardFulfilment;
  readonly product: string;
  readonly scheme: 'VISA' | 'MASTERCARD';
  readonly dailyLimit: Money | null;
  /** The account the card draws on, if linked. */
  readonly accountId: string | null;
}

export type KycStatus = 'NOT_STARTED' | 'PENDING' | 'CLEARED' | 'REVIEW' | 'REJECTED';
export type RiskLevel = 'LOW' | 'MEDIUM' | 'HIGH';

export interface KycProfile {
  readonly customerId: string;
  readonly applicantId: string;
  readonly status: KycStatus;
  /** ISO 8601 date-time of the last completed check. */
  readonly lastCheckedAt: string | null;
}

/**
 * A customer's risk score, from the bank's own risk-scoring system (not the KYC vendor's: a vendor verifies
 * identities, the bank judges its risk).
 */
export interface RiskAssessment {
  readonly scoreId: string;
  readonly customerId: string;
  /** 0 (no risk) to 100, whole points. */
  readonly score: number;
  readonly level: RiskLevel;
  /** The scoring model that made it. */
  readonly modelVersion: string;
  /** ISO 8601 date-time. */
  readonly scoredAt: string;
}

export interface Wallet {
  readonly id: string;
  readonly customerId: string;
  /** One pocket per currency. */
  readonly pockets: readonly Money[];
}

export interface FxRates {
  /** The base of every rate: ECB publishes units of X per 1 EUR. */
  readonly base: 'EUR';
  /** ISO 8601 date of the reference rates. */
  readonly asOf: string;
  readonly rates: ReadonlyMap<string, Decimal>;
}

export interface FxQuote {
  readonly id: string;
  readonly sell: Money;
  readonly buy: Money;
  /** Units of `buy.currency` per unit of `sell.currency`, exact. */
  readonly rate: Decimal;
  /** ISO 8601 date-time after which the quote cannot be used. */
  readonly expiresAt: string;
}

/** A reference to a customer entity: all a subgraph needs to resolve its own fields of Customer. */
export interface CustomerRef {
  readonly id: string;
}

/** A reference to an entity another subgraph resolves (an Account or Card by id). */
export interface EntityRef {
  readonly id: string;
}
