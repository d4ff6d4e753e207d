import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RecordingProxy } from '../../conformance/recorder.js';
import { KycProviderConnector, type KycProviderConnectorOptions } from '../../connectors/kyc-provider/index.js';
import { applicantKey, checkKey, CreationInProgress, type Ledger } from '../../connectors/kyc-provider/ledger.js';
import { SANDBOX_APPLICANTS } from '../../connectors/kyc-provider/sandbox.js';
import { CHECK_STATUSES, checkStateOf, read, readCheck, standingOf, type WireCheck } from '../../connectors/kyc-provider/wire.js';
import { onLegacyCall, type LegacyCallEvent } from '../../connectors/http.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createKycProviderSimulator } from '../../legacy/kyc-provider/server.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { MemoryStore } from '../../lib/store/index.js';

const API_TOKEN = SANDBOX_SECRETS.kycApiToken;
const AMELIA_CHECK = 'c0000000-0000-4000-8000-000000000001';

/** Resolves to the UpstreamError a call fails with (and fails the test if it succeeds or fails otherwise). */
async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const sandbox = (...ids: string[]) => ids.map((customerId) => ({ customerId, applicantId: SANDBOX_APPLICANTS.get(customerId) ?? null }));

/**
 * A store whose next write of a created id fails, as if the process died right after the vendor answered and before
 * bankgraph recorded what it made. (The store itself is the real MemoryStore; only the one write is lost.)
 */
function crashingAfterCreate(store: MemoryStore): Ledger {
  let crashed = false;
  return {
    get: (key) => store.get(key),
    setIfAbsent: (key, value) => store.setIfAbsent(key, value),
    set: async (key, value) => {
      if (!crashed && value.includes('"created"')) {
        crashed = true;
        throw new Error('process died between the create and its record');
      }
      await store.set(key, value);
    },
    compareAndSet: async (key, expected, value) => {
      if (!crashed && value.includes('"created"')) {
        crashed = true;
        throw new Error('process died between the create and its record');
      }
      return store.compareAndSet(key, expected, value);
    },
  };
}

describe('KycProviderConnector (Onfido v3.6) against the simulator', () => {
  // The provider's clock stands still unless a test moves it: a check completes when the test moves it past the
  // check's duration, not when a loaded machine happens to take that long between two calls.
  let providerClock = Date.now();
  const CHECK_MS = 150;
  let sim: RunningSimulator;
  let proxy: RecordingProxy;
  let kyc: KycProviderConnector;
  const made: KycProviderConnector[] = [];
  const connector = (o: Partial<KycProviderConnectorOptions> = {}): KycProviderConnector => {
    const c = new KycProviderConnector({ baseUrl: proxy.url, apiToken: API_TOKEN, retry: { baseDelayMs: 5 }, ...o });
    made.push(c);
    return c;
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return res.status === 204 ? undefined : ((await res.json()) as { routes?: Record<string, number> });
  };
  /** The applicants Onfido holds with this last name (read straight from the simulator). */
  const applicantsNamed = async (lastName: string) => {
    const res = await fetch(`${sim.url}/v3.6/applicants?per_page=500`, { headers: { authorization: `Token token=${API_TOKEN}` } });
    const { applicants } = (await res.json()) as { applicants: { id: string; last_name: string }[] };
    return applicants.filter((a) => a.last_name === lastName).map((a) => a.id);
  };

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ checkDurationMs: CHECK_MS, now: () => new Date(providerClock) }).listen(0);
    proxy = await RecordingProxy.start('kyc-provider', sim.url);
    kyc = connector();
  });
  afterAll(async () => {
    await Promise.all(made.map((c) => c.http.close()));
    await proxy.close();
    await sim.close();
  });
  afterEach(async () => {
    await admin('DELETE', '/__faults');
  });

  it('sends Authorization: Token token=<API token> on every call, and no signature headers', async () => {
    await kyc.getCheck(AMELIA_CHECK);
    await kyc.getProfiles(sandbox('cust-0002'));
    expect(proxy.exchanges.length).toBeGreaterThanOrEqual(2);
    for (const e of proxy.exchanges) {
      const headers = Object.fromEntries(Object.entries(e.requestHeaders).map(([k, v]) => [k.toLowerCase(), v]));
      expect(headers.authorization).toBe(`Token token=${API_TOKEN}`);
      for (const gone of ['x-app-token', 'x-timestamp', 'x-signature', 'idempotency-key']) expect(headers).not.toHaveProperty(gone);
      expect(e.url.startsWith('/v3.6/')).toBe(true);
    }
  });

  it('reads the sandbox profiles from bankgraph\'s applicant ids, in input order, null for none', async () => {
    const profiles = await kyc.getProfiles([...sandbox('cust-0001', 'cust-0007', 'cust-0008', 'cust-0009', 'cust-0001'), { customerId: 'cust-0404', applicantId: 'a0000000-0000-4000-8000-000000000404' }]);
    expect(profiles).toEqual([
      { customerId: 'cust-0001', applicantId: SANDBOX_APPLICANTS.get('cust-0001'), status: 'CLEARED', lastCheckedAt: '2025-06-01T10:00:00.000Z' },
      { customerId: 'cust-0007', applicantId: SANDBOX_APPLICANTS.get('cust-0007'), status: 'REVIEW', lastCheckedAt: '2025-06-01T16:00:00.000Z' },
      { customerId: 'cust-0008', applicantId: SANDBOX_APPLICANTS.get('cust-0008'), status: 'PENDING', lastCheckedAt: null },
      null,
      { customerId: 'cust-0001', applicantId: SANDBOX_APPLICANTS.get('cust-0001'), status: 'CLEARED', lastCheckedAt: '2025-06-01T10:00:00.000Z' },
      null, // an applicant Onfido does not know
    ]);
  });

  it('reads each customer once (Onfido has no batch read): one checks read each, no risk score (Onfido has none)', async () => {
    await admin('DELETE', '/__stats');
    await kyc.getProfiles(sandbox('cust-0001', 'cust-0001', 'cust-0008', 'cust-0009'));
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/checks': 2 });
    await admin('DELETE', '/__stats');
    expect(await kyc.getProfiles([])).toEqual([]);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({});
  });

  it('onboards: createApplicant -> startCheck -> getCheck PENDING until COMPLETE, and records the mapping', async () => {
    const ledger = new MemoryStore();
    const { applicantId } = await kyc.createApplicant({ customerId: 'cust-0101', firstName: 'Mara', lastName: 'Okafor', email: 'mara@example.com', dateOfBirth: '1991-03-04' }, 'jrn-1.createKycApplicant', ledger);
    expect(applicantId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse((await ledger.get(applicantKey('cust-0101'))) ?? '{}')).toEqual({ state: 'created', id: applicantId, reference: 'jrn-1.createKycApplicant' });
    const { checkId } = await kyc.startCheck(applicantId, 'jrn-1.startKycCheck', ledger);
    expect(await kyc.getCheck(checkId)).toEqual({ checkId, status: 'PENDING', onfidoStatus: 'in_progress', result: null });
    expect((await kyc.getProfiles([{ customerId: 'cust-0101', applicantId }]))[0]).toMatchObject({ status: 'PENDING' });
    providerClock += CHECK_MS;
    expect(await kyc.getCheck(checkId)).toEqual({ checkId, status: 'COMPLETE', onfidoStatus: 'complete', result: 'CLEAR' });
    // The same calls again are answered from the ledger: no second applicant, no second check.
    await admin('DELETE', '/__stats');
    expect(await kyc.createApplicant({ customerId: 'cust-0101', firstName: 'Mara', lastName: 'Okafor', email: 'mara@example.com', dateOfBirth: '1991-03-04' }, 'jrn-1.createKycApplicant', ledger)).toEqual({ applicantId });
    expect(await kyc.startCheck(applicantId, 'jrn-1.startKycCheck', ledger)).toEqual({ checkId });
    expect((await admin('GET', '/__stats'))?.routes).toEqual({});
  });

  it('never retries a POST itself, and a retry whose first answer was lost finds the earlier applicant instead of making a second', async () => {
    const ledger = new MemoryStore();
    const input = { customerId: 'cust-0102', firstName: 'Lost', lastName: 'Answerman', email: 'lost@example.com', dateOfBirth: '1980-01-01' };
    await admin('POST', '/__faults', { route: 'POST /v3.6/applicants', lostResponseRate: 1 });
    await admin('DELETE', '/__stats');
    await upstreamError(kyc.createApplicant(input, 'jrn-2.createKycApplicant', ledger));
    // Onfido made the applicant; the answer never came; the connector did not send the POST again.
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'POST /v3.6/applicants': 1 });
    expect(await applicantsNamed('Answerman')).toHaveLength(1);
    expect(JSON.parse((await ledger.get(applicantKey('cust-0102'))) ?? '{}')).toMatchObject({ state: 'creating', reference: 'jrn-2.createKycApplicant' });

    await admin('DELETE', '/__faults');
    await admin('DELETE', '/__stats');
    const { applicantId } = await kyc.createApplicant(input, 'jrn-2.createKycApplicant', ledger);
    // The retry looked Onfido up (the applicants list, newest first) and made nothing.
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/applicants': 1 });
    expect(await applicantsNamed('Answerman')).toEqual([applicantId]);
    expect(JSON.parse((await ledger.get(applicantKey('cust-0102'))) ?? '{}')).toMatchObject({ state: 'created', id: applicantId });
  });

  it('survives a crash between the create and its record: the next process finds the applicant, and the check, made before', async () => {
    const store = new MemoryStore();
    const input = { customerId: 'cust-0103', firstName: 'Crash', lastName: 'Betweenly', email: null, dateOfBirth: '1975-05-05' };
    const err = await kyc.createApplicant(input, 'jrn-3.createKycApplicant', crashingAfterCreate(store)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(await applicantsNamed('Betweenly')).toHaveLength(1);
    // Another worker (another connector, the same store) takes the journey over.
    const other = connector();
    await admin('DELETE', '/__stats');
    const { applicantId } = await other.createApplicant(input, 'jrn-3.createKycApplicant', store);
    expect(await applicantsNamed('Betweenly')).toEqual([applicantId]);
    expect((await admin('GET', '/__stats'))?.routes).not.toHaveProperty(['POST /v3.6/applicants']);

    const lost = await other.startCheck(applicantId, 'jrn-3.startKycCheck', crashingAfterCreate(store)).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Error);
    await admin('DELETE', '/__stats');
    const { checkId } = await kyc.startCheck(applicantId, 'jrn-3.startKycCheck', store);
    // Found by its tag on the applicant's checks; one check at Onfido.
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/checks': 1 });
    expect(JSON.parse((await store.get(checkKey('jrn-3.startKycCheck'))) ?? '{}')).toMatchObject({ state: 'created', id: checkId });
    const checks = await fetch(`${sim.url}/v3.6/checks?applicant_id=${applicantId}`, { headers: { authorization: `Token token=${API_TOKEN}` } });
    expect(((await checks.json()) as { checks: unknown[] }).checks).toHaveLength(1);
  });

  it('makes the applicant when the earlier attempt never reached Onfido, once that attempt cannot still land (the settle window)', async () => {
    const ledger = new MemoryStore();
    const patient = connector({ intentSettleMs: 400 });
    const input = { customerId: 'cust-0104', firstName: 'Never', lastName: 'Arrived', email: null, dateOfBirth: null };
    await admin('POST', '/__faults', { route: 'POST /v3.6/applicants', down: true });
    await upstreamError(patient.createApplicant(input, 'jrn-4.createKycApplicant', ledger));
    await admin('DELETE', '/__faults');
    expect(await applicantsNamed('Arrived')).toEqual([]);
    // A dropped connection may have delivered the POST: right away, the look-up finding nothing means "not yet".
    await admin('DELETE', '/__stats');
    const early = await patient.createApplicant(input, 'jrn-4.createKycApplicant', ledger).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(CreationInProgress);
    expect((early as CreationInProgress).retryAfterMs).toBeLessThanOrEqual(400);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/applicants': 1 });
    await new Promise((r) => setTimeout(r, (early as CreationInProgress).retryAfterMs + 20));
    const { applicantId } = await patient.createApplicant(input, 'jrn-4.createKycApplicant', ledger);
    expect(await applicantsNamed('Arrived')).toEqual([applicantId]);
  });

  it('releases the intent at once when Onfido refused the create (a 4xx): the retry need not wait', async () => {
    const ledger = new MemoryStore();
    const input = { customerId: 'cust-0105', firstName: 'Refused', lastName: 'Once', email: null, dateOfBirth: null };
    const refusing = connector({ apiToken: 'not-the-token' });
    await upstreamError(refusing.createApplicant(input, 'jrn-5.createKycApplicant', ledger));
    expect(JSON.parse((await ledger.get(applicantKey('cust-0105'))) ?? '{}')).toMatchObject({ state: 'creating', at: 0 });
    const { applicantId } = await kyc.createApplicant(input, 'jrn-5.createKycApplicant', ledger);
    expect(await applicantsNamed('Once')).toEqual([applicantId]);
  });

  it('two workers creating the same applicant at once make one: the second waits while the first POST is in flight', async () => {
    const ledger = new MemoryStore();
    const input = { customerId: 'cust-0106', firstName: 'Twice', lastName: 'Atonce', email: null, dateOfBirth: '1990-09-09' };
    await admin('POST', '/__faults', { route: 'POST /v3.6/applicants', latencyMs: 400 });
    const first = kyc.createApplicant(input, 'jrn-6.createKycApplicant', ledger);
    await new Promise((r) => setTimeout(r, 100));
    const second = await connector().createApplicant(input, 'jrn-6.createKycApplicant', ledger).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(CreationInProgress);
    const { applicantId } = await first;
    // The second worker's next try finds the record the first one wrote.
    expect(await connector().createApplicant(input, 'jrn-6.createKycApplicant', ledger)).toEqual({ applicantId });
    expect(await applicantsNamed('Atonce')).toEqual([applicantId]);
  });

  it('maps Onfido\'s pending statuses to PENDING with the status kept, and withdrawn to WITHDRAWN', async () => {
    const ledger = new MemoryStore();
    const statusFor = async (lastName: string, n: number) => {
      const { applicantId } = await kyc.createApplicant({ customerId: `cust-02${n}`, firstName: 'Stat', lastName, email: null, dateOfBirth: null }, `jrn-s${n}.a`, ledger);
      const { checkId } = await kyc.startCheck(applicantId, `jrn-s${n}.c`, ledger);
      return { applicantId, checkId };
    };
    const awaiting = await statusFor('Awaiting', 1);
    const paused = await statusFor('Paused', 2);
    const withdrawn = await statusFor('Withdrawn', 3);
    const consider = await statusFor('Consider', 4);
    providerClock += CHECK_MS;
    expect(await kyc.getCheck(awaiting.checkId)).toMatchObject({ status: 'PENDING', onfidoStatus: 'awaiting_applicant', result: null });
    expect(await kyc.getCheck(paused.checkId)).toMatchObject({ status: 'PENDING', onfidoStatus: 'paused', result: null });
    expect(await kyc.getCheck(withdrawn.checkId)).toMatchObject({ status: 'WITHDRAWN', onfidoStatus: 'withdrawn', result: null });
    expect(await kyc.getCheck(consider.checkId)).toMatchObject({ status: 'COMPLETE', onfidoStatus: 'complete', result: 'CONSIDER' });
    const profiles = await kyc.getProfiles([awaiting, withdrawn, consider].map((x, i) => ({ customerId: `c${i}`, applicantId: x.applicantId })));
    expect(profiles.map((p) => p?.status)).toEqual(['PENDING', 'NOT_STARTED', 'REVIEW']);
  });

  it('screens a payee the Onfido way, once per reference: a hit names its lists, a clear name none', async () => {
    const ledger = new MemoryStore();
    await admin('DELETE', '/__stats');
    const hit = await kyc.screenName({ fullName: 'Ivan Sanctioned', dateOfBirth: '1970-01-01' }, 'jrn-5.screenBeneficiary', ledger);
    expect(hit).toMatchObject({ status: 'COMPLETE', onfidoStatus: 'complete', hit: true });
    expect([...hit.lists].sort()).toEqual(['EU-CONSOLIDATED', 'OFAC-SDN']);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'POST /v3.6/applicants': 1, 'POST /v3.6/checks': 1, 'GET /v3.6/checks/:check_id': 1, 'GET /v3.6/reports': 1 });
    // Again with the same reference: the same check read again, nothing made.
    await admin('DELETE', '/__stats');
    expect(await kyc.screenName({ fullName: 'Ivan Sanctioned', dateOfBirth: '1970-01-01' }, 'jrn-5.screenBeneficiary', ledger)).toEqual(hit);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/checks/:check_id': 1, 'GET /v3.6/reports': 1 });
    const clear = await kyc.screenName({ fullName: 'Jane Beneficiary' }, 'jrn-6.screenBeneficiary', ledger);
    expect(clear).toMatchObject({ status: 'COMPLETE', hit: false, lists: [] });
    expect(await kyc.screenName({ fullName: 'Acme Shell Holdings' }, 'jrn-7.screenBeneficiary', ledger)).toMatchObject({ hit: true, lists: ['OFAC-SDN'] });
  });

  it('maps Onfido refusing or not knowing something, with its text in detail only', async () => {
    expect((await upstreamError(kyc.getCheck('c0000000-0000-4000-8000-000000009999'))).code).toBe(ErrorCode.NOT_FOUND);
    const invalid = await upstreamError(
      kyc.createApplicant({ customerId: 'cust-0105', firstName: 'Bad', lastName: 'Date', email: null, dateOfBirth: '1990-02-30' }, 'bad-dob', new MemoryStore()),
    );
    expect(invalid.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(invalid.message).not.toMatch(/validation/i);
    expect(invalid.detail).toMatchObject({ status: 422, legacyCode: 'validation_error', legacyMessage: expect.stringContaining('dob') });
  });

  it('answers UPSTREAM_UNAVAILABLE for a refused API token, once (not retried), without leaking the token', async () => {
    const wrong = 'wrong-api-token-4711';
    const misconfigured = connector({ apiToken: wrong, retry: { retries: 3, baseDelayMs: 1 } });
    await admin('DELETE', '/__stats');
    const err = await upstreamError(misconfigured.getCheck(AMELIA_CHECK));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'kyc-provider' });
    expect(err.detail).toMatchObject({ status: 401, legacyCode: 'authorization_error', retryable: false });
    for (const text of [err.message, JSON.stringify(err), JSON.stringify(err.detail)]) expect(text).not.toContain(wrong);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/checks/:check_id': 1 });
  });

  it('answers UPSTREAM_UNAVAILABLE when Onfido is down or failing, UPSTREAM_TIMEOUT when it does not answer', async () => {
    await admin('POST', '/__faults', { down: true });
    const down = await upstreamError(connector().getProfiles(sandbox('cust-0001')));
    expect(down.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(down.extensions.service).toBe('kyc-provider');
    await admin('DELETE', '/__faults');
    await admin('POST', '/__faults', { route: 'GET /v3.6/checks/:check_id', errorRate: 1 });
    const failing = await upstreamError(connector().getCheck(AMELIA_CHECK));
    expect(failing.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(failing.detail).toMatchObject({ status: 500, legacyCode: 'internal_server_error' });
    await admin('DELETE', '/__faults');
    await admin('POST', '/__faults', { timeoutRate: 1 });
    await admin('DELETE', '/__stats');
    const slow = await upstreamError(connector({ timeoutMs: 200 }).getCheck(AMELIA_CHECK));
    expect(slow.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(slow.message).toContain('within 200 ms');
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3.6/checks/:check_id': 1 });
  });
});

describe('the Onfido wire', () => {
  const check = (status: string, createdAt: string, result?: string): WireCheck =>
    read('GET /v3.6/checks/:check_id', { id: `chk-${createdAt}`, created_at: createdAt, status, ...(result ? { result } : {}) }, readCheck);

  it('maps every check status of Onfido\'s enum, losing none', () => {
    expect(Object.fromEntries(CHECK_STATUSES.map((s) => [s, checkStateOf(s)]))).toEqual({
      in_progress: 'PENDING',
      awaiting_applicant: 'PENDING',
      complete: 'COMPLETE',
      withdrawn: 'WITHDRAWN',
      paused: 'PENDING',
      reopened: 'PENDING',
    });
    expect(check('reopened', '2026-01-01T00:00:00Z')).toMatchObject({ status: 'reopened', result: null });
    // A status outside the enum, or a complete check without its result, is not guessed at.
    expect(() => check('cancelled', '2026-01-01T00:00:00Z')).toThrow(UpstreamError);
    expect(() => check('complete', '2026-01-01T00:00:00Z')).toThrow(UpstreamError);
  });

  it('takes the standing from the newest check that was not withdrawn', () => {
    const older = check('complete', '2026-01-01T00:00:00Z', 'clear');
    const newer = check('withdrawn', '2026-02-01T00:00:00Z');
    expect(standingOf([older, newer])).toEqual({ status: 'CLEARED', check: older });
    expect(standingOf([newer])).toEqual({ status: 'NOT_STARTED', check: null });
    expect(standingOf([older, check('paused', '2026-03-01T00:00:00Z')]).status).toBe('PENDING');
    expect(standingOf([older, check('complete', '2026-03-01T00:00:00Z', 'consider')]).status).toBe('REVIEW');
    expect(standingOf([]).status).toBe('NOT_STARTED');
  });
});

describe('KycProviderConnector under Onfido\'s rate limit', () => {
  const sims: RunningSimulator[] = [];
  const made: KycProviderConnector[] = [];
  // The provider's clock stands still unless a test moves it, so its token bucket refills only when told.
  let clock = Date.now();
  const setup = async (ratePerSecond: number, retry: KycProviderConnectorOptions['retry'] = {}, breaker?: KycProviderConnectorOptions['breaker']) => {
    const sim = await createKycProviderSimulator({ ratePerSecond, now: () => new Date(clock) }).listen(0);
    sims.push(sim);
    const c = new KycProviderConnector({ baseUrl: sim.url, apiToken: API_TOKEN, retry, ...(breaker ? { breaker } : {}) });
    made.push(c);
    return { sim, kyc: c };
  };
  afterAll(async () => {
    await Promise.all(made.map((c) => c.http.close()));
    await Promise.all(sims.map((s) => s.close()));
  });
  const stats = async (sim: RunningSimulator) => ((await (await fetch(`${sim.url}/__stats`)).json()) as { routes: Record<string, number> }).routes;

  it('retries a read after a 429, waiting for Retry-After, and succeeds', async () => {
    const { sim, kyc } = await setup(3);
    const events: LegacyCallEvent[] = [];
    const stop = onLegacyCall((e) => {
      if (e.system !== 'kyc-provider') return;
      events.push(e);
      // The provider's second passes while the connector waits, 950 ms after the 429: only a retry that waits
      // (almost) all of Retry-After finds the bucket full.
      if (e.status === 429) setTimeout(() => (clock += 1000), 950);
    });
    try {
      for (let i = 0; i < 3; i++) await kyc.getCheck(AMELIA_CHECK); // drains the bucket
      expect(await kyc.getCheck(AMELIA_CHECK)).toMatchObject({ status: 'COMPLETE' });
      expect(events.filter((e) => e.status === 429)).toHaveLength(1);
      expect((await stats(sim))['GET /v3.6/checks/:check_id']).toBe(5);
    } finally {
      stop();
    }
  });

  it('surfaces the 429 as UPSTREAM_UNAVAILABLE, with Onfido\'s rate_limit, when retries are spent', async () => {
    const { kyc } = await setup(1, { retries: 0 });
    await kyc.getCheck(AMELIA_CHECK);
    const err = await upstreamError(kyc.getCheck(AMELIA_CHECK));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail).toMatchObject({ status: 429, legacyCode: 'rate_limit', retryAfterMs: 1000 });
  });

  it('does not open the breaker for a burst over the rate limit: Onfido is protecting itself, not failing', async () => {
    const { kyc } = await setup(2, { retries: 0 }, { threshold: 3, halfOpenAfterMs: 60_000 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => kyc.getCheck(AMELIA_CHECK)));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as UpstreamError);
    expect(refused).toHaveLength(10);
    expect(refused.every((e) => e.detail.status === 429 && !e.isSystemFailure)).toBe(true);
    expect(kyc.http.breakerState).toBe('closed');
    clock += 1000;
    expect((await kyc.getCheck(AMELIA_CHECK)).checkId).toBe(AMELIA_CHECK);
  });
});
