import { FEDERATION_RULES, allow, definePermissions, canReadOwnedObject, canReadThisCustomer, isCustomer } from '../../lib/permissions.js';

/** Who may read what in the cards subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = definePermissions({
  Query: {
    ...FEDERATION_RULES.Query,
    me: isCustomer,
    // The resolver checks that the card is the principal's once it knows whose card it is.
    card: allow,
  },
  _Service: allow,
  Customer: canReadThisCustomer,
  Card: canReadOwnedObject,
  Money: allow,
});
