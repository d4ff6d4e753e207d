import type { KycProfile } from '../../lib/domain.js';
import { LegacyHttpClient, type BreakerOptions, type LegacyCall, type RetryOptions } from '../http.js';
import { chunks, listable, tuning } from '../util.js';
import {
  SYSTEM,
  mapKycError,
  read,
  readApplicantId,
  readApplicantList,
  readCheck,
  readScreening,
  requestPath,
  signatureHeaders,
  toProfile,
  type WireApplicant,
} from './wire.js';

/**
 * The KYC provider connector: the only code that speaks the provider's /v3 dialect. Every request is signed
 * (X-App-Token, X-Timestamp, X-Signature: HMAC-SHA256 over timestamp, method, path with query and raw body), freshly
 * for each attempt. Reads are batched (one call per 100 customers). Writes carry the caller's reference as the
 * Idempotency-Key, which the provider honours, so they are safe to retry. A 429 is retried for safe calls after
 * the provider's Retry-After (LegacyHttpClient does that).
 */

export interface KycProviderConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly appToken: string;
  readonly hmacSecret: string;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

export interface CreateApplicantInput {
  customerId: string;
  firstName: string;
  lastName: string;
  email: string | null;
  /** ISO 8601 date (YYYY-MM-DD). */
  dateOfBirth: string | null;
}

export interface KycCheck {
  checkId: string;
  status: 'PENDING' | 'COMPLETE';
  result: 'CLEAR' | 'CONSIDER' | null;
}

export interface ScreenNameInput {
  fullName: string;
  /** ISO 3166 country code. */
  country?: string;
  /** ISO 8601 date (YYYY-MM-DD). */
  dateOfBirth?: string;
}

/** The most external ids the provider takes in one batch read. */
export const KYC_BATCH_LIMIT = 100;

function idempotencyKey(reference: string): Record<string, string> {
  if (reference.trim() === '') throw new TypeError('a KYC write needs a non-empty reference (its Idempotency-Key)');
  return { 'idempotency-key': reference };
}

export class KycProviderConnector {
  readonly http: LegacyHttpClient;

  constructor(options: KycProviderConnectorOptions) {
    const { appToken, hmacSecret } = options;
    // LegacyHttpClient prefixes every path with the base URL's path; the signature covers the full request path.
    const basePath = new URL(options.baseUrl).pathname.replace(/\/$/, '');
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      headers: (call) => signatureHeaders(appToken, hmacSecret, call.method, requestPath(basePath, call), call.rawBody),
      mapError: mapKycError,
    });
  }

  /**
   * The KYC profile of each customer, in input order; null when the provider has no applicant for them. One call per
   * 100 distinct customers. `lastCheckedAt` is the completion time of the latest check, null while it runs.
   */
  async getProfiles(customerIds: readonly string[]): Promise<(KycProfile | null)[]> {
    const unique = [...new Set(customerIds)].filter(listable);
    const lists = await Promise.all(chunks(unique, KYC_BATCH_LIMIT).map((ids) => this.applicantsByExternalId(ids)));
    const newest = new Map<string, WireApplicant>();
    for (const a of lists.flat()) {
      if (a.externalId === null) continue;
      const seen = newest.get(a.externalId);
      if (!seen || seen.createdAt < a.createdAt) newest.set(a.externalId, a);
    }
    return customerIds.map((id) => {
      const a = newest.get(id);
      return a ? toProfile(id, a) : null;
    });
  }

  /** Creates the applicant for a customer. The same `reference` returns the same applicant. */
  async createApplicant(input: CreateApplicantInput, reference: string): Promise<{ applicantId: string }> {
    const route = 'POST /v3/applicants';
    const json = await this.http.json<unknown>({
      method: 'POST',
      path: '/v3/applicants',
      route,
      body: {
        first_name: input.firstName,
        last_name: input.lastName,
        ...(input.email !== null ? { email: input.email } : {}),
        ...(input.dateOfBirth !== null ? { dob: input.dateOfBirth } : {}),
        external_id: input.customerId,
      },
      headers: idempotencyKey(reference),
      idempotent: true,
    });
    return { applicantId: read(route, json, readApplicantId) };
  }

  /** Starts a check (document, facial similarity, watchlist). The same `reference` returns the same check. */
  async startCheck(applicantId: string, reference: string): Promise<{ checkId: string }> {
    const route = 'POST /v3/checks';
    const json = await this.http.json<unknown>({
      method: 'POST',
      path: '/v3/checks',
      route,
      body: { applicant_id: applicantId, report_names: ['document', 'facial_similarity', 'watchlist'] },
      headers: idempotencyKey(reference),
      idempotent: true,
    });
    return { checkId: read(route, json, readCheck).id };
  }

  /** A check's state; poll until COMPLETE. */
  async getCheck(checkId: string): Promise<KycCheck> {
    const check = await this.get(`/v3/checks/${encodeURIComponent(checkId)}`, 'GET /v3/checks/:id', readCheck);
    return {
      checkId: check.id,
      status: check.status === 'complete' ? 'COMPLETE' : 'PENDING',
      result: check.result === null ? null : check.result === 'clear' ? 'CLEAR' : 'CONSIDER',
    };
  }

  /** Screens a name against the sanctions lists. `hit` means a potential match on at least one of `lists`. */
  async screenName(input: ScreenNameInput, reference: string): Promise<{ screeningId: string; hit: boolean; lists: string[] }> {
    const route = 'POST /v3/watchlist_screenings';
    const json = await this.http.json<unknown>({
      method: 'POST',
      path: '/v3/watchlist_screenings',
      route,
      body: {
        full_name: input.fullName,
        ...(input.country !== undefined ? { country: input.country } : {}),
        ...(input.dateOfBirth !== undefined ? { date_of_birth: input.dateOfBirth } : {}),
      },
      headers: idempotencyKey(reference),
      idempotent: true,
    });
    const screening = read(route, json, readScreening);
    return { screeningId: screening.id, hit: screening.hit, lists: screening.lists };
  }

  private applicantsByExternalId(ids: readonly string[]): Promise<WireApplicant[]> {
    const query = new URLSearchParams({ external_ids: ids.join(',') });
    return this.get(`/v3/applicants?${query.toString()}`, 'GET /v3/applicants', readApplicantList);
  }

  private async get<T>(path: string, route: string, reader: (json: unknown) => T): Promise<T> {
    const call: LegacyCall = { method: 'GET', path, route, idempotent: true };
    return read(route, await this.http.json<unknown>(call), reader);
  }
}
