import type { KycStatus } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import type { LegacyCall, LegacyResponse } from '../http.js';

/**
 * Onfido API v3.6 on the wire: its authentication header, its Error body { error: { type, message, fields? } }, the
 * shapes bankgraph reads (checked, not trusted) and their normalisation into bank-wide types.
 */

export const SYSTEM = 'kyc-provider';

/** Onfido's authentication: the API token, nothing signed. */
export function authorization(apiToken: string): Record<string, string> {
  return { authorization: `Token token=${apiToken}` };
}

/** Turns Onfido's error answers into ours. Legacy text goes to `detail` only; secrets never appear. */
export function mapKycError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const err = errorBody(response.json);
  const type = err?.type;
  const legacyMessage = err
    ? `${err.message ?? ''}${err.fields !== undefined ? ` ${JSON.stringify(err.fields)}` : ''}`.slice(0, 500)
    : response.text.slice(0, 500);
  const detail = { route: call.route, status: response.status, ...(type ? { legacyCode: type } : {}), legacyMessage };
  const { status } = response;
  if (status === 429 || type === 'rate_limit') {
    // Onfido protecting itself, not failing: status 429 is what makes LegacyHttpClient retry a safe call after its
    // Retry-After and keeps the answer out of the breaker's count (UpstreamError.isRateLimited).
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is busy, try again shortly`, detail);
  }
  if (status === 401 || status === 403 || type === 'authorization_error') {
    // Our API token was refused: a misconfiguration on our side, not the customer's doing, and one a repeat cannot mend.
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
  if (!isRecord(e)) return undefined;
  return {
    ...(typeof e.type === 'string' ? { type: e.type } : {}),
    ...(typeof e.message === 'string' ? { message: e.message } : {}),
    ...(e.fields !== undefined ? { fields: e.fields } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Wire shapes, read defensively: anything unexpected is UPSTREAM_BAD_RESPONSE, never a silent wrong answer.

/** Onfido's check_status, every value of it. */
export const CHECK_STATUSES = ['in_progress', 'awaiting_applicant', 'complete', 'withdrawn', 'paused', 'reopened'] as const;
export type WireCheckStatus = (typeof CHECK_STATUSES)[number];

export interface WireApplicant {
  readonly id: string;
  readonly createdAt: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly email: string | null;
  readonly dob: string | null;
}

export interface WireCheck {
  readonly id: string;
  readonly createdAt: string;
  readonly status: WireCheckStatus;
  /** Present once complete. */
  readonly result: 'clear' | 'consider' | null;
  readonly tags: readonly string[];
}

export interface WireReport {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly result: 'clear' | 'consider' | 'unidentified' | null;
  /** Watchlist reports: the source (list) names of the records matched. */
  readonly sources: readonly string[];
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

function optionalStr(v: unknown, what: string): string | null {
  return v === null || v === undefined ? null : str(v, what);
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new ShapeError(`${what} is not a list`);
  return v;
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

function applicant(v: unknown): WireApplicant {
  const a = rec(v, 'applicant');
  return {
    id: str(a.id, 'applicant.id'),
    createdAt: timestamp(a.created_at, 'applicant.created_at'),
    firstName: str(a.first_name, 'applicant.first_name'),
    lastName: str(a.last_name, 'applicant.last_name'),
    email: optionalStr(a.email, 'applicant.email'),
    dob: optionalStr(a.dob, 'applicant.dob'),
  };
}

function check(v: unknown): WireCheck {
  const c = rec(v, 'check');
  const status = oneOf(c.status, CHECK_STATUSES, 'check.status');
  const result = status === 'complete' ? oneOf(c.result, ['clear', 'consider'] as const, 'check.result') : null;
  const tags = c.tags === undefined || c.tags === null ? [] : list(c.tags, 'check.tags').map((t, i) => str(t, `check.tags[${i}]`));
  return { id: str(c.id, 'check.id'), createdAt: timestamp(c.created_at, 'check.created_at'), status, result, tags };
}

function report(v: unknown): WireReport {
  const r = rec(v, 'report');
  const properties = r.properties === undefined || r.properties === null ? {} : rec(r.properties, 'report.properties');
  const records = properties.records === undefined || properties.records === null ? [] : list(properties.records, 'report.properties.records');
  const sources = records.flatMap((entry, i) => {
    const source = rec(entry, `records[${i}]`).source;
    if (source === undefined || source === null) return [];
    return list(source, `records[${i}].source`).map((s, j) => str(rec(s, `records[${i}].source[${j}]`).source_name, `records[${i}].source[${j}].source_name`));
  });
  const result = r.result === undefined || r.result === null ? null : oneOf(r.result, ['clear', 'consider', 'unidentified'] as const, 'report.result');
  return { id: str(r.id, 'report.id'), name: str(r.name, 'report.name'), status: str(r.status, 'report.status'), result, sources: [...new Set(sources)] };
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

export const readApplicant = applicant;
export const readApplicantList = (json: unknown): WireApplicant[] => list(rec(json, 'answer').applicants, 'applicants').map(applicant);
export const readCheck = check;
export const readCheckList = (json: unknown): WireCheck[] => list(rec(json, 'answer').checks, 'checks').map(check);
export const readReportList = (json: unknown): WireReport[] => list(rec(json, 'answer').reports, 'reports').map(report);

// ---------------------------------------------------------------------------------------------------------------
// Normalisation into bank-wide types.

/**
 * Where a check stands, in the bank's terms, with Onfido's own status kept beside it (nothing is lost):
 *   in_progress, awaiting_applicant (the applicant has not sent their data yet), paused (held at Onfido),
 *   reopened (a completed check sent back for more work)                        -> PENDING: no verdict yet
 *   complete                                                                    -> COMPLETE, with its result
 *   withdrawn (stopped at Onfido or by us; no verdict will come)                -> WITHDRAWN: terminal, no result
 */
export type CheckState = 'PENDING' | 'COMPLETE' | 'WITHDRAWN';

export function checkStateOf(status: WireCheckStatus): CheckState {
  switch (status) {
    case 'complete':
      return 'COMPLETE';
    case 'withdrawn':
      return 'WITHDRAWN';
    case 'in_progress':
    case 'awaiting_applicant':
    case 'paused':
    case 'reopened':
      return 'PENDING';
  }
}

/**
 * The KYC standing a customer's checks give: the newest check that was not withdrawn decides (a withdrawn check is
 * no verdict on the person, so an earlier one still stands); none such, NOT_STARTED.
 */
export function standingOf(checks: readonly WireCheck[]): { status: KycStatus; check: WireCheck | null } {
  const decisive = [...checks].filter((c) => c.status !== 'withdrawn').sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))[0];
  if (!decisive) return { status: 'NOT_STARTED', check: null };
  if (checkStateOf(decisive.status) === 'PENDING') return { status: 'PENDING', check: decisive };
  return { status: decisive.result === 'consider' ? 'REVIEW' : 'CLEARED', check: decisive };
}
