import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KycProviderConnector, type KycProviderConnectorOptions } from '../../connectors/kyc-provider/index.js';
import { onLegacyCall, type LegacyCallEvent } from '../../connectors/http.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createKycProviderSimulator } from '../../legacy/kyc-provider/server.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';

const SECRETS = { appToken: SANDBOX_SECRETS.kycAppToken, hmacSecret: SANDBOX_SECRETS.kycHmac };

/** Resolves to the UpstreamError a call fails with (and fails the test if it succeeds or fails otherwise). */
async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

function customers(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`);
}

describe('KycProviderConnector', () => {
  // The provider's clock stands still unless a test moves it: a check completes when the test moves it past the
  // check's duration, not when a loaded machine happens to take that long between two calls.
  let providerClock = Date.now();
  const CHECK_MS = 150;
  let sim: RunningSimulator;
  let kyc: KycProviderConnector;
  const made: KycProviderConnector[] = [];
  const connector = (o: Partial<KycProviderConnectorOptions> = {}): KycProviderConnector => {
    const c = new KycProviderConnector({ baseUrl: sim.url, ...SECRETS, retry: { baseDelayMs: 5 }, ...o });
    made.push(c);
    return c;
  };
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return res.status === 204 ? undefined : ((await res.json()) as { routes?: Record<string, number> });
  };

  beforeAll(async () => {
    sim = await createKycProviderSimulator({ checkDurationMs: CHECK_MS, now: () => new Date(providerClock) }).listen(0);
    kyc = connector();
  });
  afterAll(async () => {
    await Promise.all(made.map((c) => c.http.close()));
    await sim.close();
  });
  afterEach(async () => {
    await admin('DELETE', '/__faults');
  });

  it('normalises the sandbox profiles, in input order, null for no applicant', async () => {
    const profiles = await kyc.getProfiles(['cust-0001', 'cust-0007', 'cust-0008', 'cust-0009', 'cust-0001']);
    expect(profiles).toEqual([
      { customerId: 'cust-0001', applicantId: 'app_0001', status: 'CLEARED', lastCheckedAt: '2025-06-01T10:00:00.000Z' },
      { customerId: 'cust-0007', applicantId: 'app_0007', status: 'REVIEW', lastCheckedAt: '2025-06-01T16:00:00.000Z' },
      { customerId: 'cust-0008', applicantId: 'app_0008', status: 'PENDING', lastCheckedAt: null },
      null,
      { customerId: 'cust-0001', applicantId: 'app_0001', status: 'CLEARED', lastCheckedAt: '2025-06-01T10:00:00.000Z' },
    ]);
  });

  it('reads 20 customers in one call, 150 in two, none in none', async () => {
    await admin('DELETE', '/__stats');
    const twenty = await kyc.getProfiles(customers(20));
    expect(twenty).toHaveLength(20);
    expect(twenty.filter((p) => p === null)).toHaveLength(1); // cust-0009
    expect(twenty.map((p) => p?.customerId ?? null)).toEqual(customers(20).map((id) => (id === 'cust-0009' ? null : id)));
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3/applicants': 1 });

    await admin('DELETE', '/__stats');
    const many = await kyc.getProfiles(customers(150));
    expect(many.filter((p) => p !== null)).toHaveLength(23);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3/applicants': 2 });

    await admin('DELETE', '/__stats');
    expect(await kyc.getProfiles([])).toEqual([]);
    expect((await admin('GET', '/__stats'))?.routes).toEqual({});
  });

  it('onboards: createApplicant -> startCheck -> poll getCheck until COMPLETE', async () => {
    const person = { customerId: 'cust-0100', firstName: 'Olga', lastName: 'Onboard', email: 'olga.onboard@example.com', dateOfBirth: '1991-05-06' };
    const { applicantId } = await kyc.createApplicant(person, 'jrn-1:create-applicant');
    expect(applicantId).toMatch(/^app_\d{4}$/);
    // Same reference, same applicant: re-running the step has no second effect.
    expect(await kyc.createApplicant(person, 'jrn-1:create-applicant')).toEqual({ applicantId });

    const { checkId } = await kyc.startCheck(applicantId, 'jrn-1:start-check');
    expect(await kyc.startCheck(applicantId, 'jrn-1:start-check')).toEqual({ checkId });
    expect(await kyc.getCheck(checkId)).toEqual({ checkId, status: 'PENDING', result: null });
    expect((await kyc.getProfiles(['cust-0100']))[0]).toMatchObject({ applicantId, status: 'PENDING' });

    providerClock += CHECK_MS - 1;
    expect(await kyc.getCheck(checkId)).toEqual({ checkId, status: 'PENDING', result: null });
    providerClock += 1;
    expect(await kyc.getCheck(checkId)).toEqual({ checkId, status: 'COMPLETE', result: 'CLEAR' });

    const [profile] = await kyc.getProfiles(['cust-0100']);
    expect(profile).toMatchObject({ applicantId, status: 'CLEARED' });
    expect(profile?.lastCheckedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
  });

  it('retries a createApplicant whose answer was lost, and creates one applicant: the Idempotency-Key makes it safe', async () => {
    await admin('POST', '/__faults', { route: 'POST /v3/applicants', lostResponseRate: 1 });
    await admin('DELETE', '/__stats');
    const stop = onLegacyCall((e) => {
      if (e.system === 'kyc-provider' && e.outcome === 'unavailable') void admin('DELETE', '/__faults');
    });
    let created: { applicantId: string };
    const person = { customerId: 'cust-0104', firstName: 'Lost', lastName: 'Answer', email: null, dateOfBirth: null };
    try {
      created = await connector({ retry: { retries: 2, baseDelayMs: 200 } }).createApplicant(person, 'jrn-lost:create-applicant');
    } finally {
      stop();
    }
    expect((await admin('GET', '/__stats'))?.routes?.['POST /v3/applicants']).toBe(2);
    const [profile] = await kyc.getProfiles(['cust-0104']);
    expect(profile?.applicantId).toBe(created.applicantId);
    // The applicant made by the lost attempt is the one answered: a second would be a new, newer applicant.
    expect((await kyc.createApplicant(person, 'jrn-lost:create-applicant')).applicantId).toBe(created.applicantId);
  });

  it('gets CONSIDER (profile REVIEW) for the "Consider" trigger', async () => {
    const run = async (customerId: string, lastName: string) => {
      const { applicantId } = await kyc.createApplicant({ customerId, firstName: 'Test', lastName, email: null, dateOfBirth: null }, `${customerId}:a`);
      const { checkId } = await kyc.startCheck(applicantId, `${customerId}:c`);
      providerClock += CHECK_MS;
      const check = await kyc.getCheck(checkId);
      expect(check.status).toBe('COMPLETE');
      return { applicantId, check };
    };
    const considered = await run('cust-0101', 'Consider');
    expect(considered.check.result).toBe('CONSIDER');
    expect((await kyc.getProfiles(['cust-0101']))[0]?.status).toBe('REVIEW');
  });

  it('maps the provider refusing or not knowing something', async () => {
    expect((await upstreamError(kyc.getCheck('chk_9999'))).code).toBe(ErrorCode.NOT_FOUND);
    const invalid = await upstreamError(
      kyc.createApplicant({ customerId: 'cust-0103', firstName: 'Bad', lastName: 'Date', email: null, dateOfBirth: '1990-02-30' }, 'bad-dob'),
    );
    expect(invalid.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(invalid.message).not.toMatch(/validation/i); // legacy text stays in detail
    expect(invalid.detail).toMatchObject({ status: 422, legacyCode: 'validation_error', legacyMessage: expect.stringContaining('dob') });
  });

  it('screens names: a hit for "Ivan Sanctioned", none for a customer', async () => {
    const hit = await kyc.screenName({ fullName: 'Ivan Sanctioned', country: 'RU', dateOfBirth: '1970-01-01' }, 'jrn-2:screen');
    expect(hit.screeningId).toMatch(/^scr_/);
    expect(hit.hit).toBe(true);
    expect([...hit.lists].sort()).toEqual(['EU-CONSOLIDATED', 'OFAC-SDN']);
    expect(await kyc.screenName({ fullName: 'Ivan Sanctioned', country: 'RU', dateOfBirth: '1970-01-01' }, 'jrn-2:screen')).toEqual(hit);
    expect(await kyc.screenName({ fullName: 'Amelia Hartmann' }, 'jrn-3:screen')).toMatchObject({ hit: false, lists: [] });
  });

  it('answers UPSTREAM_UNAVAILABLE when its own secret is wrong, without leaking the secret', async () => {
    const wrongSecret = 'wrong-hmac-secret-4711';
    const misconfigured = connector({ hmacSecret: wrongSecret });
    const err = await upstreamError(misconfigured.getProfiles(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.system).toBe('kyc-provider');
    expect(err.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'kyc-provider' });
    expect(err.detail).toMatchObject({ status: 401, legacyCode: 'authorization_error' });
    for (const text of [err.message, JSON.stringify(err), JSON.stringify(err.detail)]) {
      expect(text).not.toContain(wrongSecret);
      expect(text).not.toContain(SANDBOX_SECRETS.kycHmac);
    }
    const wrongToken = connector({ appToken: 'wrong-app-token-4711' });
    expect((await upstreamError(wrongToken.getCheck('chk_0001'))).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });

  it('does not retry a refused signature: a repeat cannot mend our own misconfiguration', async () => {
    const misconfigured = connector({ hmacSecret: 'wrong-hmac-secret-4712', retry: { retries: 3, baseDelayMs: 1 } });
    await admin('DELETE', '/__stats');
    const err = await upstreamError(misconfigured.getCheck('chk_0001'));
    expect(err.detail).toMatchObject({ status: 401, retryable: false });
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3/checks/:id': 1 });
  });

  it('answers UPSTREAM_UNAVAILABLE naming kyc-provider when it is down, and 5xx the same', async () => {
    await admin('POST', '/__faults', { down: true });
    const down = await upstreamError(connector().getProfiles(['cust-0001']));
    expect(down.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(down.message).toContain('kyc-provider');
    expect(down.extensions.service).toBe('kyc-provider');

    await admin('DELETE', '/__faults');
    await admin('POST', '/__faults', { route: 'GET /v3/checks/:id', errorRate: 1 });
    const failing = await upstreamError(connector().getCheck('chk_0001'));
    expect(failing.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(failing.detail).toMatchObject({ status: 500, legacyCode: 'internal_error' });
  });

  it('answers UPSTREAM_TIMEOUT when the provider does not answer within timeoutMs', async () => {
    await admin('POST', '/__faults', { timeoutRate: 1 });
    await admin('DELETE', '/__stats');
    // The provider never answers: only the connector's own deadline can end the call, and the error says it did.
    const err = await upstreamError(connector({ timeoutMs: 200 }).getProfiles(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(err.extensions.service).toBe('kyc-provider');
    expect(err.message).toContain('within 200 ms');
    expect(err.originalError?.name).toBe('TimeoutError'); // the 200 ms abort signal fired
    // And the timeout, having spent the caller's budget, is not retried.
    expect((await admin('GET', '/__stats'))?.routes).toEqual({ 'GET /v3/applicants': 1 });
  });
});

describe('KycProviderConnector under the provider rate limit', () => {
  const sims: RunningSimulator[] = [];
  const made: KycProviderConnector[] = [];
  // The provider's clock stands still unless a test moves it, so its token bucket refills only when told.
  let clock = Date.now();
  const setup = async (ratePerSecond: number, retries?: number) => {
    const sim = await createKycProviderSimulator({ ratePerSecond, now: () => new Date(clock) }).listen(0);
    sims.push(sim);
    const c = new KycProviderConnector({ baseUrl: sim.url, ...SECRETS, ...(retries !== undefined ? { retry: { retries } } : {}) });
    made.push(c);
    return { sim, kyc: c };
  };
  afterAll(async () => {
    await Promise.all(made.map((c) => c.http.close()));
    await Promise.all(sims.map((s) => s.close()));
  });

  it('retries a read after a 429, waiting for Retry-After, and succeeds', async () => {
    const { sim, kyc } = await setup(3);
    const events: LegacyCallEvent[] = [];
    const stop = onLegacyCall((e) => {
      if (e.system !== 'kyc-provider') return;
      events.push(e);
      // The provider's second passes while the connector waits, 950 ms after the 429: only a retry that waits
      // (almost) all of Retry-After finds the bucket full. This timer is set before the connector starts its wait
      // (listeners hear of the 429 first), so it fires first whenever a wait of 1000 ms ends: no race.
      if (e.status === 429) setTimeout(() => (clock += 1000), 950);
    });
    try {
      for (let i = 0; i < 3; i++) await kyc.getProfiles(['cust-0001']); // drains the bucket
      const [profile] = await kyc.getProfiles(['cust-0001']);
      expect(profile).toMatchObject({ customerId: 'cust-0001', status: 'CLEARED' });
      // Exponential backoff alone (tens of ms), or a wait of less than Retry-After, would retry before the
      // provider's second is over and be refused again: one 429 and one retry show the wait was Retry-After's.
      expect(events.filter((e) => e.status === 429)).toHaveLength(1);
      const stats = (await (await fetch(`${sim.url}/__stats`)).json()) as { routes: Record<string, number> };
      expect(stats.routes['GET /v3/applicants']).toBe(5);
    } finally {
      stop();
    }
  });

  it('surfaces the 429 as UPSTREAM_UNAVAILABLE when retries are spent', async () => {
    const { kyc } = await setup(1, 0);
    await kyc.getProfiles(['cust-0001']);
    const err = await upstreamError(kyc.getProfiles(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail).toMatchObject({ status: 429, legacyCode: 'rate_limit', retryAfterMs: 1000 });
  });

  it('fails at once, without waiting or retrying early, when Retry-After is beyond maxRetryAfterMs', async () => {
    const sim = await createKycProviderSimulator({ ratePerSecond: 1, now: () => new Date(clock) }).listen(0);
    sims.push(sim);
    const impatient = new KycProviderConnector({ baseUrl: sim.url, ...SECRETS, retry: { retries: 3, baseDelayMs: 1, maxRetryAfterMs: 500 } });
    made.push(impatient);
    await impatient.getProfiles(['cust-0001']); // the bucket's one token
    const events: LegacyCallEvent[] = [];
    const stop = onLegacyCall((e) => void (e.system === 'kyc-provider' && events.push(e)));
    // The provider asked for 1 s, more than this caller may wait: the 429 is the answer. (Its clock stands still, so
    // had the connector waited and retried anyway, it would have been refused again and counted below.)
    const err = await upstreamError(impatient.getProfiles(['cust-0001'])).finally(stop);
    expect(err.detail).toMatchObject({ status: 429, retryAfterMs: 1000 });
    expect(events.map((e) => e.status)).toEqual([429]);
    const stats = (await (await fetch(`${sim.url}/__stats`)).json()) as { routes: Record<string, number> };
    expect(stats.routes['GET /v3/applicants']).toBe(2); // no early retry, which the provider would refuse again
  });

  it('does not open the breaker for a burst over the rate limit: the provider is protecting itself, not failing', async () => {
    const sim = await createKycProviderSimulator({ ratePerSecond: 2, now: () => new Date(clock) }).listen(0);
    sims.push(sim);
    const burst = new KycProviderConnector({ baseUrl: sim.url, ...SECRETS, retry: { retries: 0 }, breaker: { threshold: 3, halfOpenAfterMs: 60_000 } });
    made.push(burst);
    const results = await Promise.allSettled(Array.from({ length: 12 }, () => burst.getProfiles(['cust-0001'])));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason as UpstreamError);
    expect(refused).toHaveLength(10);
    expect(refused.every((e) => e.detail.status === 429 && !e.isSystemFailure)).toBe(true);
    expect(burst.http.breakerState).toBe('closed');

    clock += 1000; // the provider's next second: the bucket is full again, and the connector still calls it
    expect((await burst.getProfiles(['cust-0001']))[0]?.customerId).toBe('cust-0001');
  });
});
