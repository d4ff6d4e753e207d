import type { LegacyHttpClient } from '../http.js';
import { badUserInput } from '../../lib/errors.js';
import { toDecimalString, type Money } from '../../lib/money.js';
import { REQUEST_DATE_FORMAT, type FineractSavingsAccount } from './dialect.js';
import { write } from './lifecycle.js';
import { dateParam, requireSavingsId, today, transactionIdOf } from './normalise.js';

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
 * A deposit or withdrawal carrying its reference as externalId: Fineract books one transaction per externalId and
 * answers a repeat with the first one, so the call is retried. The amount goes as an exact decimal string, after
 * checking it is in the account's currency (Fineract would book 10.00 USD on an EUR account as 10.00 EUR).
 */
export async function move(http: LegacyHttpClient, command: 'deposit' | 'withdrawal', input: MoneyMovement): Promise<{ transactionId: string }> {
  const savingsId = requireSavingsId(input.accountId);
  if (input.amount.minor <= 0n) throw badUserInput('amount', 'the amount must be positive');
  if (input.reference.trim() === '') throw badUserInput('reference', 'a reference is required');
  const transactionDate = dateParam(input.bookedOn ?? today(), 'bookedOn');
  const accountRoute = 'GET /savingsaccounts/:savingsId';
  const account = await http.json<FineractSavingsAccount>({ method: 'GET', path: `/savingsaccounts/${savingsId}`, route: accountRoute, idempotent: true });
  if (account?.currency?.code !== input.amount.currency) throw badUserInput('amount', `the account is held in ${account?.currency?.code ?? 'another currency'}`);
  const body = { transactionDate, transactionAmount: toDecimalString(input.amount), externalId: input.reference, ...REQUEST_DATE_FORMAT };
  const path = `/savingsaccounts/${savingsId}/transactions?command=${command}`;
  const res = await write(http, { method: 'POST', path, route: `POST /savingsaccounts/:savingsId/transactions?command=${command}`, body, idempotent: true });
  return { transactionId: transactionIdOf(res.resourceId) };
}
