import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { DEFAULT_API_KEY, createRiskScoringSimulator } from '../../legacy/risk-scoring/server.js';

/** The risk-scoring simulator over plain HTTP, as schema/legacy-apis/risk-scoring.openapi.yaml describes it. */

interface Reply {
  status: number;
  headers: Headers;
  // The simulator's JSON, loosely typed on purpose: these tests read the system's dialect field by field.
  body: any;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, o: { key?: string | null; raw?: string } = {}): Promise<Reply> => {
    const key = o.key === undefined ? DEFAULT_API_KEY : o.key;
    const payload = o.raw ?? (body === undefined ? undefined : JSON.stringify(body));
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...(key !== null ? { authorization: `Bearer ${key}` } : {}), ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

function expectError(reply: Reply, status: number, code: string, field?: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body).toMatchObject({ code, message: expect.any(String), ...(field ? { field } : {}) });
}

const request = (reference: string, party: Record<string, unknown> = {}, kyc: Record<string, unknown> = {}) => ({
  reference,
  purpose: 'onboarding',
  party: { customer_id: 'cust-0400', first_name: 'Maria', last_name: 'Quell', date_of_birth: '1985-02-03', country: 'DE', ...party },
  kyc: { outcome: 'clear', vendor_reference: 'app_0400', ...kyc },
});

describe('risk-scoring simulator', () => {
  let sim: RunningSimulator;
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => sim.url);

  beforeAll(async () => {
    sim = await createRiskScoringSimulator({ now: () => new Date(clock) }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
  });

  it('holds the sandbox customers with the risk SANDBOX.md gives them', async () => {
    const one = await call('GET', '/v1/customers/cust-0001/scores/latest');
    expect(one.status).toBe(200);
    expect(one.body).toEqual({
      score_id: 'rsk_0001',
      customer_id: 'cust-0001',
      reference: 'sandbox-seed-cust-0001',
      purpose: 'onboarding',
      score: 12,
      band: 'low',
      model_version: expect.any(String),
      scored_at: '2025-06-01T10:00:00.000Z',
      reason_codes: [],
    });
    expect((await call('GET', '/v1/scores/rsk_0007')).body).toMatchObject({ customer_id: 'cust-0007', score: 72, band: 'high' });
    expectError(await call('GET', '/v1/customers/cust-0008/scores/latest'), 404, 'not_found');
    expectError(await call('GET', '/v1/customers/cust-0009/scores/latest'), 404, 'not_found');
    const batch = await call('GET', '/v1/latest-scores?customer_ids=cust-0002,cust-0008,cust-0005,cust-0002');
    expect(batch.body.scores.map((s: { customer_id: string; score: number; band: string }) => [s.customer_id, s.score, s.band])).toEqual([
      ['cust-0002', 14, 'low'], // (N * 7) % 40
      ['cust-0005', 35, 'medium'],
    ]);
  });

  it('wants the API key as a bearer token on every call, and never says what the key is', async () => {
    expectError(await call('GET', '/v1/scores/rsk_0001', undefined, { key: null }), 401, 'unauthorized');
    const wrong = await call('GET', '/v1/scores/rsk_0001', undefined, { key: 'not-the-key' });
    expectError(wrong, 401, 'unauthorized');
    expect(JSON.stringify(wrong.body)).not.toContain(DEFAULT_API_KEY);
    expectError(await call('POST', '/v1/scores', request('r-unauth'), { key: null }), 401, 'unauthorized');
    // Nothing was scored without the key.
    expectError(await call('GET', '/v1/customers/cust-0400/scores/latest'), 404, 'not_found');
  });

  it('scores once per reference: 201, then 200 with the same score, 409 for another request under it', async () => {
    const first = await call('POST', '/v1/scores', request('jrn-9:assessRisk'));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customer_id: 'cust-0400', reference: 'jrn-9:assessRisk', scored_at: '2026-11-20T10:00:00.000Z', reason_codes: [] });
    clock += 60_000;
    const again = await call('POST', '/v1/scores', request('jrn-9:assessRisk'));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expectError(await call('POST', '/v1/scores', request('jrn-9:assessRisk', { country: 'FR' })), 409, 'reference_reused', 'reference');
    // A seed's reference is not a request anyone can replay.
    expectError(await call('POST', '/v1/scores', request('sandbox-seed-cust-0001')), 409, 'reference_reused', 'reference');
    // A new reference is a new score, and the latest; the same person scores the same.
    const later = await call('POST', '/v1/scores', request('jrn-10:assessRisk'));
    expect(later.status).toBe(201);
    expect(later.body.score).toBe(first.body.score);
    expect(later.body.score_id).not.toBe(first.body.score_id);
    expect((await call('GET', '/v1/customers/cust-0400/scores/latest')).body).toEqual(later.body);
  });

  it('scores new parties by its documented triggers', async () => {
    const score = async (reference: string, party: Record<string, unknown>, kyc: Record<string, unknown> = {}) =>
      (await call('POST', '/v1/scores', request(reference, party, kyc))).body as { score: number; band: string; reason_codes: string[] };
    expect(await score('t1', { customer_id: 'cust-0401', last_name: 'RISKY' })).toMatchObject({ score: 85, band: 'high', reason_codes: ['sandbox_trigger'] });
    const base = await score('t2', { customer_id: 'cust-0402' });
    expect(base.score).toBeGreaterThanOrEqual(5);
    expect(base.score).toBeLessThanOrEqual(35);
    expect(await score('t3', { customer_id: 'cust-0403', country: 'IR' })).toMatchObject({ score: base.score + 60, band: 'high', reason_codes: ['high_risk_country'] });
    expect(await score('t4', { customer_id: 'cust-0404' }, { outcome: 'consider' })).toMatchObject({ score: base.score + 30, reason_codes: ['kyc_consider'] });
    expect(await score('t5', { customer_id: 'cust-0405', country: 'KP' }, { outcome: 'consider' })).toMatchObject({ score: Math.min(100, base.score + 90) });
  });

  it('refuses a malformed request with 422 naming the field, never echoing personal data', async () => {
    const cases: [unknown, string][] = [
      [{ ...request('v1'), reference: 'has blanks' }, 'reference'],
      [{ ...request('v2'), purpose: 'marketing' }, 'purpose'],
      [request('v3', { date_of_birth: '1990-02-30' }), 'party.date_of_birth'],
      [request('v4', { date_of_birth: '2099-01-01' }), 'party.date_of_birth'],
      [request('v5', { country: 'de' }), 'party.country'],
      [request('v6', { first_name: '' }), 'party.first_name'],
      [request('v7', { customer_id: 'a,b' }), 'party.customer_id'],
      [request('v8', { nickname: 'Mo' }), 'party.nickname'],
      [request('v9', {}, { outcome: 'maybe' }), 'kyc.outcome'],
      [{ ...request('v10'), score: 1 }, 'score'],
      [[], 'body'],
    ];
    for (const [body, field] of cases) {
      const reply = await call('POST', '/v1/scores', body);
      expectError(reply, 422, 'invalid_request', field);
      expect(JSON.stringify(reply.body)).not.toMatch(/Maria|Quell|1985|1990-02-30/);
    }
    expectError(await call('POST', '/v1/scores', undefined, { raw: '{"reference":' }), 400, 'invalid_request');
    expectError(await call('GET', '/v1/latest-scores'), 422, 'invalid_request', 'customer_ids');
    const tooMany = Array.from({ length: 101 }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`).join(',');
    expectError(await call('GET', `/v1/latest-scores?customer_ids=${tooMany}`), 422, 'invalid_request', 'customer_ids');
    expectError(await call('GET', '/v1/scores/rsk_nope'), 404, 'not_found');
    expectError(await call('GET', '/v1/nothing'), 404, 'not_found');
  });

  it('counts calls in /__stats and answers injected faults in its own dialect (503 unavailable)', async () => {
    await fetch(`${sim.url}/__stats`, { method: 'DELETE' });
    await fetch(`${sim.url}/__faults`, { method: 'POST', body: JSON.stringify({ route: 'POST /v1/scores', errorRate: 1 }) });
    expectError(await call('POST', '/v1/scores', request('f1', { customer_id: 'cust-0406' })), 503, 'unavailable');
    // Before anything is recorded: the reference is free, the customer unscored.
    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
    expect((await call('POST', '/v1/scores', request('f1', { customer_id: 'cust-0406' }))).status).toBe(201);
    const stats = (await (await fetch(`${sim.url}/__stats`)).json()) as { system: string; routes: Record<string, number> };
    expect(stats).toMatchObject({ system: 'risk-scoring', routes: { 'POST /v1/scores': 2 } });
  });
});

describe('risk-scoring simulator rate limit', () => {
  let sim: RunningSimulator;
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => sim.url);
  beforeAll(async () => {
    sim = await createRiskScoringSimulator({ ratePerSecond: 4, now: () => new Date(clock) }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers 429 with Retry-After beyond ratePerSecond, keyless calls included, and serves again a second later', async () => {
    const replies = await Promise.all(Array.from({ length: 10 }, () => call('GET', '/v1/scores/rsk_0001')));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(4);
    const limited = replies.filter((r) => r.status === 429);
    expect(limited).toHaveLength(6);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toBe('1');
      expectError(r, 429, 'rate_limited');
    }
    expect((await call('GET', '/v1/scores/rsk_0001', undefined, { key: null })).status).toBe(429);
    clock += 1000;
    expect((await call('GET', '/v1/scores/rsk_0001', undefined, { key: null })).status).toBe(401);
    const again = await Promise.all(Array.from({ length: 4 }, () => call('GET', '/v1/scores/rsk_0001')));
    expect(again.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
  });
});
