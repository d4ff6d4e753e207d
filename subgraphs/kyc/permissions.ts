import { FEDERATION_RULES, allow, definePermissions, canReadThisCustomer, isCustomer } from '../../lib/permissions.js';

/** Who may read what in the KYC subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = definePermissions({
  Query: { ...FEDERATION_RULES.Query, me: isCustomer },
  _Service: allow,
  Customer: canReadThisCustomer,
  KycProfile: allow,
});
