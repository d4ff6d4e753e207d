import { GraphQLError } from 'graphql';

/**
 * Every code a client of bankgraph can see in `extensions.code`. Stable: clients switch on these, so a code is
 * never renamed or reused for another meaning. Anything not listed reaches a client as INTERNAL_SERVER_ERROR.
 */
export enum ErrorCode {
  // request and identity
  BAD_REQUEST = 'BAD_REQUEST',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  /** The document's operation cannot be chosen: an unknown operationName, or several operations and none named. */
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  /** A partner asked to act on an account its customer's consent does not cover (a refusal, like FORBIDDEN). */
  ACCOUNT_NOT_IN_CONSENT = 'ACCOUNT_NOT_IN_CONSENT',
  NOT_FOUND = 'NOT_FOUND',
  RATE_LIMITED = 'RATE_LIMITED',
  PERSISTED_OPERATION_REQUIRED = 'PERSISTED_OPERATION_REQUIRED',
  PERSISTED_OPERATION_NOT_FOUND = 'PERSISTED_OPERATION_NOT_FOUND',
  // open banking consents (lib/consents.ts): every refusal of a partner acting under a consent names its reason
  /** The consent id is unknown (or tampered with). */
  CONSENT_NOT_FOUND = 'CONSENT_NOT_FOUND',
  /** The consent exists but was given to another partner. */
  CONSENT_OTHER_PARTNER = 'CONSENT_OTHER_PARTNER',
  /** The consent still awaits the customer's authorisation, or the customer declined it. */
  CONSENT_NOT_AUTHORISED = 'CONSENT_NOT_AUTHORISED',
  CONSENT_REVOKED = 'CONSENT_REVOKED',
  CONSENT_EXPIRED = 'CONSENT_EXPIRED',
  /** A payment consent whose one payment was made already. */
  CONSENT_CONSUMED = 'CONSENT_CONSUMED',
  /** The token is bound to another consent than the one the request names (a payment's consentId). */
  CONSENT_TOKEN_MISMATCH = 'CONSENT_TOKEN_MISMATCH',
  /** The consent asks for a permission whose scope the partner was not granted. */
  CONSENT_SCOPE_NOT_GRANTED = 'CONSENT_SCOPE_NOT_GRANTED',
  /** The payment differs from the one its consent authorised (amount, currency, creditor, source account). */
  CONSENT_PAYMENT_MISMATCH = 'CONSENT_PAYMENT_MISMATCH',
  /**
   * The consent's frequencyPerDay accesses without the customer present are used up for this UTC day; Retry-After
   * says when the next day begins.
   */
  CONSENT_ACCESS_LIMIT = 'CONSENT_ACCESS_LIMIT',
  /** The consent is not in a state this change can start from (an Authorised consent authorised again, a Revoked one revived). */
  CONSENT_STATE_CONFLICT = 'CONSENT_STATE_CONFLICT',
  /** The consent request is malformed: an unknown permission, a bad date, accounts that are not the customer's. */
  CONSENT_INVALID = 'CONSENT_INVALID',
  // operations on parked journeys (subgraphs/journeys/operations/): four-eyes actions
  /** The journey is not NEEDS_ATTENTION: only a parked journey can be acted on. */
  JOURNEY_NOT_PARKED = 'JOURNEY_NOT_PARKED',
  /** The action does not apply to the journey as it stands (a retry with no stuck step, an undo with nothing done). */
  ACTION_NOT_APPLICABLE = 'ACTION_NOT_APPLICABLE',
  /** Another action on the journey already awaits approval: decide that one first. */
  ACTION_ALREADY_PENDING = 'ACTION_ALREADY_PENDING',
  /** The requester of an action cannot approve or decline it: a second person must. */
  FOUR_EYES_REQUIRED = 'FOUR_EYES_REQUIRED',
  /** The action was not approved in time; request it again if it is still needed. */
  ACTION_EXPIRED = 'ACTION_EXPIRED',
  /** The action was decided already (approved or declined by someone else). */
  ACTION_NOT_PENDING = 'ACTION_NOT_PENDING',
  /** No such action on this journey. */
  ACTION_NOT_FOUND = 'ACTION_NOT_FOUND',
  // legacy systems
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  UPSTREAM_REJECTED = 'UPSTREAM_REJECTED',
  UPSTREAM_BAD_RESPONSE = 'UPSTREAM_BAD_RESPONSE',
  // business outcomes
  INSUFFICIENT_FUNDS = 'INSUFFICIENT_FUNDS',
  KYC_REJECTED = 'KYC_REJECTED',
  QUOTE_EXPIRED = 'QUOTE_EXPIRED',
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  IDEMPOTENCY_KEY_IN_USE = 'IDEMPOTENCY_KEY_IN_USE',
  // the bank's own duties
  /**
   * A read's audit event could not be recorded, so its answer is withheld (AUDIT_FAIL_CLOSED, on in production): no
   * data, HTTP 503. The same request may be sent again.
   */
  AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE',
  // everything else
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

const PUBLIC_CODES = new Set<string>(Object.values(ErrorCode));

/** True when `code` is one of ours, i.e. safe to show a client as is. */
export function isPublicCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && PUBLIC_CODES.has(code);
}

/** The HTTP status a request-level error of this code answers with (field errors stay inside a 200). */
export const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.GRAPHQL_PARSE_FAILED]: 400,
  [ErrorCode.GRAPHQL_VALIDATION_FAILED]: 400,
  [ErrorCode.OPERATION_RESOLUTION_FAILURE]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.ACCOUNT_NOT_IN_CONSENT]: 403,
  [ErrorCode.RATE_LIMITED]: 429,
  [ErrorCode.PERSISTED_OPERATION_REQUIRED]: 400,
  [ErrorCode.PERSISTED_OPERATION_NOT_FOUND]: 400,
  [ErrorCode.AUDIT_UNAVAILABLE]: 503,
  [ErrorCode.CONSENT_NOT_FOUND]: 404,
  [ErrorCode.CONSENT_OTHER_PARTNER]: 403,
  [ErrorCode.CONSENT_NOT_AUTHORISED]: 403,
  [ErrorCode.CONSENT_REVOKED]: 403,
  [ErrorCode.CONSENT_EXPIRED]: 403,
  // 403 for a request under a spent consent; a second payment attempt may answer 409 where the route says so.
  [ErrorCode.CONSENT_CONSUMED]: 403,
  [ErrorCode.CONSENT_TOKEN_MISMATCH]: 403,
  [ErrorCode.CONSENT_SCOPE_NOT_GRANTED]: 403,
  [ErrorCode.CONSENT_PAYMENT_MISMATCH]: 422,
  [ErrorCode.CONSENT_ACCESS_LIMIT]: 429,
  [ErrorCode.CONSENT_STATE_CONFLICT]: 409,
  [ErrorCode.CONSENT_INVALID]: 400,
  [ErrorCode.UPSTREAM_UNAVAILABLE]: 503,
  [ErrorCode.UPSTREAM_TIMEOUT]: 504,
};

export interface BankErrorOptions {
  /** The legacy system or subgraph concerned, shown to clients so they know which part of the answer is missing. */
  service?: string;
  /** Extra public extensions (field names, retry-after seconds). Never legacy text. */
  extensions?: Record<string, unknown>;
  /** The underlying error, for logs only: never serialised to a client. */
  cause?: unknown;
}

/**
 * The one error type that reaches clients. `extensions.code` is always one of ErrorCode; the message is ours.
 * Legacy detail goes in `cause`, which only logs see.
 */
export class BankError extends GraphQLError {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options: BankErrorOptions = {}) {
    super(message, {
      extensions: {
        code,
        ...(options.service ? { service: options.service } : {}),
        ...options.extensions,
      },
      originalError: options.cause instanceof Error ? options.cause : undefined,
    });
    this.code = code;
    this.name = 'BankError';
    // Keep the cause off the enumerable surface so nothing serialises it by accident.
    Object.defineProperty(this, 'legacyCause', { value: options.cause, enumerable: false });
  }
}

/** Details of a failed legacy call, kept for logs and never shown to clients. */
export interface UpstreamDetail {
  route: string;
  status?: number;
  legacyCode?: string;
  legacyMessage?: string;
  /**
   * False when repeating the call cannot help, whatever the code says: our own credentials or signature were refused
   * (a misconfiguration), so every attempt fails the same way. Unset: the code decides (see LegacyHttpClient).
   */
  retryable?: boolean;
  /** How long the system asked us to wait before trying again (its Retry-After), ms. */
  retryAfterMs?: number;
}

/** A legacy system failed or refused: the error names the system (`service`) and carries a stable code. */
export class UpstreamError extends BankError {
  readonly system: string;
  /** Legacy route, status and message: for logs only, so kept off the enumerable surface. */
  declare readonly detail: UpstreamDetail;

  constructor(code: ErrorCode, system: string, message: string, detail: UpstreamDetail, cause?: unknown) {
    super(code, message, { service: system, cause });
    this.name = 'UpstreamError';
    this.system = system;
    Object.defineProperty(this, 'detail', { value: detail, enumerable: false });
  }

  /**
   * A 429: the system is protecting itself from too many calls, not failing. It is retried after its Retry-After,
   * and it does not count towards the breaker: a burst over the system's rate must not cut every caller off for the
   * breaker's seconds.
   */
  get isRateLimited(): boolean {
    return this.detail.status === 429;
  }

  /**
   * Errors that say the system is failing trip the breaker. Those that say nothing about its health (a 404, a
   * validation refusal, a rate limit) do not.
   */
  get isSystemFailure(): boolean {
    // A 409 that is unavailable is a command still being processed (Fineract's Idempotency-Key): busy, not failing.
    if (this.isRateLimited || this.detail.status === 409) return false;
    return (
      this.code === ErrorCode.UPSTREAM_UNAVAILABLE ||
      this.code === ErrorCode.UPSTREAM_TIMEOUT ||
      this.code === ErrorCode.UPSTREAM_BAD_RESPONSE
    );
  }
}

export function forbidden(message = 'You are not allowed to see this.'): BankError {
  return new BankError(ErrorCode.FORBIDDEN, message);
}

export function unauthenticated(message = 'A valid bearer token is required.'): BankError {
  return new BankError(ErrorCode.UNAUTHENTICATED, message);
}

export function badUserInput(field: string, message: string): BankError {
  return new BankError(ErrorCode.BAD_USER_INPUT, message, { extensions: { field } });
}

/** For exhaustive switches over lifecycle unions: the compiler proves this is unreachable. */
export class UnreachableCaseError extends Error {
  constructor(value: never) {
    super(`Unreachable case: ${JSON.stringify(value)}`);
  }
}
