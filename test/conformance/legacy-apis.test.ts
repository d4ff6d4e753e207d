import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckers, type Checker } from '../../conformance/checkers.js';
import { RecordingProxy } from '../../conformance/recorder.js';
import { FxWalletConnector } from '../../connectors/fx-wallet/index.js';
import { NotifierConnector } from '../../connectors/notifier/index.js';
import { RiskScoringConnector, type OnboardingScoreInput } from '../../connectors/risk-scoring/index.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createFxWalletSimulator } from '../../legacy/fx-wallet/server.js';
import { createNotifierSimulator } from '../../legacy/notifier/server.js';
import { DEFAULT_API_KEY, createRiskScoringSimulator } from '../../legacy/risk-scoring/server.js';

/**
 * The wallet, the notifier and the risk-scoring system held to our own documents (schema/legacy-apis/) on every route they serve, answers
 * and refusals alike: the real simulators behind a recording proxy, driven by their real connectors where the
 * connector uses the route and by plain HTTP otherwise; every recorded exchange must pass the conformance checker.
 * (The conformance run exercises only the routes a happy journey takes; this is the rest.)
 */

const wire: RecordingProxy[] = [];
const sims: RunningSimulator[] = [];
let checkers: Partial<Record<string, Checker>>;

async function behindProxy(system: string, sim: RunningSimulator): Promise<RecordingProxy> {
  sims.push(sim);
  const proxy = await RecordingProxy.start(system, sim.url);
  wire.push(proxy);
  return proxy;
}

async function raw(proxy: RecordingProxy, method: string, path: string, body?: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${proxy.url}${path}`, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  await res.text();
  return res.status;
}

/**
 * What the checker finds on each exchange, as "METHOD url status: part message". A request the test breaks on
 * purpose (to see the refusal) is flagged on its request part, rightly: those come back in `deliberate`.
 */
async function findings(proxy: RecordingProxy, deliberate: (requestBody: string, url: string) => boolean): Promise<{ wrong: string[]; deliberate: string[] }> {
  const check = checkers[proxy.system] as Checker;
  const out = { wrong: [] as string[], deliberate: [] as string[] };
  for (const e of proxy.exchanges) {
    for (const v of await check(e)) {
      const line = `${e.method} ${e.url} ${e.status}: ${v.part} ${v.message}`;
      (v.part === 'request' && deliberate(e.requestBody, e.url) ? out.deliberate : out.wrong).push(line);
    }
  }
  return out;
}


const eur = (minor: bigint) => ({ currency: 'EUR', minor });

beforeAll(async () => {
  checkers = (await loadCheckers()).checkers;
}, 60_000);

afterAll(async () => {
  await Promise.all([...wire.map((p) => p.close()), ...sims.map((s) => s.close())]);
});

describe('the FX wallet simulator and connector, against schema/legacy-apis/fx-wallet.openapi.yaml', () => {
  it('every route, with its replays and refusals, follows the document', async () => {
    const proxy = await behindProxy('fx-wallet', await createFxWalletSimulator({ quoteTtlSeconds: 30 }).listen(0));
    const fx = new FxWalletConnector({ baseUrl: proxy.url, retry: { retries: 0 } });
    try {
      await fx.getWallets(['cust-0001', 'cust-0009', 'cust-0002']);
      await fx.getRates();
      const quote = await fx.createQuote({ sell: 'EUR', buy: 'JPY', sellAmount: eur(1000n), reference: 'q-1' });
      await fx.createQuote({ sell: 'EUR', buy: 'JPY', sellAmount: eur(1000n), reference: 'q-1' });
      await fx.createQuote({ sell: 'USD', buy: 'EUR', buyAmount: eur(500n) });
      const made = await fx.convert({ quoteId: quote.id, walletId: 'wal_0001', reference: 'cv-1' });
      await fx.convert({ quoteId: quote.id, walletId: 'wal_0001', reference: 'cv-1' });
      await fx.findConversion('cv-1');
      await fx.findConversion('never-seen');
      await fx.reverseConversion(made.conversionId, 'undo-1');
      await fx.reverseConversion(made.conversionId, 'undo-1');
      await fx.findConversion('undo-1');
      await expect(fx.reverseConversion(made.conversionId, 'undo-2')).rejects.toThrow();
      await expect(fx.convert({ quoteId: quote.id, walletId: 'wal_0002', reference: 'cv-2' })).rejects.toThrow();
      await expect(fx.createQuote({ sell: 'EUR', buy: 'JPY', sellAmount: eur(2000n), reference: 'q-1' })).rejects.toThrow();
      await expect(fx.convert({ quoteId: 'qt_nope', walletId: 'wal_0001', reference: 'cv-3' })).rejects.toThrow();
      const big = await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur(100_000_000n) });
      await expect(fx.convert({ quoteId: big.id, walletId: 'wal_0002', reference: 'cv-4' })).rejects.toThrow();
    } finally {
      await fx.close();
    }
    expect(await raw(proxy, 'GET', '/api/wallets/wal_0001')).toBe(200);
    expect(await raw(proxy, 'GET', '/api/wallets/wal_nope')).toBe(404);
    expect(await raw(proxy, 'GET', '/api/quotes/qt_000001')).toBe(200);
    expect(await raw(proxy, 'GET', '/api/conversions/cv_000001')).toBe(200);
    expect(await raw(proxy, 'GET', '/api/conversions?client_ref=')).toBe(422);
    expect(await raw(proxy, 'GET', '/api/wallets')).toBe(422);
    expect(await raw(proxy, 'POST', '/api/quotes', '{"sell_ccy":"EUR","buy_ccy":"EUR","sell_amount":"1.00"}')).toBe(422);
    expect(await raw(proxy, 'POST', '/api/quotes', '{"sell_ccy":"EUR",')).toBe(400);
    expect(await raw(proxy, 'POST', '/api/quotes', `{"pad":"${'x'.repeat(1024 * 1024)}"}`)).toBe(413);
    expect(await raw(proxy, 'POST', '/api/conversions/cv_nope/reversal', '{"client_ref":"x"}')).toBe(404);
    expect(await raw(proxy, 'GET', '/api/nothing-here')).toBe(404);

    const found = await findings(proxy, (body, url) => body.endsWith(',') || body.length > 1024 * 1024 || url.endsWith('client_ref=') || url === '/api/wallets');
    // The unknown route is rightly not in the document; every other exchange, answers and refusals, follows it.
    expect(found.wrong).toEqual(['GET /api/nothing-here 404: route the fx-wallet API has no operation GET /api/nothing-here']);
    expect(found.deliberate).not.toEqual([]);
    expect(proxy.exchanges.map((e) => e.status)).toEqual(expect.arrayContaining([200, 201, 400, 404, 409, 413, 422]));
  });
});

describe('the notifier simulator and connector, against schema/legacy-apis/notifier.openapi.yaml', () => {
  it('every route, with its replays and refusals, follows the document', async () => {
    const proxy = await behindProxy('notifier', await createNotifierSimulator({ failureRate: 0 }).listen(0));
    const flaky = await behindProxy('notifier', await createNotifierSimulator({ failureRate: 1 }).listen(0));
    const notifier = new NotifierConnector({ baseUrl: proxy.url, retry: { retries: 0 } });
    const down = new NotifierConnector({ baseUrl: flaky.url, retry: { retries: 0 } });
    const message = { channel: 'sms' as const, to: '+4930555010', template: 'card_issued', params: { last4: '1234' }, reference: 'n-1' };
    try {
      await notifier.send(message);
      await notifier.send(message);
      await notifier.send({ channel: 'push', to: 'device-token-0001', template: 'payment_sent', params: {}, reference: 'n-2' });
      await notifier.find('n-1');
      await notifier.find('never-sent');
      await expect(notifier.send({ ...message, template: 'other' })).rejects.toThrow();
      await expect(notifier.send({ ...message, to: 'not a number', reference: 'n-3' })).rejects.toThrow();
      await expect(down.send({ ...message, reference: 'n-4' })).rejects.toThrow();
    } finally {
      await Promise.all([notifier.close(), down.close()]);
    }
    expect(await raw(proxy, 'GET', '/v1/messages')).toBe(200);
    expect(await raw(proxy, 'GET', '/v1/messages/msg_00000001')).toBe(200);
    expect(await raw(proxy, 'GET', '/v1/messages/msg_nope')).toBe(404);
    expect(await raw(proxy, 'POST', '/v1/messages', '{"channel":')).toBe(400);

    const deliberate = (body: string) => body.includes('not a number') || body.endsWith(':');
    const found = [await findings(proxy, deliberate), await findings(flaky, deliberate)];
    expect(found.flatMap((f) => f.wrong)).toEqual([]);
    expect(found.flatMap((f) => f.deliberate)).not.toEqual([]);
    expect(proxy.exchanges.map((e) => e.status)).toEqual(expect.arrayContaining([200, 202, 409, 422, 404, 400]));
    expect(flaky.exchanges.map((e) => e.status)).toEqual([503]);
  });
});

describe('the risk-scoring simulator and connector, against schema/legacy-apis/risk-scoring.openapi.yaml', () => {
  it('every route, with its replays and refusals, follows the document', async () => {
    const proxy = await behindProxy('risk-scoring', await createRiskScoringSimulator().listen(0));
    // One call a second, so the 429 and its Retry-After are on the wire too.
    const limited = await behindProxy('risk-scoring', await createRiskScoringSimulator({ ratePerSecond: 1, now: () => new Date(0) }).listen(0));
    const risk = new RiskScoringConnector({ baseUrl: proxy.url, apiKey: DEFAULT_API_KEY, retry: { retries: 0 } });
    const throttled = new RiskScoringConnector({ baseUrl: limited.url, apiKey: DEFAULT_API_KEY, retry: { retries: 0 } });
    const party: OnboardingScoreInput = {
      customerId: 'cust-0500',
      firstName: 'Ida',
      lastName: 'Wire',
      dateOfBirth: '1979-09-09',
      country: 'NL',
      kycOutcome: 'CLEAR',
      kycVendorReference: 'app_0500',
      reference: 'rs-1',
    };
    let scoreId = '';
    try {
      scoreId = (await risk.scoreOnboarding(party)).scoreId;
      await risk.scoreOnboarding(party);
      await risk.scoreOnboarding({ ...party, customerId: 'cust-0501', kycOutcome: 'CONSIDER', country: 'MM', reference: 'rs-2' });
      await risk.getScore(scoreId);
      await risk.latestScore('cust-0500');
      await risk.latestScore('cust-0009');
      await risk.latestScores(['cust-0001', 'cust-0008', 'cust-0500']);
      await expect(risk.scoreOnboarding({ ...party, lastName: 'Other' })).rejects.toThrow();
      await expect(risk.getScore('rsk_9999')).rejects.toThrow();
      await throttled.latestScore('cust-0001');
      await expect(throttled.latestScore('cust-0001')).rejects.toThrow();
    } finally {
      await Promise.all([risk.close(), throttled.close()]);
    }
    const key = { authorization: `Bearer ${DEFAULT_API_KEY}` };
    expect(await raw(proxy, 'GET', '/v1/scores/rsk_0001')).toBe(401);
    expect(await raw(proxy, 'GET', '/v1/latest-scores', undefined, key)).toBe(422);
    expect(await raw(proxy, 'POST', '/v1/scores', '{"reference":"rs-3","purpose":"onboarding","party":{},"kyc":{}}', key)).toBe(422);
    expect(await raw(proxy, 'POST', '/v1/scores', '{"reference":', key)).toBe(400);
    expect(await raw(proxy, 'POST', '/v1/scores', `{"pad":"${'x'.repeat(1024 * 1024)}"}`, key)).toBe(413);
    await fetch(`${proxy.url}/__faults`, { method: 'POST', body: JSON.stringify({ errorRate: 1 }) });
    expect(await raw(proxy, 'GET', `/v1/scores/${scoreId}`, undefined, key)).toBe(503);
    await fetch(`${proxy.url}/__faults`, { method: 'DELETE' });
    expect(await raw(proxy, 'GET', '/v1/nothing-here', undefined, key)).toBe(404);

    // The admin calls (/__faults) are the simulator's, not the API's: left out, as the conformance run never records them.
    const recorded = (p: RecordingProxy) => p.exchanges.filter((e) => !e.url.startsWith('/__'));
    proxy.exchanges.splice(0, proxy.exchanges.length, ...recorded(proxy));
    const deliberate = (body: string, url: string) => body.includes('"party":{}') || body.endsWith(':') || body.length > 1024 * 1024 || url === '/v1/latest-scores';
    const found = [await findings(proxy, deliberate), await findings(limited, deliberate)];
    // The unauthenticated call is rightly flagged for its missing key, the unknown route for not being in the document.
    expect(found.flatMap((f) => f.wrong)).toEqual([
      'GET /v1/scores/rsk_0001 401: auth the request does not carry the credentials the operation asks for (apiKey)',
      'GET /v1/nothing-here 404: route the risk-scoring API has no operation GET /v1/nothing-here',
    ]);
    expect(found.flatMap((f) => f.deliberate)).not.toEqual([]);
    expect(proxy.exchanges.map((e) => e.status)).toEqual(expect.arrayContaining([200, 201, 400, 401, 404, 409, 413, 422, 503]));
    expect(limited.exchanges.map((e) => e.status)).toEqual([200, 429]);
  });
});
