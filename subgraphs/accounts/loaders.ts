import DataLoader from 'dataloader';
import { pageOfHistory, type CoreBankingConnector } from '../../connectors/core-banking/index.js';
import type { Account, CustomerProfile, Transaction, TransactionPage, TransactionPageRequest } from '../../lib/domain.js';

/**
 * Per-request DataLoaders: every customer, account and transaction page asked for in one tick of one request goes
 * to core banking in as few calls as Fineract allows. Never shared between requests: the cache would leak data
 * across principals.
 */
export interface AccountsLoaders {
  readonly customer: DataLoader<string, CustomerProfile | null>;
  readonly accountsOfCustomer: DataLoader<string, readonly Account[]>;
  /**
   * The same accounts read with their transaction histories, for a query that shows both (the dashboard): the
   * transactions loader then pages those histories without another call.
   */
  readonly accountsWithHistoryOfCustomer: DataLoader<string, readonly Account[]>;
  readonly account: DataLoader<string, Account | null>;
  readonly transactions: DataLoader<TransactionPageRequest, TransactionPage, string>;
}

export function createAccountsLoaders(coreBanking: CoreBankingConnector): AccountsLoaders {
  const account = new DataLoader<string, Account | null>((ids) => coreBanking.getAccounts(ids));
  /** Histories read with their accounts in this request, by account id. */
  const histories = new Map<string, readonly Transaction[]>();
  // An account listed here need not be fetched again if a later field asks for it by id.
  const prime = (list: readonly Account[]) => {
    for (const a of list) account.prime(a.id, a);
    return list;
  };
  return {
    customer: new DataLoader((ids) => coreBanking.getCustomers(ids)),
    accountsOfCustomer: new DataLoader(async (ids) => (await coreBanking.getAccountsOfCustomers(ids)).map(prime)),
    accountsWithHistoryOfCustomer: new DataLoader(async (ids) =>
      (await coreBanking.getAccountsWithHistoryOfCustomers(ids)).map((list) =>
        prime(
          list.map(({ account: a, history }) => {
            if (history !== null) histories.set(a.id, history);
            return a;
          }),
        ),
      ),
    ),
    account,
    transactions: new DataLoader(
      async (requests) => {
        const remote = requests.filter((r) => !histories.has(r.accountId));
        const fetched = remote.length > 0 ? await coreBanking.getTransactionPages(remote) : [];
        let k = 0;
        return requests.map((r) => {
          const history = histories.get(r.accountId);
          return history !== undefined ? pageOfHistory(history, r) : (fetched[k++] as TransactionPage);
        });
      },
      { cacheKeyFn: (r) => `${r.accountId}|${r.first}|${r.after ?? ''}|${r.bookedWithin?.from ?? ''}|${r.bookedWithin?.to ?? ''}` },
    ),
  };
}
