import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckers, type Checker } from '../../conformance/checkers.js';
import { RecordingProxy } from '../../conformance/recorder.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createKycProviderSimulator } from '../../legacy/kyc-provider/server.js';

/**
 * The Onfido simulator over plain HTTP, through a recording proxy: every exchange of these tests (answers and


 * optional properties, which only a discriminator-aware validator tells apart: see the README, Conformance).
 */

const TOKEN = 'sandbox-kyc-api-token';
const WEBHOOK_TOKEN = 'sandbox-kyc-webhook-token';
const AMELIA = 'a0000000-0000-4000-8000-000000000001';
const AMELIA_CHECK = 'c0000000-0000-4000-8000-000000000001';

interface Reply {
  status: number;
  headers: Headers;
  // The simulator's JSON, loosely typed on purpose: these tests read the vendor's dialect field by field.
  body: any;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Token token=${TOKEN}` }): Promise<Reply> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
  };
}

function expectError(reply: Reply, status: number, type: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.error).toMatchObject({ type, message: expect.any(String) });
}

let checkOnfido: Checker;
beforeAll(async () => {
  checkOnfido = (await loadCheckers()).checkers['kyc-provider'] as Checker;
}, 60_000);

describe('kyc-provider simulator (Onfido v3.6)', () => {
  let sim: RunningSimulator;
  let proxy: RecordingProxy;
  // The provider's clock, moved by the tests: check completion follows it.
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => proxy.url);

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ now: () => new Date(clock), checkDurationMs: 300 }).listen(0);
    proxy = await RecordingProxy.start('kyc-provider', sim.url);
  });
  afterAll(async () => {
    await proxy.close();
    await sim.close();
  });
  afterEach(async () => {
    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
  });

  it('wants Authorization: Token token=<API token>, and nothing else: no signature headers', async () => {
    expect((await call('GET', `/v3.6/applicants/${AMELIA}`)).status).toBe(200);
    expectError(await call('GET', `/v3.6/applicants/${AMELIA}`, undefined, {}), 401, 'authorization_error');
    expectError(await call('GET', `/v3.6/applicants/${AMELIA}`, undefined, { authorization: 'Token token=wrong' }), 401, 'authorization_error');
    expectError(await call('GET', `/v3.6/applicants/${AMELIA}`, undefined, { authorization: `Bearer ${TOKEN}` }), 401, 'authorization_error');
    // The dialect of before (an app token and an HMAC signature) is not Onfido's and opens nothing.
    const old = await call('GET', `/v3.6/applicants/${AMELIA}`, undefined, { 'x-app-token': 'sandbox-kyc-app-token', 'x-timestamp': '1', 'x-signature': '00' });
    expectError(old, 401, 'authorization_error');
    expectError(await call('GET', `/v3/applicants/${AMELIA}`), 404, 'resource_not_found');
  });

  it('serves cust-0001 exactly as SANDBOX.md says: applicant, and one check, complete and clear', async () => {
    const a = await call('GET', `/v3.6/applicants/${AMELIA}`);
    expect(a.body).toEqual({
      id: AMELIA,
      created_at: '2019-03-01T09:00:00Z',
      href: `/v3.6/applicants/${AMELIA}`,
      sandbox: true,
      first_name: 'Amelia',
      last_name: 'Hartmann',
      email: 'amelia.hartmann@example.com',
      dob: '1988-04-12',
    });
    expect(a.body).not.toHaveProperty('external_id');
    const checks = await call('GET', `/v3.6/checks?applicant_id=${AMELIA}`);
    expect(checks.body.checks).toHaveLength(1);
    expect(checks.body.checks[0]).toMatchObject({ id: AMELIA_CHECK, applicant_id: AMELIA, status: 'complete', result: 'clear', created_at: '2025-06-01T10:00:00Z' });
    expect(checks.body.checks[0].report_ids).toHaveLength(3);
    // Onfido has no risk score: that is the bank's own scoring (legacy/risk-scoring).
    expect((await call('GET', `/v3.6/applicants/${AMELIA}/risk_score`)).status).toBe(404);
    // cust-0007 is consider, cust-0008 still running (no result at all, as Onfido sends it), cust-0009 has none.
    expect((await call('GET', '/v3.6/checks/c0000000-0000-4000-8000-000000000007')).body).toMatchObject({ status: 'complete', result: 'consider' });
    const running = (await call('GET', '/v3.6/checks/c0000000-0000-4000-8000-000000000008')).body;
    expect(running.status).toBe('in_progress');
    expect(running).not.toHaveProperty('result');
    expectError(await call('GET', '/v3.6/applicants/a0000000-0000-4000-8000-000000000009'), 404, 'resource_not_found');
  });

  it('lists applicants newest first, paged, with Link and X-Total-Count', async () => {
    const first = await call('GET', '/v3.6/applicants?page=1&per_page=5');
    expect(first.status).toBe(200);
    expect(first.body.applicants).toHaveLength(5);
    const total = Number(first.headers.get('x-total-count'));
    expect(total).toBeGreaterThanOrEqual(23);
    expect(first.headers.get('link')).toMatch(/page=2&per_page=5>; rel="next"/);
    const times = first.body.applicants.map((x: { created_at: string }) => x.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    const all = await call('GET', `/v3.6/applicants?per_page=500`);
    expect(all.body.applicants).toHaveLength(total);
    expect(all.headers.get('link')).toBeNull();
    expectError(await call('GET', '/v3.6/applicants?per_page=0'), 422, 'validation_error');
  });

  it('has no idempotency: the same POST twice makes two applicants, and refuses what Onfido refuses', async () => {
    const body = { first_name: 'Nina', last_name: 'Twice', email: 'nina.twice@example.com', dob: '1990-01-02' };
    const one = await call('POST', '/v3.6/applicants', body, { authorization: `Token token=${TOKEN}`, 'idempotency-key': 'same' });
    const two = await call('POST', '/v3.6/applicants', body, { authorization: `Token token=${TOKEN}`, 'idempotency-key': 'same' });
    expect([one.status, two.status]).toEqual([201, 201]);
    expect(one.body.id).not.toBe(two.body.id);
    expect(one.body).toMatchObject({ first_name: 'Nina', last_name: 'Twice', email: 'nina.twice@example.com', dob: '1990-01-02', sandbox: true });
    expectError(await call('POST', '/v3.6/applicants', { first_name: 'Nina' }), 422, 'validation_error');
    const bad = await call('POST', '/v3.6/applicants', { first_name: 'Ni<na>', last_name: 'X', dob: '2999-01-01' });
    expectError(bad, 422, 'validation_error');
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['dob', 'first_name']);
  });

  it('runs a check asynchronously (in_progress, then complete), tags kept, its reports readable', async () => {
    const applicant = (await call('POST', '/v3.6/applicants', { first_name: 'Otto', last_name: 'Normal' })).body;
    const created = await call('POST', '/v3.6/checks', { applicant_id: applicant.id, report_names: ['document', 'facial_similarity_photo', 'watchlist_standard'], tags: ['bankgraph:abc'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ applicant_id: applicant.id, status: 'in_progress', tags: ['bankgraph:abc'], version: '3.6' });
    expect(created.body).not.toHaveProperty('result');
    clock += 300;
    const done = await call('GET', `/v3.6/checks/${created.body.id}`);
    expect(done.body).toMatchObject({ status: 'complete', result: 'clear' });
    const listed = await call('GET', `/v3.6/checks?applicant_id=${applicant.id}`);
    expect(listed.body.checks.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    const reports = await call('GET', `/v3.6/reports?check_id=${created.body.id}`);
    expect(reports.body.reports.map((r: { name: string; status: string; result: string }) => [r.name, r.status, r.result])).toEqual([
      ['document', 'complete', 'clear'],
      ['facial_similarity_photo', 'complete', 'clear'],
      ['watchlist_standard', 'complete', 'clear'],
    ]);
    expectError(await call('POST', '/v3.6/checks', { applicant_id: applicant.id, report_names: ['facial_similarity'] }), 422, 'validation_error');
    expectError(await call('POST', '/v3.6/checks', { applicant_id: applicant.id }), 422, 'validation_error');
  });

  it('gives every status of Onfido\'s enum its sandbox trigger: awaiting_applicant, paused (resumable), withdrawn, consider', async () => {
    const check = async (lastName: string, extra: Record<string, unknown> = {}) => {
      const a = (await call('POST', '/v3.6/applicants', { first_name: 'Tess', last_name: lastName })).body;
      return (await call('POST', '/v3.6/checks', { applicant_id: a.id, report_names: ['document'], ...extra })).body as { id: string };
    };
    const awaiting = await check('Awaiting');
    const paused = await check('Paused');
    const withdrawn = await check('Withdrawn');
    const consider = await check('Consider');
    const asked = await check('Normal', { consider: ['document'] });
    clock += 300;
    const status = async (id: string) => (await call('GET', `/v3.6/checks/${id}`)).body as { status: string; result?: string; paused: boolean };
    expect(await status(awaiting.id)).toMatchObject({ status: 'awaiting_applicant' });
    expect(await status(paused.id)).toMatchObject({ status: 'paused', paused: true });
    expect(await status(withdrawn.id)).toMatchObject({ status: 'withdrawn' });
    expect(await status(consider.id)).toMatchObject({ status: 'complete', result: 'consider' });
    expect(await status(asked.id)).toMatchObject({ status: 'complete', result: 'consider' });
    expect((await call('POST', `/v3.6/checks/${paused.id}/resume`)).status).toBe(204);
    expect(await status(paused.id)).toMatchObject({ status: 'in_progress', paused: false });
    clock += 300;
    expect(await status(paused.id)).toMatchObject({ status: 'complete', result: 'clear' });
    expectError(await call('POST', `/v3.6/checks/${paused.id}/resume`), 422, 'validation_error');
  });

  it('screens a payee: a synchronous check with a watchlist report, consider with its records on a listed name', async () => {
    const screen = async (first: string, last: string) => {
      const a = (await call('POST', '/v3.6/applicants', { first_name: first, last_name: last })).body;
      const c = await call('POST', '/v3.6/checks', { applicant_id: a.id, report_names: ['watchlist_standard'], asynchronous: false });
      return c;
    };
    const hit = await screen('Sanctioned,', 'Ivan');
    // asynchronous: false answers once the reports are done.
    expect(hit.body).toMatchObject({ status: 'complete', result: 'consider' });
    const reports = (await call('GET', `/v3.6/reports?check_id=${hit.body.id}`)).body.reports;
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ name: 'watchlist_standard', result: 'consider', breakdown: { sanction: { result: 'consider' } } });
    expect(reports[0].properties.records.flatMap((r: { source: { source_name: string }[] }) => r.source.map((s) => s.source_name)).sort()).toEqual(['EU-CONSOLIDATED', 'OFAC-SDN']);
    expect((await call('GET', `/v3.6/reports/${reports[0].id}`)).body).toEqual(reports[0]);
    expect((await screen('Jurgen', 'Embargo')).body.result).toBe('consider');
    expect((await screen('Amelia', 'Hartmann')).body).toMatchObject({ status: 'complete', result: 'clear' });
  });

  it('counts calls in /__stats and injects faults through /__faults, in Onfido\'s error body', async () => {
    await fetch(`${sim.url}/__stats`, { method: 'DELETE' });
    await call('GET', `/v3.6/applicants/${AMELIA}`);
    await call('GET', `/v3.6/checks/${AMELIA_CHECK}`);
    const stats = await (await fetch(`${sim.url}/__stats`)).json();
    expect(stats).toMatchObject({ system: 'kyc-provider', total: 2, routes: { 'GET /v3.6/applicants/:applicant_id': 1, 'GET /v3.6/checks/:check_id': 1 } });
    const added = await fetch(`${sim.url}/__faults`, { method: 'POST', body: JSON.stringify({ route: 'GET /v3.6/checks/:check_id', errorRate: 1 }) });
    expect(added.status).toBe(201);
    expectError(await call('GET', `/v3.6/checks/${AMELIA_CHECK}`), 500, 'internal_server_error');
    expect((await call('GET', `/v3.6/applicants/${AMELIA}`)).status).toBe(200);
    await fetch(`${sim.url}/__faults`, { method: 'DELETE' });
    expect((await call('GET', `/v3.6/checks/${AMELIA_CHECK}`)).status).toBe(200);
    expectError(await call('GET', '/v3.6/nowhere'), 404, 'resource_not_found');
  });

  it('held every exchange above to Onfido\'s OpenAPI document', async () => {
    const notOnfido = (url: string) => /\/risk_score$|\/v3\.6\/reports/.test(url.replace(/\?.*$/, '')) || !url.startsWith('/v3.6/');
    const findings: string[] = [];
    for (const e of proxy.exchanges) {
      if (notOnfido(e.url)) continue;
      // Refusals of deliberately wrong requests are flagged on their request, auth or route part, rightly.
      const deliberate = e.status >= 400 && e.status !== 429 && e.status !== 500;
      for (const v of await checkOnfido(e)) if (!(deliberate && v.part !== 'response')) findings.push(`${e.method} ${e.url} ${e.status}: ${v.part} ${v.message}`);
    }
    expect(proxy.exchanges.length).toBeGreaterThan(30);
    expect(findings).toEqual([]);
  });
});

describe('kyc-provider simulator webhooks', () => {
  let receiver: Server;
  let receiverUrl: string;
  const received: { body: string; signature: string | undefined }[] = [];
  let failFirst = 0;
  let sim: RunningSimulator;
  const call = client(() => sim.url);

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const signature = req.headers['x-sha2-signature'];
        if (failFirst > 0) {
          failFirst--;
          res.statusCode = 503;
          res.end();
          return;
        }
        received.push({ body, signature: typeof signature === 'string' ? signature : undefined });
        res.statusCode = 200;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/onfido`;
    sim = await createKycProviderSimulator({ checkDurationMs: 50, webhook: { url: receiverUrl, token: WEBHOOK_TOKEN, baseDelayMs: 20 } }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  const eventually = async <T>(what: string, probe: () => T | undefined): Promise<T> => {
    for (let i = 0; i < 200; i++) {
      const v = probe();
      if (v !== undefined) return v;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`gave up waiting for ${what}`);
  };

  it('POSTs check.started, report.completed and check.completed, signed with X-SHA2-Signature, retrying a 5xx', async () => {
    failFirst = 1; // the first delivery answers 503: it comes again after the back-off
    const a = (await call('POST', '/v3.6/applicants', { first_name: 'Wendy', last_name: 'Hook' })).body;
    const check = (await call('POST', '/v3.6/checks', { applicant_id: a.id, report_names: ['document', 'watchlist_standard'] })).body;
    const events = await eventually('check.completed', () => {
      const parsed = received.map((r) => ({ ...r, json: JSON.parse(r.body) as { payload: { resource_type: string; action: string; object: { id: string; status: string } } } }));
      return parsed.some((p) => p.json.payload.action === 'check.completed' && p.json.payload.object.id === check.id) ? parsed : undefined;
    });
    const actions = events.filter((e) => e.json.payload.object.id === check.id || e.json.payload.resource_type === 'report').map((e) => e.json.payload.action);
    expect(actions).toContain('check.started');
    expect(actions.filter((x) => x === 'report.completed')).toHaveLength(2);
    for (const e of events) expect(e.signature).toBe(createHmac('sha256', WEBHOOK_TOKEN).update(e.body).digest('hex'));
    const completed = events.find((e) => e.json.payload.action === 'check.completed');
    expect(completed?.json.payload).toMatchObject({ resource_type: 'check', object: { id: check.id, status: 'complete', href: `/v3.6/checks/${check.id}` } });
    const history = (await (await fetch(`${sim.url}/__webhooks`)).json()) as { deliveries: { action: string; attempts: number; delivered: boolean }[] };
    expect(history.deliveries.every((d) => d.delivered)).toBe(true);
    expect(history.deliveries.some((d) => d.attempts === 2)).toBe(true);
  });
});

describe('kyc-provider simulator rate limit', () => {
  let sim: RunningSimulator;
  // A clock that only moves when told, so the bucket's refill is exact whatever the machine's speed.
  let clock = Date.parse('2026-11-20T10:00:00Z');
  const call = client(() => sim.url);

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ ratePerSecond: 5, now: () => new Date(clock) }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('answers Onfido\'s 429 rate_limit beyond ratePerSecond, and serves again a second later', async () => {
    const replies = await Promise.all(Array.from({ length: 12 }, () => call('GET', `/v3.6/applicants/${AMELIA}`)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(5);
    const limited = replies.filter((r) => r.status === 429);
    expect(limited).toHaveLength(7);
    for (const r of limited) {
      expect(r.headers.get('retry-after')).toBe('1');
      expectError(r, 429, 'rate_limit');
    }
    // Calls without a token spend tokens too: the limit is checked first.
    clock += 200;
    expect((await call('GET', `/v3.6/applicants/${AMELIA}`, undefined, {})).status).toBe(401);
    expect((await call('GET', `/v3.6/applicants/${AMELIA}`)).status).toBe(429);
    clock += 1000;
    const again = await Promise.all(Array.from({ length: 6 }, () => call('GET', `/v3.6/applicants/${AMELIA}`)));
    expect(again.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 429]);
  });
});
