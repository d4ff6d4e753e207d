import { createHash } from 'node:crypto';
import type { KycProfile } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { LegacyHttpClient, type BreakerOptions, type LegacyCall, type RetryOptions } from '../http.js';
import { tuning } from '../util.js';
import { applicantKey, checkKey, createOnce, payeeKey, type Ledger, type OnceSteps } from './ledger.js';
import {
  SYSTEM,
  authorization,
  checkStateOf,
  mapKycError,
  read,
  readApplicant,
  readApplicantList,
  readCheck,
  readCheckList,
  readReportList,
  standingOf,
  type CheckState,
  type WireApplicant,
  type WireCheckStatus,
} from './wire.js';

export { applicantKey, recordedId, type Ledger } from './ledger.js';
export type { CheckState } from './wire.js';

/**
 * The KYC connector: the only code that speaks Onfido's API v3.6. Every call carries `Authorization: Token
 * token=<API token>`; nothing is signed. Reads are retried (after a 429, after Onfido's Retry-After: LegacyHttpClient
 * does that). Onfido has no idempotency, so no POST is ever retried by the HTTP client: each create goes through
 * the ledger (ledger.ts), which records the intent before the call and looks the vendor up before any repeat.
 *
 * Onfido has no batch read, and an applicant carries no reference of ours: a profile is read from the applicant id
 * bankgraph recorded (the caller passes it) with one `GET /checks?applicant_id=` per customer, in parallel. Onfido has
 * no risk score: that is the bank's own (connectors/risk-scoring). A dashboard costs one call; a staff view of 20
 * customers 20.
 */

export interface KycProviderConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly apiToken: string;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
  /**
   * How long another call's intent to create (the ledger, ledger.ts) is presumed still in flight: more than
   * `timeoutMs`, plus a margin for Onfido finishing a request whose client gave up. @default timeoutMs + 8000
   */
  readonly intentSettleMs?: number;
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
  /** PENDING (no verdict yet), COMPLETE (with a result) or WITHDRAWN (terminal, no verdict will come). */
  status: CheckState;
  /** Onfido's own status, kept: `awaiting_applicant` and `paused` say why a check is still pending. */
  onfidoStatus: WireCheckStatus;
  result: 'CLEAR' | 'CONSIDER' | null;
}

export interface ScreenNameInput {
  fullName: string;
  /** ISO 8601 date (YYYY-MM-DD). */
  dateOfBirth?: string;
}

export interface Screening {
  /** The Onfido check that carries the watchlist report. */
  screeningId: string;
  status: CheckState;
  onfidoStatus: WireCheckStatus;
  /** A potential match on at least one of `lists`; false until the check is complete. */
  hit: boolean;
  lists: string[];
}

/** The reports of an onboarding check: Onfido's names. */
export const ONBOARDING_REPORTS = ['document', 'facial_similarity_photo', 'watchlist_standard'] as const;
/** The report of a payee's screening: sanctions, PEPs and warnings. */
export const SCREENING_REPORT = 'watchlist_standard';
/** The most applicants one page of GET /applicants holds (the look-up reads pages of this size). */
const LOOKUP_PAGE = 100;
/** How many pages back the look-up goes before it gives up rather than guess. */
const LOOKUP_MAX_PAGES = 10;
/** Our clock and Onfido's may disagree: the look-up reaches this far before the recorded intent. */
const CLOCK_MARGIN_MS = 5 * 60_000;

/** The tag a check carries so that a look-up can find it (Onfido's tags: at most 128 characters each). */
export function checkTag(reference: string): string {
  return `bankgraph:${createHash('sha256').update(reference).digest('hex').slice(0, 32)}`;
}

function requireReference(reference: string): void {
  if (reference.trim() === '') throw new TypeError('a KYC write needs a non-empty reference');
}

/** Onfido wants a first and a last name; a payee is one string ("Acme Shell Holdings", "Ivan Sanctioned"). */
export function splitName(fullName: string): { first_name: string; last_name: string } {
  const words = fullName.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) throw new TypeError('a name to screen must not be empty');
  if (words.length === 1) return { first_name: words[0] as string, last_name: words[0] as string };
  return { first_name: words.slice(0, -1).join(' '), last_name: words.at(-1) as string };
}

export class KycProviderConnector {
  readonly http: LegacyHttpClient;
  private readonly settleMs: number;

  constructor(options: KycProviderConnectorOptions) {
    const auth = authorization(options.apiToken);
    this.settleMs = options.intentSettleMs ?? (options.timeoutMs ?? 2000) + 8000;
    this.http = new LegacyHttpClient({ system: SYSTEM, baseUrl: options.baseUrl, ...tuning(options), headers: () => auth, mapError: mapKycError });
  }

  /**
   * The KYC profile of each customer, in input order; null when bankgraph has no applicant for them (or Onfido no
   * longer knows it). `lastCheckedAt` is when the deciding check was run (Onfido's check has no completion time),
   * null while it runs.
   */
  async getProfiles(customers: readonly { customerId: string; applicantId: string | null }[]): Promise<(KycProfile | null)[]> {
    const applicantIds = [...new Set(customers.map((c) => c.applicantId).filter((id): id is string => id !== null && id !== ''))];
    const profiles = new Map(await Promise.all(applicantIds.map(async (id) => [id, await this.profileOf(id)] as const)));
    return customers.map(({ customerId, applicantId }) => {
      const p = applicantId === null ? undefined : profiles.get(applicantId);
      return p ? { customerId, ...p } : null;
    });
  }

  /**
   * Creates the customer's applicant once: the same customer (the ledger's key) gets the same applicant however
   * often this runs, with whatever crashed in between (ledger.ts).
   */
  async createApplicant(input: CreateApplicantInput, reference: string, ledger: Ledger): Promise<{ applicantId: string }> {
    requireReference(reference);
    const body = {
      first_name: input.firstName,
      last_name: input.lastName,
      ...(input.email !== null ? { email: input.email } : {}),
      ...(input.dateOfBirth !== null ? { dob: input.dateOfBirth } : {}),
    };
    const applicantId = await this.once(ledger, applicantKey(input.customerId), reference, {
      create: () => this.postApplicant(body),
      find: (since) => this.findApplicant(body, since),
    });
    return { applicantId };
  }

  /** Starts the onboarding check once per `reference`: it carries the reference's tag, found again by a look-up. */
  async startCheck(applicantId: string, reference: string, ledger: Ledger): Promise<{ checkId: string }> {
    requireReference(reference);
    const checkId = await this.once(ledger, checkKey(reference), reference, {
      create: () => this.postCheck({ applicant_id: applicantId, report_names: [...ONBOARDING_REPORTS], tags: [checkTag(reference)] }),
      find: () => this.findCheck(applicantId, reference),
    });
    return { checkId };
  }

  /** A check's state; poll until it is no longer PENDING (or take the webhook: webhooks.ts). */
  async getCheck(checkId: string): Promise<KycCheck> {
    const check = await this.get(`/v3.6/checks/${encodeURIComponent(checkId)}`, 'GET /v3.6/checks/:check_id', readCheck);
    return {
      checkId: check.id,
      status: checkStateOf(check.status),
      onfidoStatus: check.status,
      result: check.result === null ? null : check.result === 'clear' ? 'CLEAR' : 'CONSIDER',
    };
  }

  /**
   * Screens a payee's name against the watchlists, Onfido's way: an applicant for the payee and a check with a
   * watchlist report, each created once per `reference` (the ledger), the check synchronous (`asynchronous: false`:
   * Onfido answers once the report is done). A clear screening costs three calls (the applicant, the check, the
   * check read back); a hit one more, for the matched lists. Called again with the same reference, it reads the same
   * check: a check that was still PENDING is simply asked again.
   */
  async screenName(input: ScreenNameInput, reference: string, ledger: Ledger): Promise<Screening> {
    requireReference(reference);
    const body = { ...splitName(input.fullName), ...(input.dateOfBirth !== undefined ? { dob: input.dateOfBirth } : {}) };
    const applicantId = await this.once(ledger, payeeKey(reference), reference, {
      create: () => this.postApplicant(body),
      find: (since) => this.findApplicant(body, since),
    });
    const checkId = await this.once(ledger, checkKey(reference), reference, {
      create: () => this.postCheck({ applicant_id: applicantId, report_names: [SCREENING_REPORT], tags: [checkTag(reference)], asynchronous: false }),
      find: () => this.findCheck(applicantId, reference),
    });
    const check = await this.getCheck(checkId);
    if (check.status !== 'COMPLETE') return { screeningId: checkId, status: check.status, onfidoStatus: check.onfidoStatus, hit: false, lists: [] };
    // The check holds the one watchlist report, so its result is the report's: clear needs nothing more. A hit
    // reads the report for the lists it matched (properties.records[].source[].source_name).
    if (check.result === 'CLEAR') return { screeningId: checkId, status: 'COMPLETE', onfidoStatus: check.onfidoStatus, hit: false, lists: [] };
    const query = new URLSearchParams({ check_id: checkId });
    const reports = await this.get(`/v3.6/reports?${query.toString()}`, 'GET /v3.6/reports', readReportList);
    const watchlist = reports.filter((r) => r.name.startsWith('watchlist_'));
    if (watchlist.length === 0) {
      throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we do not understand`, { route: 'GET /v3.6/reports', legacyMessage: 'the screening check has no watchlist report' });
    }
    const hits = watchlist.filter((r) => r.result === 'consider');
    return { screeningId: checkId, status: 'COMPLETE', onfidoStatus: check.onfidoStatus, hit: hits.length > 0, lists: [...new Set(hits.flatMap((r) => r.sources))] };
  }

  private async profileOf(applicantId: string): Promise<Omit<KycProfile, 'customerId'> | null> {
    const query = new URLSearchParams({ applicant_id: applicantId });
    let checks;
    try {
      checks = await this.get(`/v3.6/checks?${query.toString()}`, 'GET /v3.6/checks', readCheckList);
    } catch (err) {
      // An applicant Onfido no longer knows (deleted at the vendor): no standing, not a failure of the read.
      if (err instanceof UpstreamError && err.code === ErrorCode.NOT_FOUND) return null;
      throw err;
    }
    const { status, check } = standingOf(checks);
    const done = status === 'CLEARED' || status === 'REVIEW';
    return {
      applicantId,
      status,
      lastCheckedAt: done && check ? check.createdAt : null,
    };
  }

  /** createOnce with this connector's settle window, and Onfido's proofs that a create made nothing. */
  private once(ledger: Ledger, key: string, reference: string, steps: Omit<OnceSteps, 'madeNothing'>): Promise<string> {
    return createOnce(ledger, key, reference, { ...steps, madeNothing }, { settleMs: this.settleMs });
  }

  private async postApplicant(body: Record<string, string>): Promise<string> {
    const route = 'POST /v3.6/applicants';
    // Not idempotent at Onfido: never retried here (a lost answer may have made the applicant; the ledger finds it).
    const json = await this.http.json<unknown>({ method: 'POST', path: '/v3.6/applicants', route, body, idempotent: false });
    return read(route, json, readApplicant).id;
  }

  private async postCheck(body: Record<string, unknown>): Promise<string> {
    const route = 'POST /v3.6/checks';
    const json = await this.http.json<unknown>({ method: 'POST', path: '/v3.6/checks', route, body, idempotent: false });
    return read(route, json, readCheck).id;
  }

  /**
   * The applicant an earlier POST made: Onfido lists applicants newest first, so the look-up reads pages until it
   * passes the intent's time (less the clock margin), matching every field that was sent.
   */
  private async findApplicant(sent: Record<string, string>, since: number): Promise<string | null> {
    const from = since - CLOCK_MARGIN_MS;
    const matches = (a: WireApplicant) =>
      a.firstName === sent.first_name && a.lastName === sent.last_name && a.email === (sent.email ?? null) && a.dob === (sent.dob ?? null);
    for (let page = 1; page <= LOOKUP_MAX_PAGES; page++) {
      const query = new URLSearchParams({ page: String(page), per_page: String(LOOKUP_PAGE) });
      const applicants = await this.get(`/v3.6/applicants?${query.toString()}`, 'GET /v3.6/applicants', readApplicantList);
      const recent = applicants.filter((a) => Date.parse(a.createdAt) >= from);
      const found = recent.find(matches);
      if (found) return found.id;
      if (recent.length < applicants.length || applicants.length < LOOKUP_PAGE) return null;
    }
    // More applicants were made since the intent than the look-up reads: do not guess (a second applicant is the
    // one thing this must not make); the step fails and a person looks.
    throw new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM}: cannot tell whether an earlier attempt created the applicant`, {
      route: 'GET /v3.6/applicants',
      legacyMessage: `more than ${LOOKUP_PAGE * LOOKUP_MAX_PAGES} applicants since the intent`,
    });
  }

  private async findCheck(applicantId: string, reference: string): Promise<string | null> {
    const tag = checkTag(reference);
    const query = new URLSearchParams({ applicant_id: applicantId });
    const checks = await this.get(`/v3.6/checks?${query.toString()}`, 'GET /v3.6/checks', readCheckList);
    return checks.find((c) => c.tags.includes(tag))?.id ?? null;
  }

  private async get<T>(path: string, route: string, reader: (json: unknown) => T): Promise<T> {
    const call: LegacyCall = { method: 'GET', path, route, idempotent: true };
    return read(route, await this.http.json<unknown>(call), reader);
  }
}

/**
 * Onfido refused the create (a 4xx: validation, authentication, rate limit) or the connection was refused: nothing
 * was made. A timeout, a dropped connection or a 5xx may have been made all the same.
 */
function madeNothing(err: unknown): boolean {
  if (!(err instanceof UpstreamError)) return false;
  const { status, legacyCode } = err.detail;
  return (status !== undefined && status >= 400 && status < 500) || legacyCode === 'ECONNREFUSED';
}
