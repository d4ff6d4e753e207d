import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CustomerRef as CustomerRefModel, EntityRef as EntityRefModel } from '../../../lib/domain.js';
import type { JourneyRecord as JourneyRecordModel, StepRecord as StepRecordModel, AttemptRecord as AttemptRecordModel, JourneyActionRecord as JourneyActionRecordModel } from '../engine/types.js';
import type { ActionAnswer as ActionAnswerModel } from '../operations/actions.js';
import type { ConsentRecord as ConsentRecordModel } from '../../../lib/consents.js';
import type { ConsentPayment as ConsentPaymentModel } from '../../../lib/principal.js';
import type { Money as MoneyModel } from '../../../lib/money.js';
import type { JourneysContext } from '../context.js';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date and time in ISO 8601 form (UTC), e.g. "2025-06-01T10:00:00.000Z". */
  DateTime: { input: string; output: string; }
  _FieldSet: { input: unknown; output: unknown; }
};

export type Account = {
  __typename?: 'Account';
  id: Scalars['ID']['output'];
};

export type AttemptKind =
  | 'COMPENSATE'
  | 'RECOVER'
  | 'RUN';

export type AttemptOutcome =
  | 'FAILED'
  | 'PENDING'
  | 'REJECTED'
  | 'SUCCEEDED'
  | 'TIMED_OUT';

/** What an audited field reads (lib/audited.ts). */
export type AuditCategory =
  /** Account numbers, balances, amounts, transactions, cards, wallets and payments. */
  | 'FINANCIAL'
  /** Know-your-customer results and risk ratings. */
  | 'KYC'
  /** Who a customer is: names, contact details, date of birth; a customer looked up by id. */
  | 'PERSONAL';

export type BeneficiaryInput = {
  bic: Scalars['String']['input'];
  /** ISO 3166 alpha-2; must match the IBAN. */
  country: Scalars['String']['input'];
  iban: Scalars['String']['input'];
  name: Scalars['String']['input'];
};

export type Card = {
  __typename?: 'Card';
  id: Scalars['ID']['output'];
};

export type CardJourneyPayload = {
  __typename?: 'CardJourneyPayload';
  card?: Maybe<Card>;
  journey: Journey;
};

/**
 * A consent a customer gave (or was asked for by) a partner. A partner never reads these through the graph: it reads
 * its own through the open-banking routes.
 */
export type Consent = {
  __typename?: 'Consent';
  /** Accesses counted today (UTC), the customer present or not. */
  accessesToday: Scalars['Int']['output'];
  /** The accounts the customer chose (none until authorised). */
  accountIds: Array<Scalars['ID']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Null: no expiry. */
  expiresAt?: Maybe<Scalars['DateTime']['output']>;
  /** Accesses a day without the customer present. */
  frequencyPerDay: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  kind: ConsentKind;
  lastAccessAt?: Maybe<Scalars['DateTime']['output']>;
  partner: ConsentPartner;
  /** A payment consent's payment; null for account access. */
  payment?: Maybe<ConsentPayment>;
  /** Our scopes the consent grants (accounts:basic, balances:read, ...). */
  permissions: Array<Scalars['String']['output']>;
  status: ConsentStatus;
  statusUpdatedAt: Scalars['DateTime']['output'];
  /** The partner sees transactions booked from then (null: no lower bound)... */
  transactionFrom?: Maybe<Scalars['DateTime']['output']>;
  /** ...up to then (null: no upper bound). */
  transactionTo?: Maybe<Scalars['DateTime']['output']>;
};

export type ConsentKind =
  /** Reading accounts, balances, transactions or the customer's details (OB account-access-consents). */
  | 'ACCOUNT_ACCESS'
  /** One payment (OB domestic-payment-consents). */
  | 'PAYMENT';

export type ConsentPartner = {
  __typename?: 'ConsentPartner';
  /** The partner's client id (schema/partners.json). */
  clientId: Scalars['ID']['output'];
  name: Scalars['String']['output'];
};

/** The one payment a payment consent authorises. */
export type ConsentPayment = {
  __typename?: 'ConsentPayment';
  amount: Money;
  /** An IBAN (or one of the bank's account ids). */
  creditorAccount: Scalars['String']['output'];
  creditorName: Scalars['String']['output'];
  reference?: Maybe<Scalars['String']['output']>;
  /** The account the partner asked to pay from, when it named one. */
  sourceAccountId?: Maybe<Scalars['ID']['output']>;
};

export type ConsentStatus =
  /** The customer approved: the partner may act within it. */
  | 'AUTHORISED'
  /** The partner asked; the customer has not decided yet. */
  | 'AWAITING_AUTHORISATION'
  /** A payment consent spent on its one payment. */
  | 'CONSUMED'
  /** Its expiry passed. */
  | 'EXPIRED'
  /** The customer declined, or the partner withdrew it before the customer decided. */
  | 'REJECTED'
  /** Ended by the customer, the partner or the bank. */
  | 'REVOKED';

export type ConvertCurrencyInput = {
  /** ISO 4217 code of the pocket to credit. */
  buy: Scalars['String']['input'];
  sellAmount: MoneyInput;
};

export type ConvertCurrencyPayload = {
  __typename?: 'ConvertCurrencyPayload';
  bought?: Maybe<Money>;
  journey: Journey;
  requoted: Scalars['Boolean']['output'];
  sold?: Maybe<Money>;
};

export type Customer = {
  __typename?: 'Customer';
  /** The consents the customer gave partners (open banking), newest first: the customer themself, or operations staff. */
  consents: Array<Consent>;
  id: Scalars['ID']['output'];
  /** The customer's journeys, newest first (the customer, or operations staff). */
  journeys?: Maybe<Array<Journey>>;
  /**
   * The customer's Onfido applicant, from the KYC ledger the onboarding writes (connectors/kyc-provider/ledger.ts):
   * Onfido keeps no reference of ours, so this mapping is bankgraph's. Only for the KYC subgraph (its Customer.kyc
   * @requires it); inaccessible to clients.
   */
  kycApplicantId?: Maybe<Scalars['ID']['output']>;
};


export type CustomerJourneysArgs = {
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type InternationalPaymentInput = {
  /** What the beneficiary receives, in the beneficiary's currency. */
  amount: MoneyInput;
  beneficiary: BeneficiaryInput;
  /**
   * The payment consent this payment spends (OB's ConsentId): required from a partner whose token is bound to a payment
   * consent, and must be that consent; the payment must be the one consented to. Spent once: the same idempotency key
   * replays the same journey, another key is refused (CONSENT_CONSUMED).
   */
  consentId?: InputMaybe<Scalars['ID']['input']>;
  /** Up to 140 characters for the beneficiary. */
  remittance?: InputMaybe<Scalars['String']['input']>;
  /** The customer's account to pay from. */
  sourceAccountId: Scalars['ID']['input'];
};

export type InternationalPaymentPayload = {
  __typename?: 'InternationalPaymentPayload';
  /** What was taken from the source account (refunded if the payment did not go through). */
  debited?: Maybe<Money>;
  /** The ISO 20022 end-to-end id of the payout. */
  endToEndId?: Maybe<Scalars['String']['output']>;
  journey: Journey;
  /** What the beneficiary receives, once settled. */
  paidOut?: Maybe<Money>;
  /** The rail that carried the payment. */
  rail?: Maybe<Scalars['String']['output']>;
  /** True when the quote had expired and the conversion used a fresh quote within tolerance. */
  requoted: Scalars['Boolean']['output'];
};

export type IssueCardInput = {
  /** DEBIT_CLASSIC (default), DEBIT_VIRTUAL or CREDIT_GOLD. */
  product?: InputMaybe<Scalars['String']['input']>;
};

/** A multi-step business process run durably: every step, attempt and error is recorded here. */
export type Journey = {
  __typename?: 'Journey';
  /**
   * What operations staff asked for and decided on this journey (retry, resolve, undo), oldest first: operations staff
   * only.
   */
  actions?: Maybe<Array<JourneyAction>>;
  /** The actions a person may request now: none unless the journey is NEEDS_ATTENTION. Operations staff only. */
  availableActions?: Maybe<Array<JourneyActionKind>>;
  createdAt: Scalars['DateTime']['output'];
  /** The customer the journey concerns. */
  customer?: Maybe<Customer>;
  /** The stable code of what ended it, when it did not complete. */
  errorCode?: Maybe<Scalars['String']['output']>;
  /**
   * The journey's follow-ups (notifications, card fulfilment): its BACKGROUND steps, each with its own status, attempts
   * and errorCode. A follow-up that gives up is FAILED here, and the journey's status is left as it is.
   */
  followUps: Array<JourneyStep>;
  id: Scalars['ID']['output'];
  /** Why it was rejected or needs attention. */
  reason?: Maybe<Scalars['String']['output']>;
  status: JourneyStatus;
  /** When it entered its current status: how long a parked journey has waited is now minus this. */
  statusSince: Scalars['DateTime']['output'];
  /** Every step, in the flow's order: critical ones and follow-ups (mode BACKGROUND). */
  steps: Array<JourneyStep>;
  /**
   * The step a person's retry would run again, with its own reference: the step whose outcome is unknown or whose undo
   * kept failing. Null when the journey is not parked on a step.
   */
  stuckStep?: Maybe<Scalars['String']['output']>;
  type: JourneyType;
  updatedAt: Scalars['DateTime']['output'];
};

export type JourneyAction = {
  __typename?: 'JourneyAction';
  decidedAt?: Maybe<Scalars['DateTime']['output']>;
  /** The staff id of the second person, who approved or declined it. */
  decidedBy?: Maybe<Scalars['ID']['output']>;
  decisionReason?: Maybe<Scalars['String']['output']>;
  /** Unapproved by then, it expires. */
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  kind: JourneyActionKind;
  /** Why, in the requester's words. */
  reason: Scalars['String']['output'];
  requestedAt: Scalars['DateTime']['output'];
  /** The staff id of the person who asked. */
  requestedBy: Scalars['ID']['output'];
  /** RESOLVE: what the person found. */
  resolution?: Maybe<JourneyResolution>;
  status: JourneyActionStatus;
  /** RETRY_STEP: the step it runs again. */
  step?: Maybe<Scalars['String']['output']>;
};

export type JourneyActionInput = {
  journeyId: Scalars['ID']['input'];
  kind: JourneyActionKind;
  /** Why: what the person checked, with whom, what they saw (1 to 1000 characters). */
  reason: Scalars['String']['input'];
  /** RESOLVE only (required there): what the person found in the legacy system. */
  resolution?: InputMaybe<JourneyResolution>;
};

/** What a person can do about a parked journey. Each takes effect only once a second operations staff member approves. */
export type JourneyActionKind =
  /** Close the journey as the person found it in the legacy system (out of band): see JourneyResolution. */
  | 'RESOLVE'
  /** Run the stuck step again with its own reference (so nothing can happen twice), after asking what became of it. */
  | 'RETRY_STEP'
  /** Undo the completed steps, newest first (the person checked that the stuck step had no effect). */
  | 'UNDO';

export type JourneyActionPayload = {
  __typename?: 'JourneyActionPayload';
  action: JourneyAction;
  /** The journey as the action left it (RUNNING again after an approved retry or undo). */
  journey: Journey;
};

export type JourneyActionStatus =
  /** Approved by a second person and carried out. */
  | 'APPLIED'
  /** Requested; waiting for a second person. */
  | 'AWAITING_APPROVAL'
  /** Declined by a second person. */
  | 'DECLINED'
  /** Nobody approved it in time; request it again if it is still needed. */
  | 'EXPIRED'
  /** Withdrawn by the person who asked for it, before anyone decided. */
  | 'WITHDRAWN';

export type JourneyConnection = {
  __typename?: 'JourneyConnection';
  /** Newest first (by createdAt). */
  nodes: Array<Journey>;
  pageInfo: JourneyPageInfo;
};

/** The operations work queue's filter: every field is optional, and a journey is listed when all given ones hold. */
export type JourneyFilter = {
  /** Created at or after this instant. */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** Created before this instant. */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
  status?: InputMaybe<JourneyStatus>;
  type?: InputMaybe<JourneyType>;
  /** In its current status for at least this many seconds (a parked journey's age: 3600 for an hour). */
  waitingLongerThan?: InputMaybe<Scalars['Int']['input']>;
};

export type JourneyPageInfo = {
  __typename?: 'JourneyPageInfo';
  /** Pass as `after` for the next page; null when the page is empty. */
  endCursor?: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type JourneyResolution =
  /** The money moved (or the account opened): the journey becomes COMPLETED and its follow-ups run. */
  | 'COMPLETED'
  /** Everything was refunded or undone out of band: the journey becomes COMPENSATED. */
  | 'UNDONE';

/**
 * What became of the money or the account the journey is about. Follow-ups (notifications, card fulfilment: see
 * Journey.followUps) have their own status and never change this one.
 */
export type JourneyStatus =
  /** A technical failure ended the journey; every completed step was undone. */
  | 'COMPENSATED'
  /** A step failed for good; completed steps are being undone. */
  | 'COMPENSATING'
  /** Every critical step succeeded: the money moved, the account is open. Its follow-ups may still be queued, or have failed (see followUps). */
  | 'COMPLETED'
  /** Money or an account is at stake (an undo kept failing, an outcome stayed unknown): a person must look (see reason). Never because of a follow-up. */
  | 'NEEDS_ATTENTION'
  /** A business rule said no (see reason); whatever had been done was undone. */
  | 'REJECTED'
  /** Critical steps under way. */
  | 'RUNNING';

export type JourneyStatusCount = {
  __typename?: 'JourneyStatusCount';
  count: Scalars['Int']['output'];
  status: JourneyStatus;
};

export type JourneyStep = {
  __typename?: 'JourneyStep';
  /** Attempts in all, each check of a pending step counting one. */
  attemptCount: Scalars['Int']['output'];
  /** The same attempts in pages, oldest first (1 to 100 a page): for a step with a long history. */
  attemptHistory: StepAttemptConnection;
  /**
   * The step's attempts, oldest first. Consecutive checks of a step that answered "pending" are one entry (its `count`),
   * so the list stays short however long the step waits. `last`: only the newest entries (1 to 100); all when omitted.
   */
  attempts: Array<StepAttempt>;
  endedAt?: Maybe<Scalars['DateTime']['output']>;
  errorCode?: Maybe<Scalars['String']['output']>;
  /** The error code of the step's last attempt (null when it succeeded or has not run). */
  lastErrorCode?: Maybe<Scalars['String']['output']>;
  mode: StepMode;
  name: Scalars['String']['output'];
  /** When a step waiting for its next check (a payment not settled yet) checks again. */
  nextCheckAt?: Maybe<Scalars['DateTime']['output']>;
  startedAt?: Maybe<Scalars['DateTime']['output']>;
  status: StepStatus;
};


export type JourneyStepAttemptHistoryArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type JourneyStepAttemptsArgs = {
  last?: InputMaybe<Scalars['Int']['input']>;
};

/** How many journeys the store holds, per status and per type (from its indexes: no record is read). */
export type JourneySummary = {
  __typename?: 'JourneySummary';
  byStatus: Array<JourneyStatusCount>;
  byType: Array<JourneyTypeCount>;
  /** Parked (NEEDS_ATTENTION) journeys per type: the work waiting for a person. */
  parkedByType: Array<JourneyTypeCount>;
};

export type JourneyType =
  | 'CONVERT_CURRENCY'
  | 'FREEZE_CARD'
  | 'ISSUE_CARD'
  | 'ONBOARD_CUSTOMER'
  | 'SEND_INTERNATIONAL_PAYMENT'
  | 'UNFREEZE_CARD';

export type JourneyTypeCount = {
  __typename?: 'JourneyTypeCount';
  count: Scalars['Int']['output'];
  type: JourneyType;
};

/** An amount of money: an exact decimal string in major units (never a float) and its ISO 4217 currency code. */
export type Money = {
  __typename?: 'Money';
  amount: Scalars['String']['output'];
  currency: Scalars['String']['output'];
};

/** An amount as a client sends it: an exact decimal string in major units and an ISO 4217 code. */
export type MoneyInput = {
  /** Exact decimal in major units: digits, optionally a point and more digits, e.g. "100.00" or "0.50"; no sign, spaces, exponent or leading zeros; at most as many decimals as the currency has. */
  amount: Scalars['String']['input'];
  currency: Scalars['String']['input'];
};

/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Approves another person's action and carries it out: operations staff, never the requester (FOUR_EYES_REQUIRED).
   * Refused once it expired (ACTION_EXPIRED) or was decided (ACTION_NOT_PENDING); approving again what you approved
   * answers as before.
   */
  approveJourneyAction: JourneyActionPayload;
  /** Converts between two pockets of the customer's wallet. */
  convertCurrency: ConvertCurrencyPayload;
  /**
   * Declines another person's action (DECLINED), or withdraws your own before anyone decided (WITHDRAWN): operations
   * staff. The journey stays parked; another action may then be asked for.
   */
  declineJourneyAction: JourneyActionPayload;
  freezeCard: CardJourneyPayload;
  issueCard: CardJourneyPayload;
  /** Opens a new customer: KYC, risk, core banking client and account, then a card and a welcome message. Staff only. */
  onboardCustomer: OnboardCustomerPayload;
  /**
   * Asks for an action on a parked (NEEDS_ATTENTION) journey: operations staff. It waits for a second operations staff
   * member's approval (approveJourneyAction) and expires unapproved. The same key replays the same request; a journey
   * that is not parked is refused (JOURNEY_NOT_PARKED); one action awaits approval at a time (ACTION_ALREADY_PENDING).
   */
  requestJourneyAction: JourneyActionPayload;
  /**
   * Revokes an authorised consent: the consent's customer, or operations staff. Effective from the partner's next
   * request. Revoking twice is refused the second time (CONSENT_STATE_CONFLICT).
   */
  revokeConsent: Consent;
  /**
   * Sends money abroad from one of the customer's accounts, converting if needed. A partner needs payments:initiate and
   * a live consent that covers the source account.
   */
  sendInternationalPayment: InternationalPaymentPayload;
  unfreezeCard: CardJourneyPayload;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationApproveJourneyActionArgs = {
  actionId: Scalars['ID']['input'];
  journeyId: Scalars['ID']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationConvertCurrencyArgs = {
  idempotencyKey: Scalars['String']['input'];
  input: ConvertCurrencyInput;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationDeclineJourneyActionArgs = {
  actionId: Scalars['ID']['input'];
  journeyId: Scalars['ID']['input'];
  reason: Scalars['String']['input'];
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationFreezeCardArgs = {
  cardId: Scalars['ID']['input'];
  idempotencyKey: Scalars['String']['input'];
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationIssueCardArgs = {
  idempotencyKey: Scalars['String']['input'];
  input?: InputMaybe<IssueCardInput>;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationOnboardCustomerArgs = {
  idempotencyKey: Scalars['String']['input'];
  input: OnboardCustomerInput;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationRequestJourneyActionArgs = {
  idempotencyKey: Scalars['String']['input'];
  input: JourneyActionInput;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationRevokeConsentArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationSendInternationalPaymentArgs = {
  idempotencyKey: Scalars['String']['input'];
  input: InternationalPaymentInput;
};


/**
 * Every journey takes an idempotencyKey: the same key with the same request returns the same journey (a replay is
 * safe), the same key with a different request is refused (IDEMPOTENCY_KEY_REUSED). Keys are kept at least 24 hours.
 */
export type MutationUnfreezeCardArgs = {
  cardId: Scalars['ID']['input'];
  idempotencyKey: Scalars['String']['input'];
};

export type OnboardCustomerInput = {
  /** DEBIT_CLASSIC (default), DEBIT_VIRTUAL or CREDIT_GOLD. */
  cardProduct?: InputMaybe<Scalars['String']['input']>;
  /** ISO 3166 alpha-2 country of residence. */
  country: Scalars['String']['input'];
  /** YYYY-MM-DD; at least 18 years ago. */
  dateOfBirth: Scalars['String']['input'];
  email: Scalars['String']['input'];
  firstName: Scalars['String']['input'];
  lastName: Scalars['String']['input'];
  phone?: InputMaybe<Scalars['String']['input']>;
  /** EUR_CURRENT (default), GBP_SAVER or USD_ACCOUNT. */
  product?: InputMaybe<Scalars['String']['input']>;
};

export type OnboardCustomerPayload = {
  __typename?: 'OnboardCustomerPayload';
  /** The new account, once opened. */
  account?: Maybe<Account>;
  /** The new card, once issued (in the background: may be null when the mutation answers). */
  card?: Maybe<Card>;
  /** The new customer, once the journey completed. */
  customer?: Maybe<Customer>;
  journey: Journey;
};

export type Query = {
  __typename?: 'Query';
  /** Consents of a customer or of a partner (one of the two, or both): operations staff only. */
  consents: Array<Consent>;
  /** A journey: its owner's, or any for operations staff. */
  journey?: Maybe<Journey>;
  /** How many journeys there are per status and type: operations staff only. */
  journeySummary: JourneySummary;
  /**
   * The operations work queue: journeys matching the filter, newest first, from the store's indexes (its cost does not
   * grow with the number of journeys ever run). Operations staff only. `first`: 1 to 100. A page reads at most 500
   * index entries: with a filter narrower than its index (a customer and a status, or waitingLongerThan), a page may
   * come back shorter than `first` with hasNextPage true; follow endCursor.
   */
  journeys: JourneyConnection;
  /** The signed-in customer. */
  me?: Maybe<Customer>;
};


export type QueryConsentsArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
  partner?: InputMaybe<Scalars['ID']['input']>;
};


export type QueryJourneyArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJourneysArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<JourneyFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type StepAttempt = {
  __typename?: 'StepAttempt';
  /** How many consecutive attempts the entry stands for: 1, or the checks of a pending step. */
  count: Scalars['Int']['output'];
  /** endedAt - startedAt: for an entry of several checks, the time they span, waits included. */
  durationMs: Scalars['Int']['output'];
  /** When the entry's last attempt ended. */
  endedAt: Scalars['DateTime']['output'];
  errorCode?: Maybe<Scalars['String']['output']>;
  kind: AttemptKind;
  /** The number of the entry's first attempt. */
  number: Scalars['Int']['output'];
  outcome: AttemptOutcome;
  /** When the entry's first attempt started. */
  startedAt: Scalars['DateTime']['output'];
};

export type StepAttemptConnection = {
  __typename?: 'StepAttemptConnection';
  nodes: Array<StepAttempt>;
  pageInfo: JourneyPageInfo;
  /** Entries in all (each may stand for several checks: StepAttempt.count). */
  totalCount: Scalars['Int']['output'];
};

export type StepMode =
  /** A follow-up (a notification, card fulfilment): queued and retried in the background once the journey completed. One that gives up is FAILED with its errorCode; the journey's status stays as it is. */
  | 'BACKGROUND'
  /** Done before the mutation answers. */
  | 'CRITICAL';

export type StepStatus =
  | 'COMPENSATED'
  | 'COMPENSATING'
  | 'COMPENSATION_FAILED'
  | 'FAILED'
  | 'PENDING'
  | 'QUEUED'
  | 'RUNNING'
  | 'SKIPPED'
  | 'SUCCEEDED';

export type WithIndex<TObject> = TObject & Record<string, any>;
export type ResolversObject<TObject> = WithIndex<TObject>;

export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = ResolversObject<{
  Customer: Customer;
  Journey: Journey;
}>;

/** Mapping of federation reference types */
export type FederationReferenceTypes = ResolversObject<{
  Customer:
    ( { __typename: 'Customer' }
    & GraphQLRecursivePick<FederationTypes['Customer'], {"id":true}> );
  Journey:
    ( { __typename: 'Journey' }
    & GraphQLRecursivePick<FederationTypes['Journey'], {"id":true}> );
}>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = ResolversObject<{
  Account: ResolverTypeWrapper<EntityRefModel>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AttemptKind: AttemptKind;
  AttemptOutcome: AttemptOutcome;
  AuditCategory: AuditCategory;
  BeneficiaryInput: BeneficiaryInput;
  Card: ResolverTypeWrapper<EntityRefModel>;
  CardJourneyPayload: ResolverTypeWrapper<JourneyRecordModel>;
  Consent: ResolverTypeWrapper<ConsentRecordModel>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  ConsentKind: ConsentKind;
  ConsentPartner: ResolverTypeWrapper<ConsentPartner>;
  ConsentPayment: ResolverTypeWrapper<ConsentPaymentModel>;
  ConsentStatus: ConsentStatus;
  ConvertCurrencyInput: ConvertCurrencyInput;
  ConvertCurrencyPayload: ResolverTypeWrapper<JourneyRecordModel>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Customer: ResolverTypeWrapper<CustomerRefModel>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  InternationalPaymentInput: InternationalPaymentInput;
  InternationalPaymentPayload: ResolverTypeWrapper<JourneyRecordModel>;
  IssueCardInput: IssueCardInput;
  Journey: ResolverTypeWrapper<JourneyRecordModel>;
  JourneyAction: ResolverTypeWrapper<JourneyActionRecordModel>;
  JourneyActionInput: JourneyActionInput;
  JourneyActionKind: JourneyActionKind;
  JourneyActionPayload: ResolverTypeWrapper<ActionAnswerModel>;
  JourneyActionStatus: JourneyActionStatus;
  JourneyConnection: ResolverTypeWrapper<Omit<JourneyConnection, 'nodes'> & { nodes: Array<ResolversTypes['Journey']> }>;
  JourneyFilter: JourneyFilter;
  JourneyPageInfo: ResolverTypeWrapper<JourneyPageInfo>;
  JourneyResolution: JourneyResolution;
  JourneyStatus: JourneyStatus;
  JourneyStatusCount: ResolverTypeWrapper<JourneyStatusCount>;
  JourneyStep: ResolverTypeWrapper<StepRecordModel>;
  JourneySummary: ResolverTypeWrapper<JourneySummary>;
  JourneyType: JourneyType;
  JourneyTypeCount: ResolverTypeWrapper<JourneyTypeCount>;
  Money: ResolverTypeWrapper<MoneyModel>;
  MoneyInput: MoneyInput;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  OnboardCustomerInput: OnboardCustomerInput;
  OnboardCustomerPayload: ResolverTypeWrapper<JourneyRecordModel>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  StepAttempt: ResolverTypeWrapper<AttemptRecordModel>;
  StepAttemptConnection: ResolverTypeWrapper<Omit<StepAttemptConnection, 'nodes'> & { nodes: Array<ResolversTypes['StepAttempt']> }>;
  StepMode: StepMode;
  StepStatus: StepStatus;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
}>;

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = ResolversObject<{
  Account: EntityRefModel;
  ID: Scalars['ID']['output'];
  BeneficiaryInput: BeneficiaryInput;
  Card: EntityRefModel;
  CardJourneyPayload: JourneyRecordModel;
  Consent: ConsentRecordModel;
  Int: Scalars['Int']['output'];
  ConsentPartner: ConsentPartner;
  ConsentPayment: ConsentPaymentModel;
  ConvertCurrencyInput: ConvertCurrencyInput;
  ConvertCurrencyPayload: JourneyRecordModel;
  Boolean: Scalars['Boolean']['output'];
  Customer: CustomerRefModel;
  DateTime: Scalars['DateTime']['output'];
  InternationalPaymentInput: InternationalPaymentInput;
  InternationalPaymentPayload: JourneyRecordModel;
  IssueCardInput: IssueCardInput;
  Journey: JourneyRecordModel;
  JourneyAction: JourneyActionRecordModel;
  JourneyActionInput: JourneyActionInput;
  JourneyActionPayload: ActionAnswerModel;
  JourneyConnection: Omit<JourneyConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['Journey']> };
  JourneyFilter: JourneyFilter;
  JourneyPageInfo: JourneyPageInfo;
  JourneyStatusCount: JourneyStatusCount;
  JourneyStep: StepRecordModel;
  JourneySummary: JourneySummary;
  JourneyTypeCount: JourneyTypeCount;
  Money: MoneyModel;
  MoneyInput: MoneyInput;
  Mutation: Record<PropertyKey, never>;
  OnboardCustomerInput: OnboardCustomerInput;
  OnboardCustomerPayload: JourneyRecordModel;
  Query: Record<PropertyKey, never>;
  StepAttempt: AttemptRecordModel;
  StepAttemptConnection: Omit<StepAttemptConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['StepAttempt']> };
  String: Scalars['String']['output'];
}>;

export type AuditedDirectiveArgs = {
  category: AuditCategory;
};

export type AuditedDirectiveResolver<Result, Parent, ContextType = JourneysContext, Args = AuditedDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ScopesDirectiveArgs = {
  requires: Array<Scalars['String']['input']>;
};

export type ScopesDirectiveResolver<Result, Parent, ContextType = JourneysContext, Args = ScopesDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type AccountResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Account'] = ResolversParentTypes['Account']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type CardResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Card'] = ResolversParentTypes['Card']> = ResolversObject<{
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
}>;

export type CardJourneyPayloadResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['CardJourneyPayload'] = ResolversParentTypes['CardJourneyPayload']> = ResolversObject<{
  card?: Resolver<Maybe<ResolversTypes['Card']>, ParentType, ContextType>;
  journey?: Resolver<ResolversTypes['Journey'], ParentType, ContextType>;
}>;

export type ConsentResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Consent'] = ResolversParentTypes['Consent']> = ResolversObject<{
  accessesToday?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  accountIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expiresAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  frequencyPerDay?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['ConsentKind'], ParentType, ContextType>;
  lastAccessAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  partner?: Resolver<ResolversTypes['ConsentPartner'], ParentType, ContextType>;
  payment?: Resolver<Maybe<ResolversTypes['ConsentPayment']>, ParentType, ContextType>;
  permissions?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ConsentStatus'], ParentType, ContextType>;
  statusUpdatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  transactionFrom?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  transactionTo?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
}>;

export type ConsentPartnerResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['ConsentPartner'] = ResolversParentTypes['ConsentPartner']> = ResolversObject<{
  clientId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type ConsentPaymentResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['ConsentPayment'] = ResolversParentTypes['ConsentPayment']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['Money'], ParentType, ContextType>;
  creditorAccount?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  creditorName?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  reference?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  sourceAccountId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
}>;

export type ConvertCurrencyPayloadResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['ConvertCurrencyPayload'] = ResolversParentTypes['ConvertCurrencyPayload']> = ResolversObject<{
  bought?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  journey?: Resolver<ResolversTypes['Journey'], ParentType, ContextType>;
  requoted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  sold?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
}>;

export type CustomerResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer'], FederationReferenceType extends FederationReferenceTypes['Customer'] = FederationReferenceTypes['Customer']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']> | FederationReferenceType, FederationReferenceType, ContextType>;
  consents?: Resolver<Array<ResolversTypes['Consent']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  journeys?: Resolver<Maybe<Array<ResolversTypes['Journey']>>, ParentType, ContextType, RequireFields<CustomerJourneysArgs, 'first'>>;
  kycApplicantId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
}>;

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type InternationalPaymentPayloadResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['InternationalPaymentPayload'] = ResolversParentTypes['InternationalPaymentPayload']> = ResolversObject<{
  debited?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  endToEndId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  journey?: Resolver<ResolversTypes['Journey'], ParentType, ContextType>;
  paidOut?: Resolver<Maybe<ResolversTypes['Money']>, ParentType, ContextType>;
  rail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  requoted?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type JourneyResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Journey'] = ResolversParentTypes['Journey'], FederationReferenceType extends FederationReferenceTypes['Journey'] = FederationReferenceTypes['Journey']> = ResolversObject<{
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Journey']> | FederationReferenceType, FederationReferenceType, ContextType>;
  actions?: Resolver<Maybe<Array<ResolversTypes['JourneyAction']>>, ParentType, ContextType>;
  availableActions?: Resolver<Maybe<Array<ResolversTypes['JourneyActionKind']>>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  followUps?: Resolver<Array<ResolversTypes['JourneyStep']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  reason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JourneyStatus'], ParentType, ContextType>;
  statusSince?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  steps?: Resolver<Array<ResolversTypes['JourneyStep']>, ParentType, ContextType>;
  stuckStep?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['JourneyType'], ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type JourneyActionResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyAction'] = ResolversParentTypes['JourneyAction']> = ResolversObject<{
  decidedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  decidedBy?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  decisionReason?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['JourneyActionKind'], ParentType, ContextType>;
  reason?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  requestedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  requestedBy?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  resolution?: Resolver<Maybe<ResolversTypes['JourneyResolution']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JourneyActionStatus'], ParentType, ContextType>;
  step?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
}>;

export type JourneyActionPayloadResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyActionPayload'] = ResolversParentTypes['JourneyActionPayload']> = ResolversObject<{
  action?: Resolver<ResolversTypes['JourneyAction'], ParentType, ContextType>;
  journey?: Resolver<ResolversTypes['Journey'], ParentType, ContextType>;
}>;

export type JourneyConnectionResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyConnection'] = ResolversParentTypes['JourneyConnection']> = ResolversObject<{
  nodes?: Resolver<Array<ResolversTypes['Journey']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['JourneyPageInfo'], ParentType, ContextType>;
}>;

export type JourneyPageInfoResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyPageInfo'] = ResolversParentTypes['JourneyPageInfo']> = ResolversObject<{
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
}>;

export type JourneyStatusCountResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyStatusCount'] = ResolversParentTypes['JourneyStatusCount']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['JourneyStatus'], ParentType, ContextType>;
}>;

export type JourneyStepResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyStep'] = ResolversParentTypes['JourneyStep']> = ResolversObject<{
  attemptCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  attemptHistory?: Resolver<ResolversTypes['StepAttemptConnection'], ParentType, ContextType, RequireFields<JourneyStepAttemptHistoryArgs, 'first'>>;
  attempts?: Resolver<Array<ResolversTypes['StepAttempt']>, ParentType, ContextType, Partial<JourneyStepAttemptsArgs>>;
  endedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lastErrorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  mode?: Resolver<ResolversTypes['StepMode'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  nextCheckAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['StepStatus'], ParentType, ContextType>;
}>;

export type JourneySummaryResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneySummary'] = ResolversParentTypes['JourneySummary']> = ResolversObject<{
  byStatus?: Resolver<Array<ResolversTypes['JourneyStatusCount']>, ParentType, ContextType>;
  byType?: Resolver<Array<ResolversTypes['JourneyTypeCount']>, ParentType, ContextType>;
  parkedByType?: Resolver<Array<ResolversTypes['JourneyTypeCount']>, ParentType, ContextType>;
}>;

export type JourneyTypeCountResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['JourneyTypeCount'] = ResolversParentTypes['JourneyTypeCount']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['JourneyType'], ParentType, ContextType>;
}>;

export type MoneyResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Money'] = ResolversParentTypes['Money']> = ResolversObject<{
  amount?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
}>;

export type MutationResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = ResolversObject<{
  approveJourneyAction?: Resolver<ResolversTypes['JourneyActionPayload'], ParentType, ContextType, RequireFields<MutationApproveJourneyActionArgs, 'actionId' | 'journeyId'>>;
  convertCurrency?: Resolver<ResolversTypes['ConvertCurrencyPayload'], ParentType, ContextType, RequireFields<MutationConvertCurrencyArgs, 'idempotencyKey' | 'input'>>;
  declineJourneyAction?: Resolver<ResolversTypes['JourneyActionPayload'], ParentType, ContextType, RequireFields<MutationDeclineJourneyActionArgs, 'actionId' | 'journeyId' | 'reason'>>;
  freezeCard?: Resolver<ResolversTypes['CardJourneyPayload'], ParentType, ContextType, RequireFields<MutationFreezeCardArgs, 'cardId' | 'idempotencyKey'>>;
  issueCard?: Resolver<ResolversTypes['CardJourneyPayload'], ParentType, ContextType, RequireFields<MutationIssueCardArgs, 'idempotencyKey'>>;
  onboardCustomer?: Resolver<ResolversTypes['OnboardCustomerPayload'], ParentType, ContextType, RequireFields<MutationOnboardCustomerArgs, 'idempotencyKey' | 'input'>>;
  requestJourneyAction?: Resolver<ResolversTypes['JourneyActionPayload'], ParentType, ContextType, RequireFields<MutationRequestJourneyActionArgs, 'idempotencyKey' | 'input'>>;
  revokeConsent?: Resolver<ResolversTypes['Consent'], ParentType, ContextType, RequireFields<MutationRevokeConsentArgs, 'id'>>;
  sendInternationalPayment?: Resolver<ResolversTypes['InternationalPaymentPayload'], ParentType, ContextType, RequireFields<MutationSendInternationalPaymentArgs, 'idempotencyKey' | 'input'>>;
  unfreezeCard?: Resolver<ResolversTypes['CardJourneyPayload'], ParentType, ContextType, RequireFields<MutationUnfreezeCardArgs, 'cardId' | 'idempotencyKey'>>;
}>;

export type OnboardCustomerPayloadResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['OnboardCustomerPayload'] = ResolversParentTypes['OnboardCustomerPayload']> = ResolversObject<{
  account?: Resolver<Maybe<ResolversTypes['Account']>, ParentType, ContextType>;
  card?: Resolver<Maybe<ResolversTypes['Card']>, ParentType, ContextType>;
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
  journey?: Resolver<ResolversTypes['Journey'], ParentType, ContextType>;
}>;

export type QueryResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = ResolversObject<{
  consents?: Resolver<Array<ResolversTypes['Consent']>, ParentType, ContextType, Partial<QueryConsentsArgs>>;
  journey?: Resolver<Maybe<ResolversTypes['Journey']>, ParentType, ContextType, RequireFields<QueryJourneyArgs, 'id'>>;
  journeySummary?: Resolver<ResolversTypes['JourneySummary'], ParentType, ContextType>;
  journeys?: Resolver<ResolversTypes['JourneyConnection'], ParentType, ContextType, RequireFields<QueryJourneysArgs, 'first'>>;
  me?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
}>;

export type StepAttemptResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['StepAttempt'] = ResolversParentTypes['StepAttempt']> = ResolversObject<{
  count?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  durationMs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  endedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  errorCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['AttemptKind'], ParentType, ContextType>;
  number?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AttemptOutcome'], ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
}>;

export type StepAttemptConnectionResolvers<ContextType = JourneysContext, ParentType extends ResolversParentTypes['StepAttemptConnection'] = ResolversParentTypes['StepAttemptConnection']> = ResolversObject<{
  nodes?: Resolver<Array<ResolversTypes['StepAttempt']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['JourneyPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
}>;

export type Resolvers<ContextType = JourneysContext> = ResolversObject<{
  Account?: AccountResolvers<ContextType>;
  Card?: CardResolvers<ContextType>;
  CardJourneyPayload?: CardJourneyPayloadResolvers<ContextType>;
  Consent?: ConsentResolvers<ContextType>;
  ConsentPartner?: ConsentPartnerResolvers<ContextType>;
  ConsentPayment?: ConsentPaymentResolvers<ContextType>;
  ConvertCurrencyPayload?: ConvertCurrencyPayloadResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  InternationalPaymentPayload?: InternationalPaymentPayloadResolvers<ContextType>;
  Journey?: JourneyResolvers<ContextType>;
  JourneyAction?: JourneyActionResolvers<ContextType>;
  JourneyActionPayload?: JourneyActionPayloadResolvers<ContextType>;
  JourneyConnection?: JourneyConnectionResolvers<ContextType>;
  JourneyPageInfo?: JourneyPageInfoResolvers<ContextType>;
  JourneyStatusCount?: JourneyStatusCountResolvers<ContextType>;
  JourneyStep?: JourneyStepResolvers<ContextType>;
  JourneySummary?: JourneySummaryResolvers<ContextType>;
  JourneyTypeCount?: JourneyTypeCountResolvers<ContextType>;
  Money?: MoneyResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  OnboardCustomerPayload?: OnboardCustomerPayloadResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  StepAttempt?: StepAttemptResolvers<ContextType>;
  StepAttemptConnection?: StepAttemptConnectionResolvers<ContextType>;
}>;

export type DirectiveResolvers<ContextType = JourneysContext> = ResolversObject<{
  audited?: AuditedDirectiveResolver<any, any, ContextType>;
  scopes?: ScopesDirectiveResolver<any, any, ContextType>;
}>;
