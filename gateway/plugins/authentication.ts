import { HeaderMap } from '@apollo/server';
import { BankError, ErrorCode, HTTP_STATUS } from '../../lib/errors.js';
import type { Principal } from '../../lib/principal.js';
import type { TokenVerifier } from '../../lib/tokens.js';

/**
 * Authentication: every GraphQL operation needs a valid bearer token. It runs while Apollo builds the context, i.e.
 * before parsing and validation, so a caller without a token learns nothing about the schema (not even from
 * validation messages). A refusal is UNAUTHENTICATED with HTTP 401, a `WWW-Authenticate` challenge (RFC 6750) and
 * no `data`.
 */
export class Authentication {
  constructor(private readonly verifier: TokenVerifier) {}

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
    try {
      return await this.verifier.verify(match[1]);
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
