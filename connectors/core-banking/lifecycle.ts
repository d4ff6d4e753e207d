import type { LegacyCall, LegacyHttpClient } from '../http.js';
import type { AccountStatus } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { CLIENT_CLOSURE_REASON_ID, REQUEST_DATE_FORMAT, type FineractCommandResult, type FineractSavingsAccount } from './dialect.js';
import { badResponse, isNotFound, SYSTEM } from './errors.js';
import { accountStatus, dateParam, money, today } from './normalise.js';

/**
 * Lifecycle writes of clients and savings accounts, and their undoing. Fineract refuses a command the account is not
 * in the state for, a repeat included, so none of these is retried: a caller that does not know whether a command
 * went through reads the state (readAccountState) and decides from there.
 */

export type SavingsCommand = 'approve' | 'activate' | 'close' | 'reject' | 'undoapproval';

/** The date each command carries; undoapproval carries none. */
const DATE_FIELD: Record<SavingsCommand, string | null> = {
  approve: 'approvedOnDate',
  activate: 'activatedOnDate',
  close: 'closedOnDate',
  reject: 'rejectedOnDate',
  undoapproval: null,
};

/** Refusals that only say "the account is not in the state for this command" (someone moved it meanwhile). */
const STATE_REFUSALS = new Set([
  'error.msg.savingsaccount.not.in.submittedandpendingapproval.state',
  'error.msg.savingsaccount.reject.not.in.submittedandpendingapproval.state',
  'error.msg.savingsaccount.undoapproval.not.in.approved.state',
  'error.msg.savingsaccount.not.in.approved.state',
  'error.msg.savingsaccount.not.in.active.state',
]);

const ACCOUNT_ROUTE = 'GET /savingsaccounts/:savingsId';

/** A write; Fineract answers ids only, and always a resourceId. */
export async function write(http: LegacyHttpClient, call: LegacyCall): Promise<FineractCommandResult> {
  const res = await http.json<FineractCommandResult>(call);
  if (typeof res?.resourceId !== 'number') throw badResponse(call.route, 'write answer without resourceId');
  return res;
}

/** POST /savingsaccounts/{id}?command=…, dated today (UTC). Not retried. */
export async function savingsCommand(http: LegacyHttpClient, savingsId: number, command: SavingsCommand, extra: object = {}): Promise<void> {
  const dateField = DATE_FIELD[command];
  const body = { ...(dateField !== null ? { [dateField]: dateParam(today(), dateField), ...REQUEST_DATE_FORMAT } : {}), ...extra };
  const path = `/savingsaccounts/${savingsId}?command=${command}`;
  await write(http, { method: 'POST', path, route: `POST /savingsaccounts/:savingsId?command=${command}`, body, idempotent: false });
}

/** POST /clients/{id}?command=close, dated today (UTC), with the installation's "Onboarding not completed" reason. Not retried. */
export async function closeClientCommand(http: LegacyHttpClient, clientId: number, closureReasonId = CLIENT_CLOSURE_REASON_ID): Promise<void> {
  const body = { closureDate: dateParam(today(), 'closureDate'), closureReasonId, ...REQUEST_DATE_FORMAT };
  await write(http, { method: 'POST', path: `/clients/${clientId}?command=close`, route: 'POST /clients/:clientId?command=close', body, idempotent: false });
}

export interface AccountState {
  readonly status: AccountStatus;
  /** A ledger or available balance other than zero: money (or a hold) is on the account. */
  readonly holdsMoney: boolean;
}

/** One read of an account's status and whether money is on it; null when Fineract does not know the account. */
export async function readAccountState(http: LegacyHttpClient, savingsId: number): Promise<AccountState | null> {
  let account: FineractSavingsAccount;
  try {
    account = await http.json<FineractSavingsAccount>({ method: 'GET', path: `/savingsaccounts/${savingsId}`, route: ACCOUNT_ROUTE, idempotent: true });
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
  if (typeof account !== 'object' || account === null) throw badResponse(ACCOUNT_ROUTE, 'account is not an object');
  const status = accountStatus(account.status, ACCOUNT_ROUTE);
  const currency = typeof account.currency?.code === 'string' ? account.currency.code : undefined;
  if (currency === undefined) throw badResponse(ACCOUNT_ROUTE, 'currency without a code');
  // Fineract leaves the balances out until an account has one: absent is zero.
  const holdsMoney = [account.summary?.accountBalance, account.summary?.availableBalance].some(
    (v, i) => v !== undefined && v !== null && money(v, currency, ACCOUNT_ROUTE, i === 0 ? 'accountBalance' : 'availableBalance').minor !== 0n,
  );
  return { status, holdsMoney };
}

export type WithdrawalOutcome = 'REJECTED' | 'CLOSED' | 'ALREADY_GONE';

/**
 * Undoes the opening of an account from whatever state it is in now (see CoreBankingConnector.withdrawAccountOpening).
 * Each pass reads the state first, so a repeat after a crash or a lost answer carries on from where the last one
 * stopped. A refusal saying the account moved meanwhile (a concurrent run) is answered by reading again, twice at most.
 */
export async function withdrawOpening(http: LegacyHttpClient, savingsId: number): Promise<WithdrawalOutcome> {
  for (let pass = 0; ; pass++) {
    const state = await readAccountState(http, savingsId);
    if (state === null) {
      throw new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this account`, { route: ACCOUNT_ROUTE, status: 404 });
    }
    try {
      return await undoFrom(http, savingsId, state);
    } catch (err) {
      const moved = err instanceof UpstreamError && err.code === ErrorCode.UPSTREAM_REJECTED && STATE_REFUSALS.has(err.detail.legacyCode ?? '');
      if (!moved || pass >= 2) throw err;
    }
  }
}

async function undoFrom(http: LegacyHttpClient, savingsId: number, { status, holdsMoney }: AccountState): Promise<WithdrawalOutcome> {
  switch (status) {
    case 'CLOSED':
    case 'REJECTED':
      return 'ALREADY_GONE';
    case 'APPROVED':
      await savingsCommand(http, savingsId, 'undoapproval');
      await savingsCommand(http, savingsId, 'reject');
      return 'REJECTED';
    case 'SUBMITTED':
      await savingsCommand(http, savingsId, 'reject');
      return 'REJECTED';
    case 'ACTIVE':
      if (holdsMoney) {
        // Never move a customer's money out to undo an opening: a person must look.
        throw new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, 'The account holds money and cannot be withdrawn automatically', {
          route: 'withdrawAccountOpening',
          legacyCode: 'ACCOUNT_HOLDS_MONEY',
          legacyMessage: `savings account ${savingsId} is active with a balance or a hold`,
        });
      }
      await savingsCommand(http, savingsId, 'close', { withdrawBalance: false });
      return 'CLOSED';
  }
}
