import {
  FEDERATION_RULES,
  allow,
  bankShield,
  canReadOwnedObject,
  canReadThisCustomer,
  isCustomer,
  isStaff,
} from '../../lib/permissions.js';

/**
 * Who may read what in the accounts subgraph. Deny by default (bankShield): a field missing here is FORBIDDEN.
 * Values below a guarded parent (profile, transactions, money) are allowed because the parent's rule already ran.
 */
export const permissions = bankShield({
  Query: {
    ...FEDERATION_RULES.Query,
    me: isCustomer,
    customer: isStaff,
    customers: isStaff,
    // The resolver checks ownership once it knows whose account it is.
    account: allow,
  },
  _Service: allow,
  Customer: canReadThisCustomer,
  CustomerProfile: allow,
  Account: canReadOwnedObject,
  TransactionConnection: allow,
  Transaction: allow,
  PageInfo: allow,
  Money: allow,
});
