import { Simulator, type SimHandler, type SimRequest, type SimResponse } from '../http.js';
import {
  REPORT_NAMES,
  considersPerson,
  fateFor,
  seedState,
  statusOf,
  type ApplicantRecord,
  type CheckRecord,
  type ReportRecord,
} from './data.js';
import { TokenBucket, verifyToken } from './security.js';
import { screen } from './watchlist.js';
import { WebhookSender, type WebhookOptions } from './webhooks.js';
import { fail, invalid, iso, isDate, isRecord, isUuid, optionalString, requiredName, stringList, type Fields } from './wire.js';

/**
 * The KYC provider simulator: a faithful subset of Onfido's API v3.6 under /v3.6, inconvenient parts included.
 * Every call carries `Authorization: Token token=<API token>` (no signing) and is subject to a token-bucket rate
 * limit shared by all callers (checked first: Onfido's 429 `rate_limit`). Errors are Onfido's Error body
 * { error: { type, message, fields? } }. Nothing is idempotent: Onfido has no idempotency key (the header is
 * ignored), so a repeated POST makes a second applicant or check, and applicants carry no reference of the caller's.
 *
 *   GET  /v3.6/applicants?page=&per_page=     newest first, paged (per_page 1..500, default 20), Link and X-Total-Count
 *   GET  /v3.6/applicants/:applicant_id
 *   POST /v3.6/applicants                       { first_name, last_name, email?, dob? } -> 201 applicant
 *   POST /v3.6/checks                           { applicant_id, report_names, tags?, asynchronous?, consider? } -> 201
 *   GET  /v3.6/checks?applicant_id=             { checks } of one applicant (there is no read of many at once)
 *   GET  /v3.6/checks/:check_id                 in_progress, then complete `checkDurationMs` after it started
 *   POST /v3.6/checks/:check_id/resume          a paused check runs again -> 204
 *   GET  /v3.6/reports?check_id=                { reports } of one check
 *   GET  /v3.6/reports/:report_id
 *
 * With `webhook` set (KYC_PROVIDER_WEBHOOK_URL) it POSTs Onfido's webhook events (check.started, report.completed,
 * check.completed, check.withdrawn), signed with X-SHA2-Signature (webhooks.ts). `GET /__webhooks` (admin, not
 * Onfido's) lists what was delivered. Sandbox triggers are listed in data.ts.
 */

export interface KycProviderSimulatorOptions {
  apiToken?: string;
  ratePerSecond?: number;
  checkDurationMs?: number;
  /** Where and how to send webhook events; none sent without it. */
  webhook?: WebhookOptions;
  /** The provider's clock: check completion, timestamps and the rate limit follow it. */
  now?: () => Date;
}

export const DEFAULT_API_TOKEN = 'sandbox-kyc-api-token';
export const DEFAULT_WEBHOOK_TOKEN = 'sandbox-kyc-webhook-token';
const MAX_PER_PAGE = 500;
const API = '/v3.6';

export function createKycProviderSimulator(options: KycProviderSimulatorOptions = {}): Simulator {
  const apiToken = options.apiToken ?? DEFAULT_API_TOKEN;
  const checkDurationMs = options.checkDurationMs ?? 300;
  const now = options.now ?? (() => new Date());
  const bucket = new TokenBucket(options.ratePerSecond ?? 200, () => now().getTime());
  const state = seedState();
  const webhooks = options.webhook ? new WebhookSender(options.webhook) : null;

  const sim = new Simulator({
    system: 'kyc-provider',
    serverError: (message) => fail(500, 'internal_server_error', message),
    notFound: (method, path) => fail(404, 'resource_not_found', `The requested resource could not be found: ${method} ${path}`),
    unreadableBody: (status, message) => fail(status, 'bad_request', message),
  });

  /** Rate limit, then the token, then the handler. */
  const guarded =
    (handler: (req: SimRequest) => SimResponse): SimHandler =>
    (req) => {
      if (!bucket.take()) {
        return { ...fail(429, 'rate_limit', 'Rate limit exceeded. Please try again later.'), headers: { 'retry-after': '1' } };
      }
      const problem = verifyToken(req, apiToken);
      if (problem !== null) return fail(401, 'authorization_error', problem);
      return handler(req);
    };

  const notFound = (what: string, id: string) => fail(404, 'resource_not_found', `${what} ${id} could not be found`);

  const applicantJson = (a: ApplicantRecord) => ({
    id: a.id,
    created_at: iso(a.createdAt),
    href: `${API}/applicants/${a.id}`,
    sandbox: true,
    first_name: a.firstName,
    last_name: a.lastName,
    ...(a.email !== null ? { email: a.email } : {}),
    ...(a.dob !== null ? { dob: a.dob } : {}),
  });

  const checkJson = (c: CheckRecord) => {
    const status = statusOf(c, now());
    return {
      id: c.id,
      created_at: iso(c.createdAt),
      href: `${API}/checks/${c.id}`,
      applicant_id: c.applicantId,
      status,
      // Onfido's check has a result once it is complete, and no completion time (only its webhook carries one).
      ...(status === 'complete' ? { result: c.result } : {}),
      report_ids: c.reports.map((r) => r.id),
      tags: c.tags,
      applicant_provides_data: false,
      paused: status === 'paused',
      sandbox: true,
      version: '3.6',
      results_uri: `https://dashboard.onfido.com/checks/${c.id}`,
    };
  };

  const reportJson = (r: ReportRecord, c: CheckRecord) => {
    const checkStatus = statusOf(c, now());
    const status = checkStatus === 'complete' ? 'complete' : checkStatus === 'withdrawn' ? 'withdrawn' : 'awaiting_data';
    const done = status === 'complete';
    const watchlist = r.name.startsWith('watchlist_');
    return {
      id: r.id,
      created_at: iso(c.createdAt),
      href: `${API}/reports/${r.id}`,
      name: r.name,
      status,
      check_id: c.id,
      ...(done ? { result: r.result } : {}),
      ...(done && r.name === 'document' ? { sub_result: r.result === 'clear' ? 'clear' : 'caution' } : {}),
      ...(done && watchlist
        ? {
            breakdown: {
              sanction: { result: r.result },
              politically_exposed_person: { result: 'clear' },
              legal_and_regulatory_warnings: { result: 'clear' },
              ...(r.name === 'watchlist_aml' ? { adverse_media: { result: 'clear' } } : {}),
            },
            properties: { records: r.records },
          }
        : {}),
    };
  };

  /** The webhook events of a check's end, sent when the provider's clock reaches it (report.completed first). */
  const announceEnd = (c: CheckRecord, afterMs: number) => {
    if (!webhooks || c.fate === 'never' || c.fate === 'awaiting_applicant' || c.fate === 'paused') return;
    webhooks.later(afterMs, () => {
      const status = statusOf(c, now());
      if (status !== 'complete' && status !== 'withdrawn') return;
      const at = iso(c.completesAt);
      for (const r of c.reports) {
        webhooks.send('report', status === 'complete' ? 'report.completed' : 'report.withdrawn', { id: r.id, status, completed_at_iso8601: at, href: `${API}/reports/${r.id}` });
      }
      webhooks.send('check', status === 'complete' ? 'check.completed' : 'check.withdrawn', { id: c.id, status, completed_at_iso8601: at, href: `${API}/checks/${c.id}` });
    });
  };

  sim.route(
    'GET',
    `${API}/applicants`,
    guarded((req) => {
      const fields: Fields = {};
      const page = intParam(req, 'page', 1, fields, 1, Number.MAX_SAFE_INTEGER);
      const perPage = intParam(req, 'per_page', 20, fields, 1, MAX_PER_PAGE);
      if (Object.keys(fields).length > 0) return invalid(fields);
      const all = state.applicantsNewestFirst();
      const slice = all.slice((page - 1) * perPage, page * perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const link = (p: number, rel: string) => `<${API}/applicants?page=${p}&per_page=${perPage}>; rel="${rel}"`;
      const links = [...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []), ...(page > 1 ? [link(1, 'first'), link(page - 1, 'prev')] : [])];
      return {
        json: { applicants: slice.map(applicantJson) },
        headers: { 'x-total-count': String(all.length), ...(links.length > 0 ? { link: links.join(', ') } : {}) },
      };
    }),
  );

  sim.route(
    'GET',
    `${API}/applicants/:applicant_id`,
    guarded((req) => {
      const id = req.params.applicant_id ?? '';
      const a = isUuid(id) ? state.applicants.get(id) : undefined;
      return a ? { json: applicantJson(a) } : notFound('Applicant', id);
    }),
  );

  sim.route(
    'POST',
    `${API}/applicants`,
    guarded((req) => {
      const body = req.body;
      if (!isRecord(body)) return invalid({ body: ['must be a JSON object'] });
      const fields: Fields = {};
      const firstName = requiredName(body, 'first_name', fields);
      const lastName = requiredName(body, 'last_name', fields);
      const email = optionalString(body, 'email', fields, (s) => /^[^@\s]+@[^@\s]+$/.test(s), 'invalid email address');
      const dob = optionalString(body, 'dob', fields, (s) => isDate(s, now()), 'must be a date in the past, YYYY-MM-DD');
      if (Object.keys(fields).length > 0) return invalid(fields);
      const applicant: ApplicantRecord = { id: state.nextApplicantId(), firstName, lastName, email, dob, createdAt: now() };
      state.addApplicant(applicant);
      return { status: 201, json: applicantJson(applicant) };
    }),
  );

  sim.route(
    'POST',
    `${API}/checks`,
    guarded((req) => {
      const body = req.body;
      if (!isRecord(body)) return invalid({ body: ['must be a JSON object'] });
      const fields: Fields = {};
      const applicant = typeof body.applicant_id === 'string' ? state.applicants.get(body.applicant_id) : undefined;
      if (!applicant) fields.applicant_id = ['must be the id of an existing applicant'];
      const known: readonly string[] = REPORT_NAMES;
      const problem = `each must be one of: ${REPORT_NAMES.join(', ')}`;
      const names = stringList(body, 'report_names', fields, (s) => known.includes(s), problem, REPORT_NAMES.length);
      if (names === null || names.length === 0) fields.report_names ??= ["can't be blank"];
      const consider = stringList(body, 'consider', fields, (s) => known.includes(s), problem, REPORT_NAMES.length) ?? [];
      const tags = stringList(body, 'tags', fields, (s) => s.trim() !== '' && s.length <= 128, 'at most 30 tags, each 1 to 128 characters', 30) ?? [];
      if (body.asynchronous !== undefined && typeof body.asynchronous !== 'boolean') fields.asynchronous = ['must be a boolean'];
      if (!applicant || names === null || Object.keys(fields).length > 0) return invalid(fields);
      const fullName = `${applicant.firstName} ${applicant.lastName}`;
      const person = considersPerson(applicant.lastName, applicant.email);
      const reports: ReportRecord[] = [...new Set(names)].map((name) => {
        const records = name.startsWith('watchlist_') ? screen(fullName).map((m) => ({ full_name: m.name, source: [{ source_name: m.list }] })) : [];
        const result = person || consider.includes(name) || records.length > 0 ? 'consider' : 'clear';
        return { id: state.nextReportId(), name, result, records };
      });
      const createdAt = now();
      // asynchronous: false answers once every report is done: the check is complete in the answer.
      const synchronous = body.asynchronous === false;
      const check: CheckRecord = {
        id: state.nextCheckId(),
        applicantId: applicant.id,
        reports,
        tags: [...tags],
        createdAt,
        completesAt: new Date(createdAt.getTime() + (synchronous ? 0 : checkDurationMs)),
        fate: fateFor(applicant.lastName),
        result: reports.some((r) => r.result === 'consider') ? 'consider' : 'clear',
      };
      state.addCheck(check);
      webhooks?.send('check', 'check.started', { id: check.id, status: statusOf(check, now()), href: `${API}/checks/${check.id}` });
      announceEnd(check, synchronous ? 0 : checkDurationMs);
      return { status: 201, json: checkJson(check) };
    }),
  );

  sim.route(
    'GET',
    `${API}/checks`,
    guarded((req) => {
      const id = req.query.get('applicant_id');
      if (id === null || id === '') return invalid({ applicant_id: ["can't be blank"] });
      if (!state.applicants.has(id)) return notFound('Applicant', id);
      const checks = [...state.checksOf(id)].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
      return { json: { checks: checks.map(checkJson) } };
    }),
  );

  sim.route(
    'GET',
    `${API}/checks/:check_id`,
    guarded((req) => {
      const id = req.params.check_id ?? '';
      const c = isUuid(id) ? state.checks.get(id) : undefined;
      return c ? { json: checkJson(c) } : notFound('Check', id);
    }),
  );

  sim.route(
    'POST',
    `${API}/checks/:check_id/resume`,
    guarded((req) => {
      const id = req.params.check_id ?? '';
      const c = isUuid(id) ? state.checks.get(id) : undefined;
      if (!c) return notFound('Check', id);
      if (statusOf(c, now()) !== 'paused') return fail(422, 'validation_error', 'Only a paused check can be resumed', { check_id: ['is not paused'] });
      c.fate = 'complete';
      c.completesAt = new Date(now().getTime() + checkDurationMs);
      announceEnd(c, checkDurationMs);
      return { status: 204, text: '' };
    }),
  );

  sim.route(
    'GET',
    `${API}/reports`,
    guarded((req) => {
      const id = req.query.get('check_id');
      if (id === null || id === '') return invalid({ check_id: ["can't be blank"] });
      const c = state.checks.get(id);
      if (!c) return notFound('Check', id);
      return { json: { reports: c.reports.map((r) => reportJson(r, c)) } };
    }),
  );

  sim.route(
    'GET',
    `${API}/reports/:report_id`,
    guarded((req) => {
      const id = req.params.report_id ?? '';
      const found = isUuid(id) ? state.reports.get(id) : undefined;
      return found ? { json: reportJson(found.report, found.check) } : notFound('Report', id);
    }),
  );

  // Not Onfido's: what the webhook sender delivered (or gave up on), for tests and for looking at a sandbox.
  sim.route('GET', '/__webhooks', () => ({ json: { deliveries: webhooks?.history() ?? [] } }));

  return sim;
}

function intParam(req: SimRequest, key: string, fallback: number, fields: Fields, min: number, max: number): number {
  const raw = req.query.get(key);
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    fields[key] = [`must be a whole number from ${min} to ${max}`];
    return fallback;
  }
  return n;
}
