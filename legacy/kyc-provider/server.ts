import { createHash } from 'node:crypto';
import { Simulator, type SimHandler, type SimRequest, type SimResponse } from '../http.js';
import {
  REPORT_NAMES,
  isComplete,
  resultFor,
  seedState,
  type ApplicantRecord,
  type CheckRecord,
} from './data.js';
import { TokenBucket, verifyRequest } from './security.js';
import { screen } from './watchlist.js';
import { fail, invalid, iso, isDate, isRecord, optionalString, requiredName, type Fields } from './wire.js';

/**
 * The KYC provider simulator (in the style of Onfido), API version 3 under /v3. Every call must be signed (see
 * security.ts) and is subject to a token-bucket rate limit shared by all callers (checked first, before the
 * signature). Errors: { error: { type, message, fields? } }.
 *
 *   GET  /v3/applicants?external_ids=a,b,...   batch by external id (up to 100); only those found, in request order
 *   GET  /v3/applicants/:id
 *   POST /v3/applicants                         { first_name, last_name, email?, dob?, external_id? } -> 201
 *   POST /v3/checks                             { applicant_id, report_names } -> 201 { status: "in_progress" }
 *   GET  /v3/checks/:id                         complete `checkDurationMs` after it started
 *   POST /v3/watchlist_screenings               { full_name, country?, date_of_birth? }
 *
 * POSTs honour an Idempotency-Key header (per route): the same key with the same body answers 200 with the same
 * resource; the same key with another body is a 422. Sandbox triggers are listed in data.ts.
 */

export interface KycProviderSimulatorOptions {
  appToken?: string;
  hmacSecret?: string;
  ratePerSecond?: number;
  checkDurationMs?: number;
  /** The provider's clock: signature freshness, check completion, timestamps and the rate limit all follow it. */
  now?: () => Date;
}

export const DEFAULT_APP_TOKEN = 'sandbox-kyc-app-token';
export const DEFAULT_HMAC_SECRET = 'sandbox-kyc-hmac-secret';
const MAX_BATCH = 100;

type Outcome = { ok: true; view: () => unknown } | { ok: false; response: SimResponse };

export function createKycProviderSimulator(options: KycProviderSimulatorOptions = {}): Simulator {
  const appToken = options.appToken ?? DEFAULT_APP_TOKEN;
  const hmacSecret = options.hmacSecret ?? DEFAULT_HMAC_SECRET;
  const checkDurationMs = options.checkDurationMs ?? 300;
  const now = options.now ?? (() => new Date());
  const bucket = new TokenBucket(options.ratePerSecond ?? 200, () => now().getTime());
  const state = seedState();
  const idempotency = new Map<string, { bodyHash: string; view: () => unknown }>();

  const sim = new Simulator({
    system: 'kyc-provider',
    serverError: (message) => fail(500, 'internal_error', message),
    notFound: (method, path) => fail(404, 'resource_not_found', `no route ${method} ${path}`),
  });

  /** Rate limit, then signature, then the handler. */
  const guarded =
    (handler: (req: SimRequest) => SimResponse): SimHandler =>
    (req) => {
      if (!bucket.take()) {
        return { ...fail(429, 'rate_limit', 'Rate limit exceeded, please retry later'), headers: { 'retry-after': '1' } };
      }
      const problem = verifyRequest(req, appToken, hmacSecret, now());
      if (problem !== null) return fail(401, 'authorization_error', problem);
      return handler(req);
    };

  /** Runs a create once per Idempotency-Key; a replay answers 200 with the resource as it is now. */
  const idempotent = (req: SimRequest, route: string, create: () => Outcome): SimResponse => {
    const raw = req.headers['idempotency-key'];
    const key = typeof raw === 'string' ? raw : undefined;
    if (key !== undefined && (key === '' || key.length > 255)) {
      return invalid({ 'Idempotency-Key': ['must be 1 to 255 characters'] });
    }
    const bodyHash = createHash('sha256').update(req.rawBody).digest('hex');
    const memoKey = `${route}\n${key ?? ''}`;
    const seen = key === undefined ? undefined : idempotency.get(memoKey);
    if (seen) {
      if (seen.bodyHash !== bodyHash) return invalid({ 'Idempotency-Key': ['was already used with a different request'] });
      return { status: 200, json: seen.view() };
    }
    const outcome = create();
    if (!outcome.ok) return outcome.response;
    if (key !== undefined) idempotency.set(memoKey, { bodyHash, view: outcome.view });
    return { status: 201, json: outcome.view() };
  };

  const checkJson = (c: CheckRecord) => {
    const done = isComplete(c, now());
    return {
      id: c.id,
      applicant_id: c.applicantId,
      status: done ? 'complete' : 'in_progress',
      result: done ? c.result : null,
      report_names: c.reportNames,
      created_at: iso(c.createdAt),
      completed_at: done && c.completesAt ? iso(c.completesAt) : null,
    };
  };

  const applicantJson = (a: ApplicantRecord) => {
    const check = state.latestCheck(a.id);
    const c = check ? checkJson(check) : null;
    return {
      id: a.id,
      external_id: a.externalId,
      first_name: a.firstName,
      last_name: a.lastName,
      email: a.email,
      dob: a.dob,
      created_at: iso(a.createdAt),
      latest_check: c ? { id: c.id, status: c.status, result: c.result, completed_at: c.completed_at } : null,
    };
  };

  const applicantNotFound = (id: string) => fail(404, 'resource_not_found', `applicant ${id} not found`);

  sim.route(
    'GET',
    '/v3/applicants',
    guarded((req) => {
      const raw = req.query.get('external_ids');
      if (raw === null) return invalid({ external_ids: ['is required'] });
      const ids = [...new Set(raw.split(',').map((s) => s.trim()).filter((s) => s !== ''))];
      if (ids.length > MAX_BATCH) return invalid({ external_ids: [`at most ${MAX_BATCH} ids per request`] });
      const applicants = ids.flatMap((id) => {
        const a = state.applicantByExternalId(id);
        return a ? [applicantJson(a)] : [];
      });
      return { json: { applicants } };
    }),
  );

  sim.route(
    'GET',
    '/v3/applicants/:id',
    guarded((req) => {
      const id = req.params.id ?? '';
      const a = state.applicants.get(id);
      return a ? { json: applicantJson(a) } : applicantNotFound(id);
    }),
  );

  sim.route(
    'POST',
    '/v3/applicants',
    guarded((req) =>
      idempotent(req, 'POST /v3/applicants', () => {
        const body = req.body;
        if (!isRecord(body)) return { ok: false, response: invalid({ body: ['must be a JSON object'] }) };
        const fields: Fields = {};
        const firstName = requiredName(body, 'first_name', fields);
        const lastName = requiredName(body, 'last_name', fields);
        const email = optionalString(body, 'email', fields, (s) => /^[^@\s]+@[^@\s]+$/.test(s), 'must be an email address');
        const dob = optionalString(body, 'dob', fields, (s) => isDate(s, now()), 'must be a past date, YYYY-MM-DD');
        const externalId = optionalString(body, 'external_id', fields, (s) => s !== '' && s.length <= 100 && !s.includes(','), 'must be 1 to 100 characters, without commas');
        if (Object.keys(fields).length > 0) return { ok: false, response: invalid(fields) };
        const applicant: ApplicantRecord = {
          id: state.nextApplicantId(),
          externalId,
          firstName,
          lastName,
          email,
          dob,
          createdAt: now(),
        };
        state.addApplicant(applicant);
        return { ok: true, view: () => applicantJson(applicant) };
      }),
    ),
  );

  sim.route(
    'POST',
    '/v3/checks',
    guarded((req) =>
      idempotent(req, 'POST /v3/checks', () => {
        const body = req.body;
        if (!isRecord(body)) return { ok: false, response: invalid({ body: ['must be a JSON object'] }) };
        const fields: Fields = {};
        const applicant = typeof body.applicant_id === 'string' ? state.applicants.get(body.applicant_id) : undefined;
        if (!applicant) fields.applicant_id = ['must be the id of an existing applicant'];
        const names = body.report_names;
        const known: readonly string[] = REPORT_NAMES;
        if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string' && known.includes(n))) {
          fields.report_names = [`must be a non-empty list of: ${REPORT_NAMES.join(', ')}`];
        }
        if (!applicant || Object.keys(fields).length > 0) return { ok: false, response: invalid(fields) };
        const createdAt = now();
        const check: CheckRecord = {
          id: state.nextCheckId(),
          applicantId: applicant.id,
          reportNames: [...new Set(names as string[])],
          createdAt,
          completesAt: new Date(createdAt.getTime() + checkDurationMs),
          result: resultFor(applicant.lastName, applicant.email),
        };
        state.addCheck(check);
        return { ok: true, view: () => checkJson(check) };
      }),
    ),
  );

  sim.route(
    'GET',
    '/v3/checks/:id',
    guarded((req) => {
      const id = req.params.id ?? '';
      const c = state.checks.get(id);
      return c ? { json: checkJson(c) } : fail(404, 'resource_not_found', `check ${id} not found`);
    }),
  );

  sim.route(
    'POST',
    '/v3/watchlist_screenings',
    guarded((req) =>
      idempotent(req, 'POST /v3/watchlist_screenings', () => {
        const body = req.body;
        if (!isRecord(body)) return { ok: false, response: invalid({ body: ['must be a JSON object'] }) };
        const fields: Fields = {};
        const fullName = body.full_name;
        if (typeof fullName !== 'string' || fullName.trim() === '' || fullName.length > 200) {
          fields.full_name = ['must be a non-empty string of at most 200 characters'];
        }
        optionalString(body, 'country', fields, (s) => /^[A-Za-z]{2,3}$/.test(s), 'must be an ISO 3166 country code');
        optionalString(body, 'date_of_birth', fields, (s) => isDate(s, now()), 'must be a past date, YYYY-MM-DD');
        if (typeof fullName !== 'string' || Object.keys(fields).length > 0) return { ok: false, response: invalid(fields) };
        const matches = screen(fullName);
        const screening = {
          id: state.nextScreeningId(),
          status: 'complete',
          result: matches.length > 0 ? 'potential_match' : 'no_match',
          matches,
          created_at: iso(now()),
        };
        return { ok: true, view: () => screening };
      }),
    ),
  );

  return sim;
}
