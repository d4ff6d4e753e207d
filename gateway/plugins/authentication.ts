import { HeaderMap } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Principal } from '../../lib/principal.js';
import type { TokenVerifier, VerifiedToken } from '../../lib/tokens.js';
import type { PartnerPrincipal } from '../consent-registry.js';
import { registeredPartner, resolvePartner, withStatus, type PartnerAccess, type PartnerRequest } from './partner-access.js';

/**
 * Authentication: every GraphQL operation needs a valid bearer token. It runs while Apollo builds the context, i.e.
 * before parsing and validation, so a caller without a token learns nothing about the schema (not even from
 * validation messages). A refusal is UNAUTHENTICATED with HTTP 401, a `WWW-Authenticate` challenge (RFC 6750) and
 * no `data`. A partner token is resolved further (plugins/partner-access.ts): registered partner, effective scopes,
 * and the consent as the consent registry has it now (or the refusal its standing calls for).
 */
/** A verified token: the principal (a partner without its consent yet) and the consent id its token is bound to. */
export interface Authenticated {
  readonly principal: Principal;
  readonly consentId: string | null;
  /** The customer who authorised the token, when the authorisation server says (VerifiedToken.authorisedBy). */
  readonly authorisedBy: string | null;
}

export class Authentication {
  constructor(
    private readonly verifier: TokenVerifier,
    /** Without it, partner tokens are refused (FORBIDDEN): nothing to check their consent against. */
    private readonly partners?: PartnerAccess,
  ) {}

  /** The principal of this `Authorization` header (authenticate, then withConsent); throws a BankError carrying its HTTP status otherwise. */
  async principalOf(authorization: string | undefined, request: PartnerRequest = { customerPresent: false, requestId: '' }): Promise<Principal> {
    return this.withConsent(await this.authenticate(authorization), request);
  }

  /**
   * Who the token stands for, without its consent yet: a customer, staff, or a registered partner with the scopes its
   * token asks for within its grant (consent null, `consentId` the one its token is bound to). Asks nothing of the
   * consent registry, so what is refused on this alone (a partner's free-form document) costs the consent no access.
   */
  async authenticate(authorization: string | undefined): Promise<Authenticated> {
    const { principal, consentId, authorisedBy } = await this.verified(authorization);
    if (principal.kind !== 'partner') return { principal, consentId: null, authorisedBy: null };
    return { principal: registeredPartner(this.partnerAccess().partners, principal), consentId, authorisedBy };
  }

  /** The principal with the consent the registry has now (counting one access), or the refusal its standing calls for. */
  async withConsent(authenticated: Authenticated, request: PartnerRequest): Promise<Principal> {
    const { principal, consentId, authorisedBy } = authenticated;
    if (principal.kind !== 'partner') return principal;
    try {
      return await resolvePartner(this.partnerAccess(), principal, consentId, { ...request, authorisedBy });
    } catch (err) {
      // The registry not answering is the gateway's side (503), never the partner's mistake.
      if (err instanceof BankError && err.extensions.http === undefined) throw refusal(err, '');
      throw err;
    }
  }

  /**
   * A registered partner with the scopes it was granted (schema/partners.json), its token bound to a consent or not,
   * without asking the consent registry: for the open-banking routes (gateway/open-banking.ts), where a partner
   * manages its consents. The grant, not the token's scopes: a client-credentials token carries OB's `accounts` /
   * `payments`, and what a consent may ask for is what the partner was granted (the registry checks each permission
   * against it). Anyone else is refused: customers and staff with FORBIDDEN (403), no or a bad token with
   * UNAUTHENTICATED (401).
   */
  async partnerOf(authorization: string | undefined): Promise<PartnerPrincipal> {
    const { principal } = await this.authenticate(authorization);
    if (principal.kind !== 'partner') {
      throw withStatus(new BankError(ErrorCode.FORBIDDEN, 'Only a registered partner can call the open-banking API.'));
    }
    const partner = this.partnerAccess().partners.get(principal.clientId);
    return { ...principal, scopes: [...(partner?.scopes ?? [])] };
  }

  private partnerAccess(): PartnerAccess {
    if (!this.partners) throw withStatus(new BankError(ErrorCode.FORBIDDEN, 'Partner tokens are not accepted by this gateway.'));
    return this.partners;
  }

  private async verified(authorization: string | undefined): Promise<VerifiedToken> {
    if (!authorization) {
      throw refusal(
        new BankError(ErrorCode.UNAUTHENTICATED, 'A bearer token is required: send "Authorization: Bearer <token>".'),
        'Bearer realm="bankgraph"',
      );
    }
    const match = /^Bearer +([^ ]+) *$/i.exec(authorization);
    if (!match?.[1]) {
      throw refusal(
        new BankError(ErrorCode.UNAUTHENTICATED, 'The Authorization header must be "Bearer <token>".'),
        'Bearer realm="bankgraph", error="invalid_request"',
      );
    }
    try {
      return await this.verifier.verifyToken(match[1]);
    } catch (err) {
      if (err instanceof BankError) throw refusal(err, 'Bearer realm="bankgraph", error="invalid_token"');
      throw err;
    }
  }
}

/** The same error with `extensions.http`, which Apollo Server turns into the response status and headers. */
function refusal(error: BankError, challenge: string): BankError {
  const unauthenticated = error.code === ErrorCode.UNAUTHENTICATED;
  const service = error.extensions.service;
  return new BankError(error.code, error.message, {
    ...(typeof service === 'string' ? { service } : {}),
    cause: error.originalError ?? error,
    extensions: {
      http: {
        status: HTTP_STATUS[error.code] ?? 503,
        headers: new HeaderMap(unauthenticated ? [['www-authenticate', challenge]] : []),
      },
    },
  });
}
