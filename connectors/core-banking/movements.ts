import type { LegacyHttpClient } from '../http.js';
import { badUserInput, ErrorCode, UpstreamError } from '../../lib/errors.js';
import { toDecimalString, type Money } from '../../lib/money.js';
import type { Transaction } from '../../lib/domain.js';
import { IDEMPOTENCY_KEY_HEADER, REQUEST_DATE_FORMAT, type FineractSavingsAccount } from './dialect.js';
import { badResponse, IN_PROGRESS, isNotFound, SYSTEM } from './errors.js';
import { write } from './lifecycle.js';
import { dateParam, legacyKeyOf, requireSavingsId, today, toTransaction, transactionIdOf } from './normalise.js';

export interface MoneyMovement {
  readonly accountId: string;
  /** Positive, in the account's currency. */
  readonly amount: Money;
  /** Idempotency reference: the same reference never moves money twice. */
  readonly reference: string;
  /** ISO 8601 business date; today (UTC) when omitted. */
  readonly bookedOn?: string;
}

/**
 * A deposit or withdrawal, exactly once. Fineract's savings transactions have no externalId; its own guard is the
 * `Idempotency-Key` header: a command sent again under the same key (for the same action and account kind) is not run
 * again, its first answer comes back (`x-served-from-cache: true`), a refusal included. So the call carries the
 * reference as that key and is retried. Fineract does not compare the bodies under one key, which is why the key is
 * the journey step's own reference, never reused for another intent.
 *
 * The reference also goes into the transaction, as the receipt number of its payment details (with the installation's
 * payment type, CORE_BANKING_PAYMENT_TYPE_ID): Fineract shows it on the transaction, which is how
 * findTransactionByReference finds out what became of a movement whose answer was lost. Both fields are 50
 * characters wide; a longer reference goes as its digest (legacyKeyOf), the same on every try.
 *
 * The amount goes as an exact decimal string, after checking it is in the account's currency (Fineract would book
 * 10.00 USD on an EUR account as 10.00 EUR).
 */
export async function move(
  http: LegacyHttpClient,
  paymentTypeId: number,
  command: 'deposit' | 'withdrawal',
  input: MoneyMovement,
): Promise<{ transactionId: string }> {
  const savingsId = requireSavingsId(input.accountId);
  if (input.amount.minor <= 0n) throw badUserInput('amount', 'the amount must be positive');
  if (input.reference.trim() === '') throw badUserInput('reference', 'a reference is required');
  const transactionDate = dateParam(input.bookedOn ?? today(), 'bookedOn');
  const accountRoute = 'GET /savingsaccounts/:savingsId';
  const account = await http.json<FineractSavingsAccount>({ method: 'GET', path: `/savingsaccounts/${savingsId}`, route: accountRoute, idempotent: true });
  if (account?.currency?.code !== input.amount.currency) throw badUserInput('amount', `the account is held in ${account?.currency?.code ?? 'another currency'}`);
  const key = legacyKeyOf(input.reference);
  const body = { transactionDate, transactionAmount: toDecimalString(input.amount), paymentTypeId, receiptNumber: key, ...REQUEST_DATE_FORMAT };
  const route = `POST /savingsaccounts/:savingsId/transactions?command=${command}`;
  let res;
  try {
    res = await write(http, { method: 'POST', path: `/savingsaccounts/${savingsId}/transactions?command=${command}`, route, headers: { [IDEMPOTENCY_KEY_HEADER]: key }, body, idempotent: true });
  } catch (err) {
    // Still 409 after the retries: Fineract is running a command under this key, so it may yet book it. That is an
    // unknown outcome (a journey asks again, and parks the journey for a person if it never learns), never a
    // "nothing happened" that would let the payment fail while the debit lands after.
    if (err instanceof UpstreamError && err.detail.legacyCode === IN_PROGRESS) {
      throw new UpstreamError(ErrorCode.UPSTREAM_TIMEOUT, SYSTEM, `${SYSTEM} has not finished this request yet`, { ...err.detail, route }, err);
    }
    throw err;
  }
  return { transactionId: transactionIdOf(res.resourceId) };
}

/**
 * The deposit or withdrawal booked with this reference, or null if there is none. Fineract has no lookup of a savings
 * transaction by a reference of ours, so this reads the account's transactions (GET /savingsaccounts/{id}
 * ?associations=transactions) and takes the one whose payment details carry the reference as receipt number under
 * the installation's payment type (a teller's receipt of the same number under another type is not ours). Reversed
 * transactions are found too, flagged: "was it booked" and "was it undone" are different answers.
 */
export async function findMovement(http: LegacyHttpClient, paymentTypeId: number, savingsId: number, reference: string): Promise<Transaction | null> {
  const route = 'GET /savingsaccounts/:savingsId?associations=transactions';
  let account: FineractSavingsAccount;
  try {
    account = await http.json<FineractSavingsAccount>({ method: 'GET', path: `/savingsaccounts/${savingsId}?associations=transactions`, route, idempotent: true });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  if (account?.transactions !== undefined && !Array.isArray(account.transactions)) throw badResponse(route, 'transactions is not a list');
  const key = legacyKeyOf(reference);
  const found = (account?.transactions ?? []).find((t) => t?.paymentDetailData?.receiptNumber === key && t.paymentDetailData.paymentType?.id === paymentTypeId);
  return found ? toTransaction(found, route) : null;
}
