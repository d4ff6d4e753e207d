import { FEDERATION_RULES, allow, definePermissions, canReadThisCustomer } from '../../lib/permissions.js';

/** Who may read what in the KYC subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = definePermissions({
  Query: FEDERATION_RULES.Query,
  _Service: allow,
  Customer: canReadThisCustomer,
  KycProfile: allow,
});
