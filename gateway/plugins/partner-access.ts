import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Principal } from '../../lib/principal.js';

/**
 * Partner access: not open yet. Partners are to run persisted operations only, from their own manifest, each checked
 * against the partner's scopes and the customer's consent (which accounts, until when). Until that is built, a
 * partner token is refused on the GraphQL endpoint (FORBIDDEN, HTTP 403) before anything runs, and
 * lib/principal.ts canReadCustomer denies partners in every subgraph as a second line.
 */
export const PARTNER_ACCESS_CLOSED =
  'Partner tokens cannot use the GraphQL endpoint: partner access (persisted operations within the granted scopes and the customer\'s consent) is not open yet.';

/** Throws FORBIDDEN (HTTP 403) for a partner; lets customers and staff through. */
export function refusePartnerOnFullGraph(principal: Principal): void {
  if (principal.kind !== 'partner') return;
  throw new BankError(ErrorCode.FORBIDDEN, PARTNER_ACCESS_CLOSED, {
    extensions: { http: { status: HTTP_STATUS[ErrorCode.FORBIDDEN] } },
  });
}
