import { createHmac } from 'node:crypto';
import type { KycProfile, KycStatus } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import type { LegacyCall, LegacyResponse, PreparedCall } from '../http.js';

/**
 * The KYC provider's /v3 dialect: request signing, the wire shapes (checked, not trusted), their normalisation into
 * bank-wide types, and its error body { error: { type, message, fields? } }.
 */

export const SYSTEM = 'kyc-provider';

/**
 * The provider's signature headers. `fullPath` is the path the request line carries (base path + call path, query
 * built with URLSearchParams, which is the provider's canonical form); `rawBody` is exactly the bytes sent.
 */
export function signatureHeaders(
  appToken: string,
  hmacSecret: string,
  method: string,
  fullPath: string,
  rawBody: string | undefined,
  nowMs: number = Date.now(),
): Record<string, string> {
  const timestamp = String(Math.floor(nowMs / 1000));
  const signature = createHmac('sha256', hmacSecret)
    .update(`${timestamp}\n${method.toUpperCase()}\n${fullPath}\n${rawBody ?? ''}`)
    .digest('hex');
  return { 'x-app-token': appToken, 'x-timestamp': timestamp, 'x-signature': signature };
}

/** Turns the provider's error answers into ours. Legacy text goes to `detail` only; secrets never appear. */
export function mapKycError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const err = errorBody(response.json);
  const type = err?.type;
  const legacyMessage = err
    ? `${err.message ?? ''}${err.fields !== undefined ? ` ${JSON.stringify(err.fields)}` : ''}`.slice(0, 500)
    : response.text.slice(0, 500);
  const detail = { route: call.route, status: response.status, ...(type ? { legacyCode: type } : {}), legacyMessage };
  const { status } = response;
  if (status === 429 || type === 'rate_limit') {
    // The provider protecting itself, not failing: status 429 is what makes LegacyHttpClient retry a safe call after
    // its Retry-After and keeps the answer out of the breaker's count (UpstreamError.isRateLimited).
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is busy, try again shortly`, detail);
  }
  if (status === 401 || status === 403 || type === 'authorization_error') {
    // Our credentials or signature were refused: a misconfiguration on our side, not the customer's doing, and one
    // that a repeat cannot mend (a fresh signature per attempt is already the rule).
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, { ...detail, retryable: false });
  }
  if (status >= 500) return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  if (status === 404 || type === 'resource_not_found') {
    return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this resource`, detail);
  }
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, detail);
}

function errorBody(json: unknown): { type?: string; message?: string; fields?: unknown } | undefined {
  if (!isRecord(json)) return undefined;
  const e = json.error;
  if (typeof e === 'string') return { message: e };
  if (!isRecord(e)) return undefined;
  return {
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(e.fields !== undefined ? { fields: e.fields } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes, read defensively: anything unexpected is UPSTREAM_BAD_RESPONSE, never a silent wrong answer.

export interface WireApplicant {
  readonly id: string;
  readonly externalId: string | null;
  readonly createdAt: string;
  readonly latestCheck: { status: 'in_progress' | 'complete'; result: 'clear' | 'consider' | null; completedAt: string | null } | null;
}

export interface WireCheck {
  readonly id: string;
  readonly status: 'in_progress' | 'complete';
  readonly result: 'clear' | 'consider' | null;
}

class ShapeError extends Error {}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rec(v: unknown, what: string): Record<string, unknown> {
  if (!isRecord(v)) throw new ShapeError(`${what} is not an object`);
  return v;
}

function str(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') throw new ShapeError(`${what} is not a string`);
  return v;
}

function nullableStr(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : str(v, what);
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], what: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ShapeError(`${what} is ${JSON.stringify(v)}`);
  return v as T;
}

function timestamp(v: unknown, what: string): string {
  const s = str(v, what);
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new ShapeError(`${what} is not a date-time`);
  return d.toISOString();
}

function checkResult(v: unknown, status: 'in_progress' | 'complete', what: string): 'clear' | 'consider' | null {
  if (status === 'in_progress') return null;
  return oneOf(v, ['clear', 'consider'] as const, what);
}

function applicant(v: unknown): WireApplicant {
  const a = rec(v, 'applicant');
  let latestCheck: WireApplicant['latestCheck'] = null;
  if (a.latest_check !== null && a.latest_check !== undefined) {
    const c = rec(a.latest_check, 'latest_check');
    const status = oneOf(c.status, ['in_progress', 'complete'] as const, 'latest_check.status');
    latestCheck = {
      status,
      result: checkResult(c.result, status, 'latest_check.result'),
      completedAt: status === 'complete' && c.completed_at !== null && c.completed_at !== undefined ? timestamp(c.completed_at, 'latest_check.completed_at') : null,
    };
  }
  return {
    id: str(a.id, 'applicant.id'),
    externalId: nullableStr(a.external_id, 'applicant.external_id'),
    createdAt: timestamp(a.created_at, 'applicant.created_at'),
    latestCheck,
  };
}

/** Runs a reader over an answer; a shape problem becomes UPSTREAM_BAD_RESPONSE on `route`. */
export function read<T>(route: string, json: unknown, reader: (json: unknown) => T): T {
  try {
    return reader(json);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we do not understand`, {
      route,
      legacyMessage: err.message,
    }, err);
  }
}

export const readApplicantList = (json: unknown): WireApplicant[] => {
  const list = rec(json, 'answer').applicants;
  if (!Array.isArray(list)) throw new ShapeError('applicants is not a list');
  return list.map(applicant);
};

export const readApplicantId = (json: unknown): string => str(rec(json, 'applicant').id, 'applicant.id');

export const readCheck = (json: unknown): WireCheck => {
  const c = rec(json, 'check');
  const status = oneOf(c.status, ['in_progress', 'complete'] as const, 'check.status');
  return { id: str(c.id, 'check.id'), status, result: checkResult(c.result, status, 'check.result') };
};

export const readScreening = (json: unknown): { id: string; hit: boolean; lists: string[] } => {
  const s = rec(json, 'screening');
  const result = oneOf(s.result, ['no_match', 'potential_match'] as const, 'screening.result');
  if (!Array.isArray(s.matches)) throw new ShapeError('screening.matches is not a list');
  const lists = s.matches.map((m, i) => str(rec(m, `matches[${i}]`).list, `matches[${i}].list`));
  return { id: str(s.id, 'screening.id'), hit: result === 'potential_match', lists: [...new Set(lists)] };
};

// ---------------------------------------------------------------------------------------------------------------
// Normalisation into bank-wide types.

export function statusOf(check: WireApplicant['latestCheck']): KycStatus {
  if (check === null) return 'NOT_STARTED';
  if (check.status === 'in_progress') return 'PENDING';
  return check.result === 'consider' ? 'REVIEW' : 'CLEARED';
}

export function toProfile(customerId: string, a: WireApplicant): KycProfile {
  return {
    customerId,
    applicantId: a.id,
    status: statusOf(a.latestCheck),
    lastCheckedAt: a.latestCheck?.completedAt ?? null,
  };
}

/** The full request-line path LegacyHttpClient will send (its base path + the call's path): what gets signed. */
export function requestPath(basePath: string, call: PreparedCall): string {
  return `${basePath}${call.path}`;
}
