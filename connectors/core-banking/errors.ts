import type { LegacyCall, LegacyResponse } from '../http.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { IDEMPOTENCY_KEY_HEADER, type FineractErrorBody } from './dialect.js';

export const SYSTEM = 'core-banking';

const INSUFFICIENT_FUNDS = 'error.msg.savingsaccount.transaction.insufficient.account.balance';

/** Our legacyCode for Fineract's 409 to a command whose Idempotency-Key is still being processed. */
export const IN_PROGRESS = 'IDEMPOTENT_COMMAND_IN_PROGRESS';

function hasIdempotencyKey(call: LegacyCall): boolean {
  return Object.keys(call.headers ?? {}).some((h) => h.toLowerCase() === IDEMPOTENCY_KEY_HEADER.toLowerCase());
}

function asErrorBody(json: unknown): FineractErrorBody {
  return typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as FineractErrorBody) : {};
}

/** Globalisation codes of a Fineract error, the most specific (the error items') first. */
export function globalisationCodes(json: unknown): string[] {
  const body = asErrorBody(json);
  const codes = (Array.isArray(body.errors) ? body.errors : [])
    .map((e) => e?.userMessageGlobalisationCode)
    .filter((c): c is string => typeof c === 'string');
  if (typeof body.userMessageGlobalisationCode === 'string') codes.push(body.userMessageGlobalisationCode);
  return codes;
}

/**
 * Fineract's error body into our typed error. The legacy wording goes to `detail` (logs only); the message is ours.
 * 5xx and 429: UPSTREAM_UNAVAILABLE (the system is failing, or protecting itself); 401: UPSTREAM_UNAVAILABLE, not
 * retried (our credentials); 409 to a call with an Idempotency-Key: UPSTREAM_UNAVAILABLE, retried (the first try is
 * still running); 404: NOT_FOUND; insufficient balance: INSUFFICIENT_FUNDS; any other refusal (Fineract's
 * 400 and 403): UPSTREAM_REJECTED with the globalisation code as `legacyCode`.
 */
export function mapFineractError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = asErrorBody(response.json);
  const codes = globalisationCodes(response.json);
  const first = Array.isArray(body.errors) ? body.errors[0] : undefined;
  const legacyMessage =
    (typeof first?.developerMessage === 'string' ? first.developerMessage : undefined) ??
    (typeof body.developerMessage === 'string' ? body.developerMessage : undefined) ??
    response.text.slice(0, 500);
  const detail = {
    route: call.route,
    status: response.status,
    ...(codes[0] !== undefined ? { legacyCode: codes[0] } : {}),
    legacyMessage: legacyMessage.slice(0, 500),
  };
  if (response.status >= 500 || response.status === 429) {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  }
  if (response.status === 401) {
    // Our credentials or tenant were refused: our misconfiguration, not the customer's, and every call (a retry too)
    // fails the same way. (Fineract's 403 is a refused business rule, not an authorisation problem: see below.)
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, { ...detail, retryable: false });
  }
  if (response.status === 409 && hasIdempotencyKey(call)) {
    // Fineract is still running the first command sent under this Idempotency-Key: not a refusal, and not the system
    // failing either (lib/errors.ts leaves a 409 out of the breaker). A retry after a pause gets the first's answer.
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is still processing this request`, {
      ...detail,
      legacyCode: IN_PROGRESS,
    });
  }
  if (response.status === 404) {
    return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this resource`, detail);
  }
  if (codes.includes(INSUFFICIENT_FUNDS)) {
    return new UpstreamError(ErrorCode.INSUFFICIENT_FUNDS, SYSTEM, 'The account does not have enough available funds', detail);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, detail);
}

/** The legacy system answered something we cannot read. */
export function badResponse(route: string, what: string, cause?: unknown): UpstreamError {
  return new UpstreamError(
    ErrorCode.UPSTREAM_BAD_RESPONSE,
    SYSTEM,
    `${SYSTEM} sent an answer that could not be read`,
    { route, legacyMessage: what.slice(0, 500) },
    cause,
  );
}

export function isRefusal(err: unknown, legacyCode: string): boolean {
  return err instanceof UpstreamError && err.code === ErrorCode.UPSTREAM_REJECTED && err.detail.legacyCode === legacyCode;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof UpstreamError && err.code === ErrorCode.NOT_FOUND;
}
