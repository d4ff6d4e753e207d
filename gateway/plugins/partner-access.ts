import { HeaderMap } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS, UnreachableCaseError } from '../../lib/errors.js';
import type { PartnerRegistry } from '../../lib/consents.js';
import type { Principal } from '../../lib/principal.js';
import type { ConsentAccess, ConsentRegistry, PartnerPrincipal } from '../consent-registry.js';

/**
 * Partner access: who a partner token stands for. A partner must be registered (schema/partners.json); its scopes
 * are what the token asks for within what the partner was granted and, under a consent, what the customer agreed to.
 * A token bound to a consent is checked with the consent registry (the journeys subgraph, gateway/consent-registry.ts)
 * on every request, never trusted from the token: only an Authorised, unexpired consent within its daily access limit
 * lets the request in, carrying the consent as the registry has it; any other standing refuses the request before
 * anything is fetched, with a code of its own (CONSENT_REVOKED, CONSENT_ACCESS_LIMIT, ...).
 * What a partner may run is plugins/persisted-operations.ts's concern; what each field needs, the subgraphs'.
 */
export interface PartnerAccess {
  readonly partners: PartnerRegistry;
  readonly consents: ConsentRegistry;
}

/** Where the request comes from: whether the customer is present (`x-fapi-customer-ip-address`), and its id. */
export interface PartnerRequest {
  readonly customerPresent: boolean;
  readonly requestId: string;
  /** The customer the token says authorised it (authorisation code tokens), if any: the consent must be theirs. */
  readonly authorisedBy?: string | null;
}

/**
 * The registered partner with the scopes its token asks for within its grant, and no consent; FORBIDDEN (403) for an
 * unregistered partner.
 */
export function registeredPartner(partners: PartnerRegistry, token: PartnerPrincipal): PartnerPrincipal {
  const partner = partners.get(token.clientId);
  if (!partner) {
    throw withStatus(new BankError(ErrorCode.FORBIDDEN, `The partner "${token.clientId}" is not registered with this bank.`));
  }
  const granted = new Set<string>(partner.scopes);
  return {
    kind: 'partner',
    clientId: partner.clientId,
    scopes: token.scopes.filter((s, i, all) => granted.has(s) && all.indexOf(s) === i),
    consent: null,
  };
}

/**
 * The registered partner (registeredPartner's) with its live consent and effective scopes, or the refusal its consent's
 * standing calls for.
 */
export async function resolvePartner(
  access: PartnerAccess,
  partner: PartnerPrincipal,
  consentId: string | null,
  request: PartnerRequest,
): Promise<Principal> {
  if (consentId === null) return partner;
  const answer = await access.consents.access(partner, consentId, request.customerPresent, request.requestId);
  const consent = answer.standing === 'live' || answer.standing === 'consumed' ? answer.consent : null;
  if (consent === null) throw refusalOf(answer);
  if (request.authorisedBy && consent.customerId !== request.authorisedBy) {
    // The authorisation server bound the token to one customer's consent and this one is another's.
    throw withStatus(new BankError(ErrorCode.CONSENT_TOKEN_MISMATCH, 'The token was authorised by another customer than the one who gave this consent.'));
  }
  // The registry's answer always lists them (gateway/consent-registry.ts refuses one that does not).
  const agreed = new Set<string>(consent.permissions ?? []);
  return { kind: 'partner', clientId: partner.clientId, scopes: partner.scopes.filter((s) => agreed.has(s)), consent };
}

/** The refusal of a consent that does not let the partner in; HTTP status in extensions.http, as Apollo answers it. */
function refusalOf(answer: ConsentAccess): BankError {
  switch (answer.standing) {
    case 'missing':
      return withStatus(new BankError(ErrorCode.CONSENT_NOT_FOUND, 'The consent this token is bound to does not exist.'));
    case 'other-partner':
      return withStatus(new BankError(ErrorCode.CONSENT_OTHER_PARTNER, 'The consent this token is bound to was given to another partner.'));
    case 'awaiting-authorisation':
      return withStatus(new BankError(ErrorCode.CONSENT_NOT_AUTHORISED, 'The consent still awaits the customer\'s authorisation.'));
    case 'rejected':
      return withStatus(new BankError(ErrorCode.CONSENT_NOT_AUTHORISED, 'The customer declined this consent.'));
    case 'revoked':
      return withStatus(new BankError(ErrorCode.CONSENT_REVOKED, 'The consent has been revoked.'));
    case 'expired':
      return withStatus(new BankError(ErrorCode.CONSENT_EXPIRED, 'The consent has expired.'));
    case 'consumed':
      return withStatus(new BankError(ErrorCode.CONSENT_CONSUMED, 'The payment consent has been used already.'));
    case 'frequency-exceeded': {
      const retryAfterSeconds = secondsToNextUtcDay();
      return new BankError(
        ErrorCode.CONSENT_ACCESS_LIMIT,
        `The consent's accesses without the customer present are used up for today (${answer.accessesToday} so far): try again after midnight UTC.`,
        {
          extensions: {
            retryAfterSeconds,
            http: { status: HTTP_STATUS[ErrorCode.CONSENT_ACCESS_LIMIT], headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) },
          },
        },
      );
    }
    case 'live':
      throw new Error('a live consent is not refused');
    default:
      throw new UnreachableCaseError(answer);
  }
}

/** The same error with its HTTP status in `extensions.http`, as Apollo answers it (403 for a code without one). */
export function withStatus(error: BankError): BankError {
  return new BankError(error.code, error.message, { extensions: { http: { status: HTTP_STATUS[error.code] ?? 403 } } });
}

/** Whole seconds until the next UTC midnight (at least 1): when frequencyPerDay's count starts again. */
export function secondsToNextUtcDay(now: number = Date.now()): number {
  const d = new Date(now);
  const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Math.max(1, Math.ceil((next - now) / 1000));
}
