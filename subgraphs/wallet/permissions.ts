import {
  FEDERATION_RULES,
  allow,
  definePermissions,
  canReadOwnedObject,
  canReadThisCustomer,
  isCustomer,
  isStaff,
  or,
} from '../../lib/permissions.js';

/** Who may read what in the wallet subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = definePermissions({
  Query: { ...FEDERATION_RULES.Query, me: isCustomer, fxRate: or(isCustomer, isStaff) },
  Mutation: { quoteConversion: isCustomer },
  _Service: allow,
  Customer: canReadThisCustomer,
  Wallet: canReadOwnedObject,
  FxRate: allow,
  FxQuote: allow,
  Money: allow,
});
