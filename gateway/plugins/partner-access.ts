import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import { principalConsentOf, type ConsentStore, type PartnerRegistry } from '../../lib/consents.js';
import type { Principal } from '../../lib/principal.js';

/**
 * Partner access: who a partner token stands for. A partner must be registered (schema/partners.json); its scopes
 * are what the token asks for within what the partner was granted and, when its consent is live, what the customer
 * agreed to; its consent is loaded from the ConsentStore on every request, never taken from the token, so revoking
 * or letting a consent expire shuts the partner out at once (consent null: the subgraphs show nothing).
 * What a partner may run is plugins/persisted-operations.ts's concern; what each field needs, the subgraphs'.
 */
export interface PartnerAccess {
  readonly partners: PartnerRegistry;
  readonly consents: ConsentStore;
}

/** The partner principal with its live consent and effective scopes; FORBIDDEN (403) for an unregistered partner. */
export async function resolvePartner(
  access: PartnerAccess,
  token: Extract<Principal, { kind: 'partner' }>,
  consentId: string | null,
): Promise<Principal> {
  const partner = access.partners.get(token.clientId);
  if (!partner) {
    throw new BankError(ErrorCode.FORBIDDEN, `The partner "${token.clientId}" is not registered with this bank.`, {
      extensions: { http: { status: HTTP_STATUS[ErrorCode.FORBIDDEN] } },
    });
  }
  const consent = consentId === null ? null : await access.consents.liveFor(consentId, partner.clientId);
  const granted = new Set<string>(partner.scopes);
  const agreed = consent ? new Set<string>(consent.permissions) : granted;
  return {
    kind: 'partner',
    clientId: partner.clientId,
    scopes: token.scopes.filter((s, i, all) => granted.has(s) && agreed.has(s) && all.indexOf(s) === i),
    consent: consent ? principalConsentOf(consent) : null,
  };
}
