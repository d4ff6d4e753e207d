import { LegacyHttpClient, type BreakerOptions, type RetryOptions } from '../http.js';
import { tuning } from '../util.js';
import type { Account, AccountStatus, CustomerProfile, Transaction, TransactionPage, TransactionPageRequest } from '../../lib/domain.js';
import { badUserInput, UpstreamError } from '../../lib/errors.js';
import { BatchCoalescer } from './batch.js';
import {
  API_PREFIX,
  SANDBOX_INSTALLATION,
  type FineractInstallation,
  REQUEST_DATE_FORMAT,
  type FineractClient,
  type FineractClientAccounts,
  type FineractSavingsAccount,
  type SavingsProduct,
} from './dialect.js';
import { badResponse, isNotFound, isRefusal, mapFineractError, SYSTEM } from './errors.js';
import { closeClientCommand, readAccountState, savingsCommand, withdrawOpening, write, type WithdrawalOutcome } from './lifecycle.js';
import { findMovement, move, type MoneyMovement } from './movements.js';
import {
  accountFromFull,
  accountIdOf,
  checkTransactionCursor,
  dateParam,
  decodeCursor,
  encodeCursor,
  requireSavingsId,
  savingsIdOf,
  toCustomer,
  today,
  toTransaction,
} from './normalise.js';

export type { SavingsProduct } from './dialect.js';
export { SAVINGS_PRODUCTS } from './dialect.js';
export { checkTransactionCursor, legacyKeyOf } from './normalise.js';
export type { WithdrawalOutcome } from './lifecycle.js';
export type { MoneyMovement } from './movements.js';

export interface CoreBankingConnectorOptions {
  /** The system's origin ("http://127.0.0.1:4101"); /fineract-provider/api/v1 is added unless the URL has it. */
  readonly baseUrl: string;
  readonly timeoutMs?: number;
  readonly credentials: { readonly user: string; readonly password: string; readonly tenant: string };
  /** The installation's savings product ids and closure reason. @default the sandbox's (SANDBOX_INSTALLATION) */
  readonly installation?: FineractInstallation;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

/** Page size ceiling of getTransactionPages. */
export const MAX_PAGE_SIZE = 100;

const enc = encodeURIComponent;

const SAVINGS_ROUTE = 'GET /savingsaccounts/:savingsId';
const HISTORY_ROUTE = 'GET /savingsaccounts/:savingsId?associations=transactions';

/**
 * An account and its whole history, newest first (getAccountsWithHistoryOfCustomers); null when the history could not
 * be read (a transaction that does not fit): the account still shows, and its page is asked for on its own, failing
 * alone (getTransactionPages).
 */
export interface AccountWithHistory {
  readonly account: Account;
  readonly history: readonly Transaction[] | null;
}

const EMPTY_PAGE: TransactionPage = { items: [], totalCount: 0, nextCursor: null };

/** Where a page starts and how long it is. Callers check the cursor first (checkTransactionCursor): here it throws. */
function pageBounds(r: TransactionPageRequest): { offset: number; first: number } {
  checkTransactionCursor(r.after);
  const offset = r.after ? (decodeCursor(r.after) as number) : 0;
  const first = Number.isFinite(r.first) ? Math.min(Math.max(Math.trunc(r.first), 0), MAX_PAGE_SIZE) : MAX_PAGE_SIZE;
  return { offset, first };
}

function pageOf(history: readonly Transaction[], offset: number, first: number): TransactionPage {
  const items = history.slice(offset, offset + first);
  const next = offset + items.length;
  return { items, totalCount: history.length, nextCursor: items.length > 0 && next < history.length ? encodeCursor(next) : null };
}

/** A page of a history read with the account (getAccountsWithHistoryOfCustomers), as getTransactionPages would answer it. */
export function pageOfHistory(history: readonly Transaction[], request: TransactionPageRequest): TransactionPage {
  const { offset, first } = pageBounds(request);
  return pageOf(bookedWithin(history, request.bookedWithin), offset, first);
}

/** The transactions booked within the window (dates compare as strings: both are YYYY-MM-DD), in the same order. */
function bookedWithin(history: readonly Transaction[], window: TransactionPageRequest['bookedWithin']): readonly Transaction[] {
  if (!window || (window.from === null && window.to === null)) return history;
  const { from, to } = window;
  return history.filter((t) => (from === null || t.bookedOn >= from) && (to === null || t.bookedOn <= to));
}

/** An account's transactions (read with ?associations=transactions), newest first: by business date, then by id. */
function historyOf(account: FineractSavingsAccount): Transaction[] {
  if (account.transactions !== undefined && !Array.isArray(account.transactions)) throw badResponse(HISTORY_ROUTE, 'transactions is not a list');
  const items = (account.transactions ?? []).map((t) => toTransaction(t, HISTORY_ROUTE));
  return items.sort((x, y) => y.bookedOn.localeCompare(x.bookedOn) || transactionNumber(y.id) - transactionNumber(x.id));
}

/** historyOf, or null when one of its transactions cannot be read: that must not cost the account list. */
function historyOrNull(account: FineractSavingsAccount): Transaction[] | null {
  try {
    return historyOf(account);
  } catch (err) {
    if (err instanceof UpstreamError) return null;
    throw err;
  }
}

function positiveId(value: unknown, route: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) throw badResponse(route, 'an id is not a positive whole number');
  return value;
}

/** "txn-100001" -> 100001 (ids come from toTransaction, so always of this shape). */
function transactionNumber(id: string): number {
  return Number(id.slice('txn-'.length));
}

/**
 * The core banking system (Apache Fineract). Reads go out as one POST /batches per call, whatever the number of ids;
 * writes return ids only, like Fineract. Retries: reads, and writes that carry a reference Fineract honours
 * (deposits and withdrawals by transaction externalId, account opening by account externalId). Lifecycle commands
 * (approve, activate, close, closeClient) are not retried: a repeat is refused, so a journey reads the state first
 * (getAccountStatus, findClientByCustomerId) to re-run one safely. withdrawAccountOpening reads it itself.
 */
export class CoreBankingConnector {
  readonly http: LegacyHttpClient;
  /** Reads asked for in the same tick go out as one POST /batches. */
  private readonly batch: BatchCoalescer;
  private readonly installation: FineractInstallation;

  constructor(options: CoreBankingConnectorOptions) {
    const base = new URL(options.baseUrl);
    if (!base.pathname.replace(/\/$/, '').endsWith(API_PREFIX)) base.pathname = `${base.pathname.replace(/\/$/, '')}${API_PREFIX}`;
    const { user, password, tenant } = options.credentials;
    const authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: base.toString(),
      ...tuning(options),
      headers: () => ({ authorization, 'fineract-platform-tenantid': tenant }),
      mapError: mapFineractError,
    });
    this.batch = new BatchCoalescer(this.http);
    this.installation = options.installation ?? SANDBOX_INSTALLATION;
  }

  // ---- reads ---------------------------------------------------------------------------------------------------

  /**
   * Customers by our id (Fineract externalId), in input order; null for an unknown one. One GET
   * /clients/external-id/{id} each, in parallel: Fineract's batch does not run client reads.
   */
  async getCustomers(customerIds: readonly string[]): Promise<(CustomerProfile | null)[]> {
    return Promise.all(customerIds.map((id) => this.findClientByCustomerId(id)));
  }

  /**
   * The accounts of each customer, in input order; [] for an unknown customer. Fineract's list of a client's accounts
   * has no available balance, so it gives the ids, and the accounts themselves come from one POST /batches of
   * savings-account reads for all of them: one list call per customer plus one batch, whatever the number of accounts.
   */
  async getAccountsOfCustomers(customerIds: readonly string[]): Promise<Account[][]> {
    return (await this.accountsOfCustomers(customerIds, false)).map((list) => list.map(({ account }) => account));
  }

  /**
   * The accounts of each customer with their whole transaction history, newest first: the same calls as
   * getAccountsOfCustomers, the batch asking `?associations=transactions`. A dashboard that shows accounts and their
   * latest transactions pages them locally (pageOfHistory) instead of a second batch after the first: one round trip
   * to core banking fewer on its critical path.
   */
  async getAccountsWithHistoryOfCustomers(customerIds: readonly string[]): Promise<AccountWithHistory[][]> {
    return this.accountsOfCustomers(customerIds, true);
  }

  private async accountsOfCustomers(customerIds: readonly string[], withHistory: boolean): Promise<AccountWithHistory[][]> {
    const route = 'GET /clients/external-id/:externalId/accounts';
    const lists = await Promise.all(
      customerIds.map(async (id) => {
        if (id === '') return [];
        try {
          const json = await this.http.json<FineractClientAccounts>({ method: 'GET', path: `/clients/external-id/${enc(id)}/accounts`, route, idempotent: true });
          if (json?.savingsAccounts !== undefined && !Array.isArray(json.savingsAccounts)) throw badResponse(route, 'savingsAccounts is not a list');
          return (json?.savingsAccounts ?? []).map((a) => positiveId(a.id, route));
        } catch (err) {
          if (isNotFound(err)) return [];
          throw err;
        }
      }),
    );
    const accounts = await this.readSavingsAccounts(lists.flat(), withHistory);
    const readRoute = withHistory ? HISTORY_ROUTE : SAVINGS_ROUTE;
    let k = 0;
    return lists.map((ids, i) =>
      ids.flatMap(() => {
        const account = accounts[k++];
        // Listed a moment ago and gone now (deleted meanwhile): not shown rather than failing the list.
        if (account === undefined) return [];
        return [{ account: accountFromFull(account, customerIds[i] as string, readRoute), history: withHistory ? historyOrNull(account) : null }];
      }),
    );
  }

  /**
   * Accounts by our id ("acc-5001"), in input order; null for an unknown or malformed id (malformed ones are not
   * sent). Fineract's account names its client by id only, and the batch does not run client reads: one POST
   * /batches for the accounts, then one GET /clients/{id} per distinct client, to know whose account it is.
   */
  async getAccounts(accountIds: readonly string[]): Promise<(Account | null)[]> {
    const asked = accountIds.map((id, i) => ({ savingsId: savingsIdOf(id), i })).filter((a): a is { savingsId: number; i: number } => a.savingsId !== undefined);
    const accounts = await this.readSavingsAccounts(
      asked.map((a) => a.savingsId),
      false,
    );
    const clientIds = [...new Set(accounts.flatMap((a) => (a === undefined ? [] : [positiveId(a.clientId, SAVINGS_ROUTE)])))];
    const clientRoute = 'GET /clients/:clientId';
    const clients = new Map(
      await Promise.all(
        clientIds.map(async (clientId) => {
          try {
            return [clientId, await this.http.json<FineractClient>({ method: 'GET', path: `/clients/${clientId}`, route: clientRoute, idempotent: true })] as const;
          } catch (err) {
            if (isNotFound(err)) return [clientId, undefined] as const;
            throw err;
          }
        }),
      ),
    );
    const out: (Account | null)[] = accountIds.map(() => null);
    asked.forEach(({ i }, k) => {
      const account = accounts[k];
      const client = account === undefined ? undefined : clients.get(account.clientId);
      // An account of a client who is not one of our customers (no externalId) is not ours to show.
      if (account === undefined || typeof client?.externalId !== 'string') return;
      out[i] = accountFromFull(account, client.externalId, SAVINGS_ROUTE);
    });
    return out;
  }

  /**
   * Pages of transactions, newest first, in input order; an unknown or malformed account has an empty page. One POST
   * /batches of `GET v1/savingsaccounts/{id}?associations=transactions`, one part per distinct account, whatever the
   * number of pages: the only read of transactions Fineract's batch runs. It answers an account's whole history, which
   * is paged here; the search route (GET .../transactions/search, {total, content}, `offset` a page number) pages on
   * the server but cannot be batched, so a dashboard of n accounts would cost n calls.
   */
  async getTransactionPages(requests: readonly TransactionPageRequest[]): Promise<TransactionPage[]> {
    const asked = requests.map((r) => ({ savingsId: savingsIdOf(r.accountId), window: r.bookedWithin, ...pageBounds(r) }));
    const distinct = [...new Set(asked.flatMap((a) => (a.savingsId === undefined ? [] : [a.savingsId])))];
    const read = await this.readSavingsAccounts(distinct, true);
    const histories = new Map<number, readonly Transaction[]>();
    distinct.forEach((savingsId, k) => {
      const account = read[k];
      if (account !== undefined) histories.set(savingsId, historyOf(account));
    });
    return asked.map(({ savingsId, window, offset, first }) => {
      const history = savingsId === undefined ? undefined : histories.get(savingsId);
      return history === undefined ? EMPTY_PAGE : pageOf(bookedWithin(history, window), offset, first);
    });
  }

  /**
   * Savings accounts by Fineract id, in order (undefined: not found), in one POST /batches (coalesced with the reads
   * of the same tick): `v1/savingsaccounts/{id}`, with `?associations=transactions` for the history.
   */
  private async readSavingsAccounts(savingsIds: readonly number[], withTransactions: boolean): Promise<(FineractSavingsAccount | undefined)[]> {
    const route = withTransactions ? HISTORY_ROUTE : SAVINGS_ROUTE;
    const query = withTransactions ? '?associations=transactions' : '';
    const answers = await this.batch.run(savingsIds.map((id) => ({ relativeUrl: `v1/savingsaccounts/${id}${query}`, route })));
    return answers.map((json) => {
      if (json === undefined) return undefined;
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw badResponse(route, 'account is not an object');
      return json as FineractSavingsAccount;
    });
  }

  // ---- writes (journeys) ---------------------------------------------------------------------------------------

  /** Opens a client whose externalId is our customer id. Not retried: a second try would be refused as a duplicate. */
  async createClient(input: {
    customerId: string;
    firstName: string;
    lastName: string;
    email: string | null;
    phone: string | null;
    dateOfBirth: string | null;
  }): Promise<{ coreBankingId: string }> {
    const body = {
      officeId: 1,
      legalFormId: 1,
      firstname: input.firstName,
      lastname: input.lastName,
      externalId: input.customerId,
      ...(input.email ? { emailAddress: input.email } : {}),
      ...(input.phone ? { mobileNo: input.phone } : {}),
      ...(input.dateOfBirth ? { dateOfBirth: dateParam(input.dateOfBirth, 'dateOfBirth') } : {}),
      active: true,
      activationDate: dateParam(today(), 'activationDate'),
      ...REQUEST_DATE_FORMAT,
    };
    const res = await write(this.http, { method: 'POST', path: '/clients', route: 'POST /clients', body, idempotent: false });
    return { coreBankingId: String(res.clientId ?? res.resourceId) };
  }

  /**
   * The customer with this id, or null: what a journey asks after an unknown outcome of createClient. Its `status`
   * tells a closed client (CLOSED) from an open one (ACTIVE), e.g. before closeClient.
   */
  async findClientByCustomerId(customerId: string): Promise<CustomerProfile | null> {
    if (customerId === '') return null;
    const route = 'GET /clients/external-id/:externalId';
    try {
      const client = await this.http.json<FineractClient>({ method: 'GET', path: `/clients/external-id/${enc(customerId)}`, route, idempotent: true });
      return toCustomer(client, route);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  /**
   * Submits a savings account application with `reference` as its externalId. Safe to retry: Fineract refuses a
   * second account with the same externalId, and that refusal is answered with the account the first try opened.
   */
  async createSavingsAccount(input: { coreBankingId: string; product: SavingsProduct; reference: string }): Promise<{ accountId: string }> {
    if (!/^[1-9]\d{0,15}$/.test(input.coreBankingId)) throw badUserInput('coreBankingId', 'not a core banking client id');
    const productId = this.installation.savingsProductIds[input.product];
    const body = { clientId: Number(input.coreBankingId), productId, externalId: input.reference, submittedOnDate: dateParam(today(), 'submittedOnDate'), ...REQUEST_DATE_FORMAT };
    try {
      const res = await write(this.http, { method: 'POST', path: '/savingsaccounts', route: 'POST /savingsaccounts', body, idempotent: true });
      return { accountId: accountIdOf(res.savingsId ?? res.resourceId) };
    } catch (err) {
      if (!isRefusal(err, 'error.msg.savingsaccount.duplicate.externalId')) throw err;
      const route = 'GET /savingsaccounts/external-id/:externalId';
      const earlier = await this.http.json<FineractSavingsAccount>({ method: 'GET', path: `/savingsaccounts/external-id/${enc(input.reference)}`, route, idempotent: true });
      // The reference is someone else's account: refuse rather than hand it over.
      if (earlier.clientId !== Number(input.coreBankingId) || (earlier.savingsProductId !== undefined && earlier.savingsProductId !== productId)) throw err;
      return { accountId: accountIdOf(earlier.id) };
    }
  }

  /** SUBMITTED -> APPROVED. Not retried; to re-run safely, approve only while getAccountStatus says SUBMITTED. */
  async approveAccount(accountId: string): Promise<void> {
    return savingsCommand(this.http, requireSavingsId(accountId), 'approve');
  }

  /** APPROVED -> ACTIVE. Not retried; to re-run safely, activate only while getAccountStatus says APPROVED. */
  async activateAccount(accountId: string): Promise<void> {
    return savingsCommand(this.http, requireSavingsId(accountId), 'activate');
  }

  /** Closes an active account with a zero balance (a balance left is refused: UPSTREAM_REJECTED). */
  async closeAccount(accountId: string): Promise<void> {
    return savingsCommand(this.http, requireSavingsId(accountId), 'close', { withdrawBalance: false });
  }

  /** The account's status in one read (retried), or null for an unknown or malformed id. */
  async getAccountStatus(accountId: string): Promise<AccountStatus | null> {
    const savingsId = savingsIdOf(accountId);
    if (savingsId === undefined) return null;
    return (await readAccountState(this.http, savingsId))?.status ?? null;
  }

  /**
   * The compensation of opening an account: reads its status and undoes the opening from there. SUBMITTED: reject;
   * APPROVED: undo the approval, then reject; ACTIVE with a zero balance and no hold: close; CLOSED or REJECTED:
   * nothing (ALREADY_GONE). ACTIVE with money on it: UPSTREAM_REJECTED (legacyCode ACCOUNT_HOLDS_MONEY), and nothing
   * is done: a person must look. Safe to call again after a crash or a timeout at any point; a repeat that finds the
   * work done answers ALREADY_GONE. NOT_FOUND for an account the system does not know.
   */
  async withdrawAccountOpening(accountId: string): Promise<WithdrawalOutcome> {
    return withdrawOpening(this.http, requireSavingsId(accountId));
  }

  /**
   * Closes a client (ACTIVE -> CLOSED), reason "Onboarding not completed". Not retried. Refused (UPSTREAM_REJECTED)
   * while the client has an account that is not closed or rejected (legacyCode
   * error.msg.client.close.non.closed.savings.account) and when the client is not active, a closed one included:
   * check findClientByCustomerId(...).status first to re-run it safely.
   */
  async closeClient(coreBankingId: string): Promise<void> {
    if (!/^[1-9]\d{0,15}$/.test(coreBankingId)) throw badUserInput('coreBankingId', 'not a core banking client id');
    await closeClientCommand(this.http, Number(coreBankingId), this.installation.clientClosureReasonId);
  }

  /** Exactly once per reference (Fineract's Idempotency-Key), so it is retried; see movements.ts. */
  async deposit(input: MoneyMovement): Promise<{ transactionId: string }> {
    return move(this.http, this.installation.paymentTypeId, 'deposit', input);
  }

  /** Exactly once per reference, retried; INSUFFICIENT_FUNDS when the available balance does not cover it. */
  async withdraw(input: MoneyMovement): Promise<{ transactionId: string }> {
    return move(this.http, this.installation.paymentTypeId, 'withdrawal', input);
  }

  /**
   * What became of a deposit or withdrawal with this reference: the transaction (reversed ones flagged), or null if
   * it never happened. One read of the account's transactions (movements.ts, findMovement).
   */
  async findTransactionByReference(accountId: string, reference: string): Promise<Transaction | null> {
    const savingsId = savingsIdOf(accountId);
    if (savingsId === undefined || reference === '') return null;
    return findMovement(this.http, this.installation.paymentTypeId, savingsId, reference);
  }
}
