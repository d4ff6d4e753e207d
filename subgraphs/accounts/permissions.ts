import {
  FEDERATION_RULES,
  allow,
  definePermissions,
  canReadThisAccount,
  canReadThisCustomer,
  isCustomer,
  isStaff,
  isStaffOrPartnerOfCustomerInArgs,
} from '../../lib/permissions.js';

/**
 * Who may read what in the accounts subgraph. Deny by default (definePermissions): a field missing here is FORBIDDEN.
 * Values below a guarded parent (profile, transactions, money) are allowed because the parent's rule already ran.
 * What partners may see is declared in schema.graphql (@scopes) and gated by definePermissions; the rules here keep
 * them to the consented customer and accounts.
 */
export const permissions = definePermissions({
  Query: {
    ...FEDERATION_RULES.Query,
    me: isCustomer,
    customer: isStaffOrPartnerOfCustomerInArgs,
    customers: isStaff,
    // The resolver checks ownership once it knows whose account it is.
    account: allow,
  },
  _Service: allow,
  Customer: canReadThisCustomer,
  CustomerProfile: allow,
  Account: canReadThisAccount,
  TransactionConnection: allow,
  Transaction: allow,
  PageInfo: allow,
  Money: allow,
});
