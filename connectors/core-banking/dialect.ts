/**
 * The core banking system's wire dialect (Apache Fineract, /fineract-provider/api/v1), as far as bankgraph reads it.
 * Everything here is what the legacy system sends or accepts; nothing leaves the connector in this shape.
 * Fineract leaves out fields whose value is null, hence the many optional fields.
 */

export const API_PREFIX = '/fineract-provider/api/v1';

/** [2024, 1, 31] */
export type FineractDate = readonly [number, number, number];

export interface FineractEnum {
  readonly id: number;
  readonly code: string;
  readonly value: string;
}

export interface FineractCurrency {
  readonly code: string;
  readonly name?: string;
  readonly decimalPlaces?: number;
  readonly displaySymbol?: string;
}

export interface FineractErrorItem {
  readonly developerMessage?: string;
  readonly defaultUserMessage?: string;
  readonly userMessageGlobalisationCode?: string;
  readonly parameterName?: string | null;
}

export interface FineractErrorBody {
  readonly developerMessage?: string;
  /** A string ("404"), as Fineract sends it. */
  readonly httpStatusCode?: string;
  readonly defaultUserMessage?: string;
  readonly userMessageGlobalisationCode?: string;
  readonly errors?: readonly FineractErrorItem[];
}

export interface FineractClient {
  readonly id: number;
  readonly accountNo?: string;
  readonly externalId?: string;
  readonly status: FineractEnum;
  readonly active?: boolean;
  readonly activationDate?: FineractDate;
  readonly firstname?: string;
  readonly lastname?: string;
  readonly displayName?: string;
  readonly mobileNo?: string;
  readonly emailAddress?: string;
  readonly dateOfBirth?: FineractDate;
}

export interface FineractSavingsStatus extends FineractEnum {
  readonly submittedAndPendingApproval?: boolean;
  readonly approved?: boolean;
  readonly rejected?: boolean;
  readonly active?: boolean;
  readonly closed?: boolean;
}

export interface FineractSavingsTimeline {
  readonly submittedOnDate?: FineractDate;
  readonly approvedOnDate?: FineractDate;
  readonly rejectedOnDate?: FineractDate;
  readonly activatedOnDate?: FineractDate;
  readonly closedOnDate?: FineractDate;
}

/** An account as listed under its client (GET /clients/{id}/accounts). */
export interface FineractSavingsSummary {
  readonly id: number;
  readonly accountNo: string;
  readonly externalId?: string;
  readonly productId?: number;
  readonly productName: string;
  readonly status: FineractSavingsStatus;
  readonly currency: FineractCurrency;
  /** The ledger balance only: a summary has no available balance (read the account itself for that). */
  readonly accountBalance?: number;
  readonly timeline?: FineractSavingsTimeline;
}

export interface FineractClientAccounts {
  readonly savingsAccounts?: readonly FineractSavingsSummary[];
}

/** GET /savingsaccounts/{id} */
export interface FineractSavingsAccount {
  readonly id: number;
  readonly accountNo: string;
  readonly externalId?: string;
  readonly clientId: number;
  readonly clientName?: string;
  readonly savingsProductId?: number;
  readonly savingsProductName: string;
  readonly status: FineractSavingsStatus;
  readonly currency: FineractCurrency;
  readonly timeline?: FineractSavingsTimeline;
  readonly summary?: { readonly accountBalance?: number; readonly availableBalance?: number };
  /** With `?associations=transactions`: every transaction of the account. */
  readonly transactions?: readonly FineractSavingsTransaction[];
}

/** SavingsAccountTransactionEnumData: the type's id, code and value, and a flag per kind. */
export interface FineractTransactionType extends FineractEnum {
  readonly deposit?: boolean;
  readonly withdrawal?: boolean;
  readonly interestPosting?: boolean;
  readonly feeDeduction?: boolean;
  readonly initiateTransfer?: boolean;
  readonly approveTransfer?: boolean;
  readonly withdrawTransfer?: boolean;
  readonly rejectTransfer?: boolean;
  readonly overdraftInterest?: boolean;
  readonly writtenoff?: boolean;
  readonly overdraftFee?: boolean;
  readonly withholdTax?: boolean;
  readonly escheat?: boolean;
  readonly amountHold?: boolean;
  readonly amountRelease?: boolean;
  readonly dividendPayout?: boolean;
}

/** PaymentDetailData: what a writer gave with a deposit or withdrawal (only with a payment type). */
export interface FineractPaymentDetail {
  readonly id?: number;
  readonly paymentType?: { readonly id: number; readonly name?: string };
  readonly receiptNumber?: string;
}

export interface FineractSavingsTransaction {
  readonly id: number;
  readonly transactionType: FineractTransactionType;
  readonly accountId: number;
  readonly date: FineractDate;
  readonly currency: FineractCurrency;
  readonly amount: number;
  readonly runningBalance?: number;
  readonly submittedOnDate?: FineractDate;
  readonly reversed?: boolean;
  /** Savings transactions have no externalId in Fineract: bankgraph's reference is the receipt number here. */
  readonly paymentDetailData?: FineractPaymentDetail;
  /** Set on the two legs of an account transfer (AccountTransferData). */
  readonly transfer?: { readonly id?: number };
}

export interface FineractBatchRequest {
  readonly requestId: number;
  /** With the API version: "v1/savingsaccounts/5001" (CommandStrategyProvider matches the whole of it). */
  readonly relativeUrl: string;
  readonly method: 'GET';
  /** requestId of an earlier request whose answer fills `$.field` in relativeUrl. */
  readonly reference?: number;
}

export interface FineractBatchResponse {
  readonly requestId: number;
  readonly statusCode: number;
  readonly headers?: readonly { readonly name: string; readonly value: string }[];
  /** The sub-request's answer as a JSON string. */
  readonly body?: string;
}

/** What a write answers: ids only. */
export interface FineractCommandResult {
  readonly officeId?: number;
  readonly clientId?: number;
  readonly savingsId?: number;
  readonly resourceId: number;
}

/**
 * The savings products bankgraph opens, and their ids in the sandbox's Fineract. Product ids are an installation's
 * own: a bank gives its ids in CORE_BANKING_SAVINGS_PRODUCTS (connectors/factory.ts).
 */
export const PRODUCT_IDS = { EUR_CURRENT: 1, GBP_SAVER: 2, USD_ACCOUNT: 3 } as const;
export type SavingsProduct = keyof typeof PRODUCT_IDS;
export const SAVINGS_PRODUCTS = Object.keys(PRODUCT_IDS) as SavingsProduct[];

/** Dates in requests go as text with a format and locale. */
export const REQUEST_DATE_FORMAT = { dateFormat: 'dd MMMM yyyy', locale: 'en' } as const;

/**
 * The ClientClosureReason code value a journey closes a client with ("Onboarding not completed") in the sandbox; an
 * installation's own is CORE_BANKING_CLIENT_CLOSURE_REASON_ID.
 */
export const CLIENT_CLOSURE_REASON_ID = 31;

/**
 * The payment type (GET /paymenttypes) the journeys' deposits and withdrawals carry, with their reference as the
 * receipt number: the sandbox's "Digital Journey"; an installation's own is CORE_BANKING_PAYMENT_TYPE_ID.
 */
export const PAYMENT_TYPE_ID = 3;

/** The ids of one Fineract installation that bankgraph's writes name. */
export interface FineractInstallation {
  readonly savingsProductIds: Readonly<Record<SavingsProduct, number>>;
  readonly clientClosureReasonId: number;
  readonly paymentTypeId: number;
}

export const SANDBOX_INSTALLATION: FineractInstallation = {
  savingsProductIds: PRODUCT_IDS,
  clientClosureReasonId: CLIENT_CLOSURE_REASON_ID,
  paymentTypeId: PAYMENT_TYPE_ID,
};

/** The Idempotency-Key header (FineractProperties' default name) and the header a replayed answer carries. */
export const IDEMPOTENCY_KEY_HEADER = 'Idempotency-Key';
export const SERVED_FROM_CACHE_HEADER = 'x-served-from-cache';
