import DataLoader from 'dataloader';
import type { CoreBankingConnector } from '../../connectors/core-banking/index.js';
import type { Account, CustomerProfile, TransactionPage, TransactionPageRequest } from '../../lib/domain.js';

/**
 * Per-request DataLoaders: every customer, account and transaction page asked for in one tick of one request goes
 * to core banking as one batch call. Never shared between requests: the cache would leak data across principals.
 */
export interface AccountsLoaders {
  readonly customer: DataLoader<string, CustomerProfile | null>;
  readonly accountsOfCustomer: DataLoader<string, readonly Account[]>;
  readonly account: DataLoader<string, Account | null>;
  readonly transactions: DataLoader<TransactionPageRequest, TransactionPage, string>;
}

export function createAccountsLoaders(coreBanking: CoreBankingConnector): AccountsLoaders {
  const account = new DataLoader<string, Account | null>((ids) => coreBanking.getAccounts(ids));
  return {
    customer: new DataLoader((ids) => coreBanking.getCustomers(ids)),
    accountsOfCustomer: new DataLoader(async (ids) => {
      const lists = await coreBanking.getAccountsOfCustomers(ids);
      // An account listed here need not be fetched again if a later field asks for it by id.
      for (const list of lists) for (const a of list) account.prime(a.id, a);
      return lists;
    }),
    account,
    transactions: new DataLoader((requests) => coreBanking.getTransactionPages(requests), {
      cacheKeyFn: (r) => `${r.accountId}|${r.first}|${r.after ?? ''}`,
    }),
  };
}
