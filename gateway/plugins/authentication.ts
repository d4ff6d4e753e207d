import { HeaderMap } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Principal } from '../../lib/principal.js';
import type { TokenVerifier } from '../../lib/tokens.js';
import { resolvePartner, type PartnerAccess } from './partner-access.js';

/**
 * Authentication: every GraphQL operation needs a valid bearer token. It runs while Apollo builds the context, i.e.
 * before parsing and validation, so a caller without a token learns nothing about the schema (not even from
 * validation messages). A refusal is UNAUTHENTICATED with HTTP 401, a `WWW-Authenticate` challenge (RFC 6750) and
 * no `data`. A partner token is resolved further (plugins/partner-access.ts): registered partner, effective scopes,
 * and the consent as the ConsentStore has it now.
 */
export class Authentication {
  constructor(
    private readonly verifier: TokenVerifier,
    /** Without it, partner tokens are refused (FORBIDDEN): nothing to check their consent against. */
    private readonly partners?: PartnerAccess,
  ) {}

  /** The principal of this `Authorization` header; throws a BankError carrying its HTTP status otherwise. */
  async principalOf(authorization: string | undefined): Promise<Principal> {
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
    let verified;
    try {
      verified = await this.verifier.verifyToken(match[1]);
    } catch (err) {
      if (err instanceof BankError) throw refusal(err, 'Bearer realm="bankgraph", error="invalid_token"');
      throw err;
    }
    const { principal, consentId } = verified;
    if (principal.kind !== 'partner') return principal;
    if (!this.partners) {
      throw new BankError(ErrorCode.FORBIDDEN, 'Partner tokens are not accepted by this gateway.', {
        extensions: { http: { status: HTTP_STATUS[ErrorCode.FORBIDDEN] } },
      });
    }
    return resolvePartner(this.partners, principal, consentId);
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
