import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ErrorCode, isPublicCode } from './errors.js';

/**
 * Error masking, the one decision the gateway and every subgraph share: only deliberate errors reach a client. An
 * error passes with its message when its `extensions.code` is one of ours (ErrorCode) or one of Apollo's request-level
 * codes; everything else, including any error Apollo labelled INTERNAL_SERVER_ERROR because it had no code, becomes
 * "Unexpected error." and its original goes to the log only. Stacks, `exception`, legacy bodies and `serviceName`
 * are never shown.
 */

export const UNEXPECTED_MESSAGE = 'Unexpected error.';

/** Apollo Server's own request-level codes not already in ErrorCode (which has BAD_REQUEST, BAD_USER_INPUT, ...). */
const APOLLO_REQUEST_CODES: ReadonlySet<string> = new Set([
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Never shown, whatever the code: stacks, legacy bodies, Apollo's internal routing and HTTP hints. */
const HIDDEN_EXTENSIONS: ReadonlySet<string> = new Set(['exception', 'stacktrace', 'serviceName', 'response', 'http']);

/** True when an error with this code is shown to the client as it is. INTERNAL_SERVER_ERROR never is. */
export function isShownAsIs(code: unknown): boolean {
  if (code === ErrorCode.INTERNAL_SERVER_ERROR) return false;
  return isPublicCode(code) || (typeof code === 'string' && APOLLO_REQUEST_CODES.has(code));
}

/**
 * True when an error raised in this process was meant for the client: its code is shown as is, and what was thrown
 * is a GraphQLError, either carrying such a code itself (our BankError) or none (GraphQL's own validation and coercion
 * errors, which Apollo wraps with its code). A plain Error is never deliberate, whatever `extensions` it carries: a
 * driver's "ORA-00942" with a code copied onto it is still a leak. (The gateway judges by code alone: what it relays
 * from subgraphs was judged there.)
 */
export function isDeliberateError(error: unknown): boolean {
  if (!(error instanceof GraphQLError)) return false;
  if (!isShownAsIs(error.extensions.code)) return false;
  const original = error.originalError;
  if (original === undefined || original === null || original === error) return true;
  if (!(original instanceof GraphQLError)) return false;
  const code = original.extensions.code;
  return code === undefined || isShownAsIs(code);
}

/**
 * The error as the client sees it. `deliberate` (default: judged by the code) keeps the message, where it happened and
 * the flat public extensions; otherwise "Unexpected error." with INTERNAL_SERVER_ERROR and where it happened, plus a
 * request id the edge itself put there.
 */
export function maskFormattedError(
  formatted: GraphQLFormattedError,
  deliberate: boolean = isShownAsIs(formatted.extensions?.code),
): GraphQLFormattedError {
  const where = {
    ...(formatted.locations ? { locations: formatted.locations } : {}),
    ...(formatted.path ? { path: formatted.path } : {}),
  };
  if (!deliberate) {
    // A request id set by the edge (an error before Apollo's plugins run) is ours and safe; nothing else survives.
    const requestId = formatted.extensions?.requestId;
    return {
      message: UNEXPECTED_MESSAGE,
      ...where,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(typeof requestId === 'string' ? { requestId } : {}) },
    };
  }
  return { message: formatted.message, ...where, extensions: publicExtensions(formatted.extensions ?? {}) };
}

/** `code`, `service` and the flat values a BankError adds (`field`, `retryAfterSeconds`); nothing nested. */
function publicExtensions(extensions: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(extensions)) {
    if (HIDDEN_EXTENSIONS.has(key)) continue;
    const flat = ['string', 'number', 'boolean'].includes(typeof value);
    const flatList = Array.isArray(value) && value.every((v) => ['string', 'number', 'boolean'].includes(typeof v));
    if (flat || flatList) shown[key] = value;
  }
  return shown;
}
