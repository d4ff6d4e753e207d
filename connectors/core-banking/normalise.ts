import { createHash } from 'node:crypto';
import { badUserInput } from '../../lib/errors.js';
import { moneyFromMajorFloat, zero, type Money } from '../../lib/money.js';
import type {
  Account,
  AccountStatus,
  CustomerProfile,
  CustomerStatus,
  Transaction,
  TransactionType,
} from '../../lib/domain.js';
import type {
  FineractClient,
  FineractCurrency,
  FineractDate,
  FineractSavingsAccount,
  FineractSavingsStatus,
  FineractSavingsTransaction,
  FineractTransactionType,
} from './dialect.js';
import { badResponse } from './errors.js';

/**
 * Fineract's dialect into bank-wide types: ids ours (acc-5001, txn-100001), ISO 8601 dates, exact Money, our enums.
 * Anything that does not fit is an UPSTREAM_BAD_RESPONSE naming the route, never a half-read value.
 */

const ACCOUNT_ID = /^acc-([1-9]\d{0,14})$/;

/** "acc-5001" -> 5001; undefined for anything else (the caller answers without asking the legacy system). */
export function savingsIdOf(accountId: string): number | undefined {
  const m = ACCOUNT_ID.exec(accountId);
  return m ? Number(m[1]) : undefined;
}

export function accountIdOf(savingsId: number): string {
  return `acc-${savingsId}`;
}

export function transactionIdOf(transactionId: number): string {
  return `txn-${transactionId}`;
}

/** [2024, 1, 31] -> "2024-01-31". */
export function isoFromFineract(value: unknown, route: string, what: string): string {
  if (!Array.isArray(value) || value.length < 3 || !value.slice(0, 3).every((n) => Number.isInteger(n))) {
    throw badResponse(route, `${what} is not a date array`);
  }
  const [y, m, d] = value as unknown as FineractDate;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1000 || y > 9999 || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    throw badResponse(route, `${what} is not a calendar date`);
  }
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function optionalIso(value: unknown, route: string, what: string): string | null {
  return value === undefined || value === null ? null : isoFromFineract(value, route, what);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "1988-04-12" -> "12 April 1988", the request format the connector declares (dd MMMM yyyy, en). */
export function requestDate(iso: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!m) return undefined;
  const [, y, mo, d] = m;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (date.getUTCMonth() !== Number(mo) - 1 || date.getUTCDate() !== Number(d)) return undefined;
  return `${d} ${MONTHS[Number(mo) - 1]} ${y}`;
}

/** Today (UTC) as an ISO date: the business date of writes that do not name one. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

/** A request date (ISO in, Fineract text out); BAD_USER_INPUT when it is not a calendar date. */
export function dateParam(iso: string, field: string): string {
  const text = requestDate(iso);
  if (text === undefined) throw badUserInput(field, `${field} must be an ISO 8601 date (YYYY-MM-DD)`);
  return text;
}

/** The savings id of one of our account ids; BAD_USER_INPUT for anything else (a write needs a real account). */
export function requireSavingsId(accountId: string): number {
  const id = savingsIdOf(accountId);
  if (id === undefined) throw badUserInput('accountId', 'not an account id of this bank');
  return id;
}

function currencyCode(c: FineractCurrency | undefined, route: string): string {
  if (typeof c?.code !== 'string') throw badResponse(route, 'currency without a code');
  return c.code;
}

/** A float in major units, exactly (2450.75 -> 245075 minor). */
export function money(value: unknown, currency: string, route: string, what: string): Money {
  if (typeof value !== 'number') throw badResponse(route, `${what} is not a number`);
  try {
    return moneyFromMajorFloat(value, currency);
  } catch (err) {
    throw badResponse(route, `${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }
}

function text(value: unknown, route: string, what: string): string {
  if (typeof value !== 'string') throw badResponse(route, `${what} is missing`);
  return value;
}

function positiveInt(value: unknown, route: string, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw badResponse(route, `${what} is not an id`);
  return value;
}

function customerStatus(status: FineractClient['status'] | undefined, route: string): CustomerStatus {
  switch (status?.id) {
    case 100:
      return 'PENDING';
    case 300:
    case 303: // transfer in progress
    case 304: // transfer on hold
      return 'ACTIVE';
    case 600:
    case 700: // rejected
    case 800: // withdrawn
      return 'CLOSED';
    default:
      throw badResponse(route, `unknown client status ${String(status?.id)}`);
  }
}

export function toCustomer(c: FineractClient, route: string): CustomerProfile {
  const id = text(c.externalId, route, 'client externalId');
  const firstName = typeof c.firstname === 'string' ? c.firstname : '';
  const lastName = typeof c.lastname === 'string' ? c.lastname : '';
  return {
    id,
    coreBankingId: String(positiveInt(c.id, route, 'client id')),
    firstName,
    lastName,
    displayName: typeof c.displayName === 'string' ? c.displayName : `${firstName} ${lastName}`.trim(),
    email: typeof c.emailAddress === 'string' && c.emailAddress !== '' ? c.emailAddress : null,
    phone: typeof c.mobileNo === 'string' && c.mobileNo !== '' ? c.mobileNo : null,
    dateOfBirth: optionalIso(c.dateOfBirth, route, 'dateOfBirth'),
    status: customerStatus(c.status, route),
    customerSince: optionalIso(c.activationDate, route, 'activationDate'),
  };
}

/** Fineract's savings status into ours: 400 (withdrawn by applicant) and 500 (rejected) are both REJECTED. */
export function accountStatus(status: FineractSavingsStatus | undefined, route: string): AccountStatus {
  switch (status?.id) {
    case 100:
      return 'SUBMITTED';
    case 200:
      return 'APPROVED';
    case 300:
    case 303: // transfer in progress
    case 304: // transfer on hold
      return 'ACTIVE';
    case 400: // withdrawn by applicant
    case 500:
      return 'REJECTED';
    case 600:
    case 700: // closed before maturity
    case 800: // matured
      return 'CLOSED';
    default:
      throw badResponse(route, `unknown savings account status ${String(status?.id)}`);
  }
}

/**
 * Balances: an account not active yet has none on the wire (Fineract leaves nulls out), which is zero. One balance
 * without the other is not guessed at: available = ledger would hide funds on hold, and a ledger of 0 next to an
 * available balance would show a customer's money as gone.
 */
function balances(ledger: unknown, available: unknown, currency: string, route: string): [Money, Money] {
  if (ledger === undefined && available === undefined) return [zero(currency), zero(currency)];
  if (available === undefined) throw badResponse(route, 'availableBalance is missing');
  if (ledger === undefined) throw badResponse(route, 'accountBalance is missing');
  return [money(ledger, currency, route, 'accountBalance'), money(available, currency, route, 'availableBalance')];
}

export function accountFromFull(a: FineractSavingsAccount, customerId: string, route: string): Account {
  const currency = currencyCode(a.currency, route);
  const [balance, availableBalance] = balances(a.summary?.accountBalance, a.summary?.availableBalance, currency, route);
  return {
    id: accountIdOf(positiveInt(a.id, route, 'savings id')),
    customerId,
    number: text(a.accountNo, route, 'accountNo'),
    productName: text(a.savingsProductName, route, 'savingsProductName'),
    currency,
    balance,
    availableBalance,
    status: accountStatus(a.status, route),
    openedOn: optionalIso(a.timeline?.activatedOnDate, route, 'activatedOnDate'),
  };
}

/**
 * Fineract's savings transaction types (SavingsAccountTransactionType) into ours. The two legs of an account transfer
 * are a withdrawal and a deposit that carry `transfer`; a client's transfer between offices moves the balance out
 * (initiate) and back in (approve, withdraw, reject). A type bankgraph has no name for (a waiver, a write-off, an
 * escheat, or one a later Fineract adds) is OTHER with Fineract's own wording as the description: one odd
 * transaction must not make a customer's whole history unreadable.
 */
function transactionType(t: FineractSavingsTransaction, route: string): TransactionType {
  const type: FineractTransactionType | undefined = t.transactionType;
  if (typeof type?.id !== 'number') throw badResponse(route, 'transaction without a type');
  const transfer = t.transfer !== undefined && t.transfer !== null;
  switch (type.id) {
    case 1:
      return transfer ? 'TRANSFER_IN' : 'DEPOSIT';
    case 2:
      return transfer ? 'TRANSFER_OUT' : 'WITHDRAWAL';
    case 3: // interest posting
    case 8: // dividend payout
      return 'INTEREST';
    case 4: // withdrawal fee
    case 5: // annual fee
    case 7: // pay charge
    case 17: // overdraft interest
      return 'FEE';
    case 12: // initiate transfer
      return 'TRANSFER_OUT';
    case 13: // approve transfer
    case 14: // withdraw transfer
    case 15: // reject transfer
      return 'TRANSFER_IN';
    case 18: // withhold tax
      return 'TAX';
    case 20: // amount hold
      return 'HOLD';
    case 21: // amount release
      return 'HOLD_RELEASE';
    default:
      return 'OTHER';
  }
}

/**
 * A savings transaction. A reversed one (Fineract's undo) stays in the history with `reversed: true` and no effect
 * on the balance; it is shown, flagged, rather than dropped, so the history matches what the customer was told.
 */
export function toTransaction(t: FineractSavingsTransaction, route: string): Transaction {
  const currency = currencyCode(t.currency, route);
  const amount = money(t.amount, currency, route, 'amount');
  if (amount.minor < 0n) throw badResponse(route, 'negative transaction amount');
  if (typeof t.reversed !== 'boolean') throw badResponse(route, 'transaction without its reversed flag');
  return {
    id: transactionIdOf(positiveInt(t.id, route, 'transaction id')),
    accountId: accountIdOf(positiveInt(t.accountId, route, 'transaction accountId')),
    type: transactionType(t, route),
    amount,
    runningBalance: t.runningBalance === undefined || t.runningBalance === null ? null : money(t.runningBalance, currency, route, 'runningBalance'),
    bookedOn: isoFromFineract(t.date, route, 'transaction date'),
    description: typeof t.transactionType?.value === 'string' ? t.transactionType.value : '',
    reference: receiptNumberOf(t),
    reversed: t.reversed,
  };
}

/** The receipt number a writer gave with the transaction (bankgraph's reference for its own), or null. */
export function receiptNumberOf(t: FineractSavingsTransaction): string | null {
  const receipt = t.paymentDetailData?.receiptNumber;
  return typeof receipt === 'string' && receipt !== '' ? receipt : null;
}

/** The receipt number and payment-detail columns are 50 characters wide (m_payment_detail), as is the Idempotency-Key. */
export const MAX_LEGACY_KEY_LENGTH = 50;

/**
 * A journey reference as Fineract can hold it (receipt number, Idempotency-Key): the reference itself when it fits in
 * 50 characters; otherwise its first 36 characters (a journey id, so an operator still sees whose it is), "~" and 13
 * hex characters of the whole reference's SHA-256. Deterministic: a retry sends the same key.
 */
export function legacyKeyOf(reference: string): string {
  if (reference.length <= MAX_LEGACY_KEY_LENGTH) return reference;
  return `${reference.slice(0, 36)}~${createHash('sha256').update(reference, 'utf8').digest('hex').slice(0, MAX_LEGACY_KEY_LENGTH - 37)}`;
}

/** Cursors are opaque to clients: base64url of the offset of the next item. */
export function encodeCursor(offset: number): string {
  return Buffer.from(`o${offset}`, 'utf8').toString('base64url');
}

/** The offset in a cursor, or undefined when it is not one of ours. */
export function decodeCursor(cursor: string): number | undefined {
  const m = /^o(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return m ? Number(m[1]) : undefined;
}

/**
 * BAD_USER_INPUT (field "after") unless `after` is absent or one of our transaction cursors. A caller checks each
 * page's cursor before batching the pages: inside a batch, one bad cursor would fail every page of it.
 */
export function checkTransactionCursor(after: string | null | undefined): void {
  if (after !== null && after !== undefined && after !== '' && decodeCursor(after) === undefined) {
    throw badUserInput('after', 'The cursor is not valid: pass the pageInfo.endCursor of a previous page.');
  }
}
