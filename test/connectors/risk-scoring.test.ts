import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onLegacyCall, type LegacyCallEvent } from '../../connectors/http.js';
import { RiskScoringConnector, type OnboardingScoreInput, type RiskScoringConnectorOptions } from '../../connectors/risk-scoring/index.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createRiskScoringSimulator } from '../../legacy/risk-scoring/server.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';

/** The risk-scoring connector against the real simulator over HTTP: what it reads, what it sends, how it fails. */

const API_KEY = SANDBOX_SECRETS.riskScoringApiKey;

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

async function routes(sim: RunningSimulator): Promise<Record<string, number>> {
  return ((await (await fetch(`${sim.url}/__stats`)).json()) as { routes: Record<string, number> }).routes;
}

async function admin(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  await res.text();
}

const person = (reference: string, o: Partial<OnboardingScoreInput> = {}): OnboardingScoreInput => ({
  customerId: 'cust-0300',
  firstName: 'Noah',
  lastName: 'Keller',
  dateOfBirth: '1990-05-17',
  country: 'DE',
  kycOutcome: 'CLEAR',
  kycVendorReference: 'app_0300',
  reference,
  ...o,
});

const customers = (n: number) => Array.from({ length: n }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`);

describe('RiskScoringConnector', () => {
  const sims: RunningSimulator[] = [];
  const made: RiskScoringConnector[] = [];
  let sim: RunningSimulator;
  let risk: RiskScoringConnector;
  const connector = (target: RunningSimulator, o: Partial<RiskScoringConnectorOptions> = {}) => {
    const c = new RiskScoringConnector({ baseUrl: target.url, apiKey: API_KEY, retry: { baseDelayMs: 5 }, ...o });
    made.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await createRiskScoringSimulator().listen(0);
    sims.push(sim);
    risk = connector(sim);
  });
  afterEach(async () => {
    await admin(sim, 'DELETE', '/__faults');
  });
  afterAll(async () => {
    await Promise.all(made.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.close()));
  });

  it("reads the sandbox customers' latest scores in input order, null for the never scored, as SANDBOX.md says", async () => {
    const scores = await risk.latestScores(['cust-0001', 'cust-0007', 'cust-0008', 'cust-0009', 'cust-0005', 'cust-0001']);
    expect(scores.map((s) => (s ? [s.customerId, s.score, s.level] : null))).toEqual([
      ['cust-0001', 12, 'LOW'],
      ['cust-0007', 72, 'HIGH'],
      null, // its KYC check never completes
      null, // no KYC applicant
      ['cust-0005', 35, 'MEDIUM'], // (5 * 7) % 40
      ['cust-0001', 12, 'LOW'],
    ]);
    expect(scores[0]).toEqual({ scoreId: 'rsk_0001', customerId: 'cust-0001', score: 12, level: 'LOW', modelVersion: expect.any(String), scoredAt: '2025-06-01T10:00:00.000Z' });
    expect(await risk.latestScore('cust-0002')).toMatchObject({ score: 14, level: 'LOW' });
    expect(await risk.latestScore('cust-0008')).toBeNull();
    expect(await risk.getScore('rsk_0007')).toMatchObject({ customerId: 'cust-0007', score: 72 });
  });

  it('reads 20 customers in one call, 150 in two, none in none; ids the system cannot hold are null without asking', async () => {
    await admin(sim, 'DELETE', '/__stats');
    expect((await risk.latestScores(customers(20))).filter((s) => s === null)).toHaveLength(2); // cust-0008, cust-0009
    expect(await routes(sim)).toEqual({ 'GET /v1/latest-scores': 1 });
    await admin(sim, 'DELETE', '/__stats');
    expect((await risk.latestScores(customers(150))).filter((s) => s !== null)).toHaveLength(22);
    expect(await routes(sim)).toEqual({ 'GET /v1/latest-scores': 2 });
    await admin(sim, 'DELETE', '/__stats');
    expect(await risk.latestScores([])).toEqual([]);
    expect(await risk.latestScores(['a,b', 'x y', ''])).toEqual([null, null, null]);
    expect(await risk.latestScore('x y')).toBeNull();
    expect(await routes(sim)).toEqual({});
  });

  it('scores once per reference: a repeat answers the first score, and it becomes the latest', async () => {
    const first = await risk.scoreOnboarding(person('jrn-1:assessRisk'));
    expect(first).toMatchObject({ customerId: 'cust-0300', scoreId: expect.stringMatching(/^rsk_\d{4}$/) });
    expect(first.score).toBeGreaterThanOrEqual(5);
    expect(first.score).toBeLessThanOrEqual(35);
    expect(first.level).toBe(first.score < 30 ? 'LOW' : 'MEDIUM');
    expect(await risk.scoreOnboarding(person('jrn-1:assessRisk'))).toEqual(first);
    expect(await risk.latestScore('cust-0300')).toEqual(first);
    expect(await risk.getScore(first.scoreId)).toEqual(first);
    // The same reference for another request is refused: our bug, never a second score.
    const reused = await upstreamError(risk.scoreOnboarding(person('jrn-1:assessRisk', { country: 'FR' })));
    expect(reused.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(reused.detail).toMatchObject({ status: 409, legacyCode: 'reference_reused' });
  });

  it('honours the sandbox triggers, so a test can ask for a high score', async () => {
    expect(await risk.scoreOnboarding(person('t-risky', { customerId: 'cust-0301', lastName: 'Risky' }))).toMatchObject({ score: 85, level: 'HIGH' });
    const country = await risk.scoreOnboarding(person('t-country', { customerId: 'cust-0302', country: 'KP' }));
    expect(country.level).toBe('HIGH');
    expect(country.score).toBeGreaterThanOrEqual(65);
    const consider = await risk.scoreOnboarding(person('t-consider', { customerId: 'cust-0303', kycOutcome: 'CONSIDER' }));
    const clear = await risk.scoreOnboarding(person('t-clear', { customerId: 'cust-0304' }));
    expect(consider.score).toBe(clear.score + 30); // the same person: the model is deterministic
  });

  it('retries a score whose answer was lost and makes one score: the reference makes it safe', async () => {
    await admin(sim, 'POST', '/__faults', { route: 'POST /v1/scores', lostResponseRate: 1 });
    await admin(sim, 'DELETE', '/__stats');
    const stop = onLegacyCall((e) => {
      if (e.system === 'risk-scoring' && e.outcome === 'unavailable') void admin(sim, 'DELETE', '/__faults');
    });
    let scored;
    try {
      scored = await connector(sim, { retry: { retries: 2, baseDelayMs: 200 } }).scoreOnboarding(person('jrn-lost:assessRisk', { customerId: 'cust-0305' }));
    } finally {
      stop();
    }
    expect((await routes(sim))['POST /v1/scores']).toBe(2);
    // The score made by the lost attempt is the one answered: a second would be a new, later score.
    expect(await risk.latestScore('cust-0305')).toEqual(scored);
    // And only one was made: the next score gets the very next id.
    const next = await risk.scoreOnboarding(person('jrn-lost-2:assessRisk', { customerId: 'cust-0306' }));
    expect(Number(next.scoreId.slice(4))).toBe(Number(scored.scoreId.slice(4)) + 1);
  });

  it('maps a failing system to UPSTREAM_UNAVAILABLE after its retries, and an unknown score to NOT_FOUND', async () => {
    await admin(sim, 'POST', '/__faults', { route: 'GET /v1/latest-scores', errorRate: 1 });
    await admin(sim, 'DELETE', '/__stats');
    const down = await upstreamError(risk.latestScores(['cust-0001']));
    expect(down.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(down.extensions.service).toBe('risk-scoring');
    expect(down.detail).toMatchObject({ status: 503, legacyCode: 'unavailable' });
    expect((await routes(sim))['GET /v1/latest-scores']).toBe(3); // the first attempt and two retries
    expect((await upstreamError(risk.getScore('rsk_9999'))).code).toBe(ErrorCode.NOT_FOUND);
  });

  it('sends the API key as a bearer token, and does not retry when the key is refused', async () => {
    const other = await createRiskScoringSimulator({ apiKey: 'the-bank-s-own-key' }).listen(0);
    sims.push(other);
    expect((await connector(other, { apiKey: 'the-bank-s-own-key' }).latestScore('cust-0001'))?.score).toBe(12);
    const wrong = await upstreamError(connector(other, { apiKey: API_KEY }).latestScores(['cust-0001']));
    expect(wrong.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(wrong.detail).toMatchObject({ status: 401, legacyCode: 'unauthorized', retryable: false });
    expect(wrong.message).not.toContain(API_KEY);
    expect((await routes(other))['GET /v1/latest-scores']).toBe(1); // no retry: the same key is refused again
  });
});

describe('RiskScoringConnector under the rate limit', () => {
  const sims: RunningSimulator[] = [];
  const made: RiskScoringConnector[] = [];
  // The system's clock stands still unless a test moves it, so its token bucket refills only when told.
  let clock = Date.now();
  const setup = async (ratePerSecond: number, retry?: RiskScoringConnectorOptions['retry'], breaker?: RiskScoringConnectorOptions['breaker']) => {
    const sim = await createRiskScoringSimulator({ ratePerSecond, now: () => new Date(clock) }).listen(0);
    sims.push(sim);
    const c = new RiskScoringConnector({ baseUrl: sim.url, apiKey: API_KEY, ...(retry ? { retry } : {}), ...(breaker ? { breaker } : {}) });
    made.push(c);
    return { sim, risk: c };
  };
  afterAll(async () => {
    await Promise.all(made.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.close()));
  });

  it('retries after a 429, waiting for its Retry-After, and succeeds', async () => {
    const { sim, risk } = await setup(2);
    const events: LegacyCallEvent[] = [];
    const stop = onLegacyCall((e) => {
      if (e.system !== 'risk-scoring') return;
      events.push(e);
      // The system's second passes while the connector waits, 950 ms after the 429: only a retry that waits (almost)
      // all of Retry-After finds a token. Set before the connector starts its wait (listeners hear of the 429 first).
      if (e.status === 429) setTimeout(() => (clock += 1000), 950);
    });
    try {
      await risk.latestScore('cust-0001');
      await risk.latestScore('cust-0001'); // the bucket is empty now
      expect((await risk.scoreOnboarding(person('rl-1')))?.customerId).toBe('cust-0300');
      expect(events.filter((e) => e.status === 429)).toHaveLength(1);
      expect((await routes(sim))['POST /v1/scores']).toBe(2);
    } finally {
      stop();
    }
  });

  it('surfaces a 429 as UPSTREAM_UNAVAILABLE with its Retry-After when retries are spent, without opening the breaker', async () => {
    const { risk } = await setup(1, { retries: 0 }, { threshold: 2, halfOpenAfterMs: 60_000 });
    await risk.latestScore('cust-0001');
    const refusals = await Promise.all([1, 2, 3].map(() => upstreamError(risk.latestScores(['cust-0001']))));
    for (const err of refusals) {
      expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
      expect(err.detail).toMatchObject({ status: 429, legacyCode: 'rate_limited', retryAfterMs: 1000 });
      expect(err.isSystemFailure).toBe(false);
    }
    expect(risk.http.breakerState).toBe('closed');
    clock += 1000;
    expect((await risk.latestScore('cust-0001'))?.score).toBe(12);
  });
});
