import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { createKycProviderSimulator } from '../../legacy/kyc-provider/server.js';

const TOKEN = 'sandbox-kyc-app-token';
const SECRET = 'sandbox-kyc-hmac-secret';

interface Reply {
  status: number;
  headers: Headers;
  // The simulator's JSON, loosely typed on purpose: these tests read the legacy dialect field by field.
  body: any;
}

interface SignOptions {
  token?: string;
  secret?: string;
  /** Unix seconds to sign with; defaults to the test clock. */
  timestamp?: number;
  /** Sign this body instead of the one sent (tampering). */
  signedBody?: string;
  unsigned?: boolean;
  headers?: Record<string, string>;
}

/** An independent implementation of the provider's signing scheme, so a mistake on either side shows. */
function client(base: () => string, clockMs: () => number) {
  return async (method: string, path: string, body?: unknown, o: SignOptions = {}): Promise<Reply> => {
    const raw = body === undefined ? '' : JSON.stringify(body);
    const ts = String(o.timestamp ?? Math.floor(clockMs() / 1000));
    const signature = createHmac('sha256', o.secret ?? SECRET)
      .update(`${ts}\n${method}\n${path}\n${o.signedBody ?? raw}`)
      .digest('hex');
    const auth: Record<string, string> = o.unsigned ? {} : { 'x-app-token': o.token ?? TOKEN, 'x-timestamp': ts, 'x-signature': signature };
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...auth, ...o.headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: raw } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

function expectError(reply: Reply, status: number, type: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.error).toMatchObject({ type, message: expect.any(String) });
}

describe('kyc-provider simulator', () => {
  let sim: RunningSimulator;
  // The provider's clock, moved by the tests: check completion and signature freshness follow it.
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => sim.url, () => clock);

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ now: () => new Date(clock), checkDurationMs: 300 }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
  });

  it('refuses unsigned, wrongly signed, tampered and stale requests with 401', async () => {
    const path = '/v3/applicants/app_0001';
    expectError(await call('GET', path, undefined, { unsigned: true }), 401, 'authorization_error');
    expectError(await call('GET', path, undefined, { secret: 'not-the-secret' }), 401, 'authorization_error');
    expectError(await call('GET', path, undefined, { token: 'not-the-token' }), 401, 'authorization_error');
    expectError(await call('GET', path, undefined, { timestamp: Math.floor(clock / 1000) - 301 }), 401, 'authorization_error');
    expectError(await call('GET', path, undefined, { timestamp: Math.floor(clock / 1000) + 301 }), 401, 'authorization_error');
    const body = { first_name: 'Eve', last_name: 'Tamper' };
    expectError(await call('POST', '/v3/applicants', body, { signedBody: '{}' }), 401, 'authorization_error');
    // The message says what is wrong without echoing the expected signature or the secret.
    const wrong = await call('GET', path, undefined, { secret: 'not-the-secret' });
    expect(JSON.stringify(wrong.body)).not.toContain(SECRET);

    // Within 300 s either way is fine.
    expect((await call('GET', path, undefined, { timestamp: Math.floor(clock / 1000) - 299 })).status).toBe(200);
    expect((await call('GET', path)).status).toBe(200);
  });

  it('serves cust-0001 exactly as SANDBOX.md says', async () => {
    const { status, body } = await call('GET', '/v3/applicants/app_0001');
    expect(status).toBe(200);
    expect(body).toEqual({
      id: 'app_0001',
      external_id: 'cust-0001',
      first_name: 'Amelia',
      last_name: 'Hartmann',
      email: 'amelia.hartmann@example.com',
      dob: '1988-04-12',
      created_at: '2019-03-01T09:00:00Z',
      latest_check: { id: 'chk_0001', status: 'complete', result: 'clear', completed_at: '2025-06-01T10:00:00Z' },
    });
    expectError(await call('GET', '/v3/applicants/app_9999'), 404, 'resource_not_found');
  });

  it('reads applicants in batch by external id (only those found, in request order)', async () => {
    const ids = ['cust-0008', 'cust-0009', 'cust-0007', 'cust-0002'];
    const { status, body } = await call('GET', `/v3/applicants?${new URLSearchParams({ external_ids: ids.join(',') })}`);
    expect(status).toBe(200);
    expect(body.applicants.map((a: { external_id: string }) => a.external_id)).toEqual(['cust-0008', 'cust-0007', 'cust-0002']);
    const [c8, c7] = body.applicants;
    expect(c8.latest_check).toMatchObject({ status: 'in_progress', result: null, completed_at: null });
    expect(c7.latest_check).toMatchObject({ status: 'complete', result: 'consider' });

    const tooMany = Array.from({ length: 101 }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`).join(',');
    expectError(await call('GET', `/v3/applicants?${new URLSearchParams({ external_ids: tooMany })}`), 422, 'validation_error');
    expectError(await call('GET', '/v3/applicants'), 422, 'validation_error');
  });

  it('creates applicants once per Idempotency-Key and validates them', async () => {
    const input = { first_name: 'Nora', last_name: 'Keyed', email: 'nora.keyed@example.com', dob: '1990-01-02', external_id: 'cust-0200' };
    const key = { headers: { 'idempotency-key': 'idem-applicant-1' } };
    const first = await call('POST', '/v3/applicants', input, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ id: expect.stringMatching(/^app_\d{4}$/), external_id: 'cust-0200', latest_check: null });
    const again = await call('POST', '/v3/applicants', input, key);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expectError(await call('POST', '/v3/applicants', { ...input, first_name: 'Other' }, key), 422, 'validation_error');
    const other = await call('POST', '/v3/applicants', input, { headers: { 'idempotency-key': 'idem-applicant-2' } });
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(first.body.id);

    const bad = await call('POST', '/v3/applicants', { first_name: '', dob: '1990-13-45', email: 'nope' });
    expectError(bad, 422, 'validation_error');
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['dob', 'email', 'first_name', 'last_name']);
  });

  it('runs a check asynchronously: in_progress, then complete after checkDurationMs', async () => {
    const created = await call('POST', '/v3/applicants', { first_name: 'Paula', last_name: 'Lifecycle', external_id: 'cust-0201' });
    const applicantId = created.body.id;
    const reports = ['document', 'facial_similarity', 'watchlist'];
    const key = { headers: { 'idempotency-key': 'idem-check-1' } };
    const started = await call('POST', '/v3/checks', { applicant_id: applicantId, report_names: reports }, key);
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ id: expect.stringMatching(/^chk_/), status: 'in_progress', result: null });
    const replay = await call('POST', '/v3/checks', { applicant_id: applicantId, report_names: reports }, key);
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(started.body.id);

    clock += 299;
    expect((await call('GET', `/v3/checks/${started.body.id}`)).body).toMatchObject({ status: 'in_progress', result: null });

    clock += 1;
    const done = await call('GET', `/v3/checks/${started.body.id}`);
    expect(done.body).toMatchObject({ status: 'complete', result: 'clear', completed_at: expect.stringMatching(/Z$/) });
    // The vendor verifies; it does not score (the risk score is the bank's own: legacy/risk-scoring).
    expectError(await call('GET', `/v3/applicants/${applicantId}/risk_score`), 404, 'resource_not_found');

    expectError(await call('POST', '/v3/checks', { applicant_id: 'app_9999', report_names: reports }), 422, 'validation_error');
    expectError(await call('POST', '/v3/checks', { applicant_id: applicantId, report_names: ['tarot'] }), 422, 'validation_error');
    expectError(await call('GET', '/v3/checks/chk_9999'), 404, 'resource_not_found');
  });

  it('honours the sandbox triggers: "Consider" / "+consider"', async () => {
    const outcome = async (person: Record<string, string>) => {
      const a = await call('POST', '/v3/applicants', person);
      const c = await call('POST', '/v3/checks', { applicant_id: a.body.id, report_names: ['document'] });
      clock += 300;
      const check = await call('GET', `/v3/checks/${c.body.id}`);
      return { result: check.body.result };
    };
    expect((await outcome({ first_name: 'Carl', last_name: 'Consider' })).result).toBe('consider');
    expect((await outcome({ first_name: 'Dana', last_name: 'Plain', email: 'dana+consider@example.com' })).result).toBe('consider');
    expect(await outcome({ first_name: 'Rick', last_name: 'Risky' })).toEqual({ result: 'clear' });
  });

  it('screens names against the sanctions lists, ignoring case and diacritics', async () => {
    const screenName = async (full_name: string, key?: string) =>
      call('POST', '/v3/watchlist_screenings', { full_name }, key ? { headers: { 'idempotency-key': key } } : {});
    const hit = await screenName('Ivan Sanctioned', 'idem-screen-1');
    expect(hit.status).toBe(201);
    expect(hit.body).toMatchObject({ id: expect.stringMatching(/^scr_/), status: 'complete', result: 'potential_match' });
    expect(hit.body.matches.map((m: { list: string }) => m.list).sort()).toEqual(['EU-CONSOLIDATED', 'OFAC-SDN']);
    expect(hit.body.matches[0]).toMatchObject({ name: 'Ivan Sanctioned', score: 1 });
    const replay = await screenName('Ivan Sanctioned', 'idem-screen-1');
    expect(replay.status).toBe(200);
    expect(replay.body.id).toBe(hit.body.id);

    expect((await screenName('  ÍVAN   sänctioned ')).body.result).toBe('potential_match');
    expect((await screenName('Sanctioned, Ivan')).body.matches[0].score).toBe(0.95);
    expect((await screenName('Jurgen Embargo')).body.matches).toEqual([{ list: 'EU-CONSOLIDATED', name: 'Jürgen Embargo', score: 1 }]);
    expect((await screenName('ACME Shell Holdings Ltd.')).body.matches).toEqual([{ list: 'OFAC-SDN', name: 'Acme Shell Holdings', score: 0.85 }]);
    const clean = await screenName('Amelia Hartmann');
    expect(clean.body).toMatchObject({ result: 'no_match', matches: [] });
    expect((await screenName('Ivan')).body.result).toBe('no_match');
    expectError(await screenName(''), 422, 'validation_error');
  });

  it('counts calls in /__stats and injects faults through /__faults, in its own error dialect', async () => {
    await fetch(`${sim.url}/__stats`, { method: 'DELETE' });
    await call('GET', '/v3/applicants/app_0001');
    await call('GET', '/v3/applicants/app_0002');
    await call('GET', `/v3/checks/chk_0001`);
    const stats = await (await fetch(`${sim.url}/__stats`)).json();
    expect(stats).toEqual({ system: 'kyc-provider', total: 3, routes: { 'GET /v3/applicants/:id': 2, 'GET /v3/checks/:id': 1 }, traceparents: [null, null, null] });

    const added = await fetch(`${sim.url}/__faults`, { method: 'POST', body: JSON.stringify({ route: 'GET /v3/checks/:id', errorRate: 1 }) });
    expect(added.status).toBe(201);
    const faults = (await (await fetch(`${sim.url}/__faults`)).json()) as { faults: unknown[] };
    expect(faults.faults).toEqual([{ route: 'GET /v3/checks/:id', errorRate: 1 }]);
    expectError(await call('GET', '/v3/checks/chk_0001'), 500, 'internal_error');
    expect((await call('GET', '/v3/applicants/app_0001')).status).toBe(200);

    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
    expect((await call('GET', '/v3/checks/chk_0001')).status).toBe(200);
    expectError(await call('GET', '/v3/nowhere'), 404, 'resource_not_found');
  });
});

describe('kyc-provider simulator rate limit', () => {
  let sim: RunningSimulator;
  // A clock that only moves when told, so the bucket's refill is exact whatever the machine's speed.
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => sim.url, () => clock);

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ ratePerSecond: 5, now: () => new Date(clock) }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers 429 with Retry-After: 1 beyond ratePerSecond, and serves again a second later', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, () => call('GET', '/v3/applicants/app_0001')));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    const limited = replies.filter((r) => r.status === 429);
    expect(limited).toHaveLength(7);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toBe('1');
      expectError(r, 429, 'rate_limit');
    }
    // Unsigned calls spend tokens too: the limit is checked before the signature.
    clock += 200;
    expect((await call('GET', '/v3/applicants/app_0001', undefined, { unsigned: true })).status).toBe(401);
    expect((await call('GET', '/v3/applicants/app_0001')).status).toBe(429);

    clock += 1000;
    const again = await Promise.all(Array.from({ length: 6 }, () => call('GET', '/v3/applicants/app_0001')));
    expect(again.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
