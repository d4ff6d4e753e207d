import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFxWalletConnector } from '../../connectors/factory.js';
import { convertTotal, parseEcbRates, REFERENCE_RATES_SYSTEM, type FxWalletConnector } from '../../connectors/fx-wallet/index.js';
import { onLegacyCall, type LegacyCallEvent } from '../../connectors/http.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createFxWalletSimulator } from '../../legacy/fx-wallet/server.js';
import { findCurrency } from '../../lib/currency.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { moneyFromDecimalString, toDecimalString } from '../../lib/money.js';
import { vendorSpec } from '../../conformance/specs.js';

/**
 * The reference rates as the ECB publishes them: the feed's real layout (the published file in
 * ../shared/vendor-specs: 30 currencies, single-quoted attributes) is read whole, every currency in it is one
 * bankgraph knows with ISO 4217's minor units, and the feed's URL is configuration (FX_RATES_URL), read through a
 * client of its own.
 */
const ECB_FEED = vendorSpec('ecb-eurofxref-daily-2025-10-21.xml');
/** ISO 4217 minor units of the currencies without two (the rest of the ECB's 30 have two). */
const ISO_MINOR_UNITS: Record<string, number> = { JPY: 0, ISK: 0, KRW: 0 };

let feed: Server;
let feedUrl: string;
let feedCalls = 0;
let feedStatus = 200;
let wallet: RunningSimulator;
const connectors: FxWalletConnector[] = [];

async function walletRateCalls(): Promise<number> {
  const stats = (await (await fetch(`${wallet.url}/__stats`)).json()) as { routes: Record<string, number> };
  return stats.routes['GET /api/rates/eurofxref-daily.xml'] ?? 0;
}

function connector(env: Record<string, string>): FxWalletConnector {
  const c = createFxWalletConnector({ NODE_ENV: 'test', FX_RATES_TTL_MS: '0', ...env }, { baseUrl: wallet.url, retry: { retries: 0 } });
  connectors.push(c);
  return c;
}

beforeAll(async () => {
  feed = createServer((req, res) => {
    feedCalls++;
    if (req.url !== '/stats/eurofxref/eurofxref-daily.xml') return void res.writeHead(404).end();
    if (feedStatus !== 200) return void res.writeHead(feedStatus).end();
    res.writeHead(200, { 'content-type': 'text/xml' }).end(ECB_FEED);
  });
  await new Promise<void>((resolve) => feed.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/stats/eurofxref/eurofxref-daily.xml`;
  wallet = await createFxWalletSimulator().listen(0);
});
afterAll(async () => {
  await Promise.all(connectors.map((c) => c.close()));
  await wallet.close();
  await new Promise((resolve) => feed.close(resolve));
});

describe("the ECB's published feed", () => {
  it('is read whole: 30 currencies, each one bankgraph knows with its ISO 4217 minor units', () => {
    const rates = parseEcbRates(ECB_FEED);
    expect(rates.asOf).toBe('2025-10-21');
    expect(rates.rates.size).toBe(30);
    for (const code of rates.rates.keys()) {
      expect(findCurrency(code), code).toBeDefined();
      expect(findCurrency(code)?.exponent, code).toBe(ISO_MINOR_UNITS[code] ?? 2);
    }
  });

  it('converts into a currency without minor units exactly (ISK, KRW)', () => {
    const rates = parseEcbRates(ECB_FEED);
    const hundredEur = [moneyFromDecimalString('100.00', 'EUR')];
    expect(toDecimalString(convertTotal(hundredEur, 'ISK', rates))).toBe('14160');
    expect(toDecimalString(convertTotal(hundredEur, 'KRW', rates))).toBe('166038');
  });

  it("the wallet simulator's own copy carries the same 30 currencies", async () => {
    const own = parseEcbRates(await (await fetch(`${wallet.url}/api/rates/eurofxref-daily.xml`)).text());
    expect([...own.rates.keys()].sort()).toEqual([...parseEcbRates(ECB_FEED).rates.keys()].sort());
  });
});

describe('FX_RATES_URL', () => {
  it('reads the rates from the configured feed, not from the wallet, as the system fx-reference-rates', async () => {
    const events: LegacyCallEvent[] = [];
    const stop = onLegacyCall((e) => events.push(e));
    try {
      const before = await walletRateCalls();
      const calls = feedCalls;
      const rates = await connector({ FX_RATES_URL: feedUrl }).getRates();
      expect(rates.asOf).toBe('2025-10-21');
      expect(rates.rates.get('ZAR')).toEqual({ digits: 201148n, scale: 4 });
      expect(feedCalls).toBe(calls + 1);
      expect(await walletRateCalls()).toBe(before);
      expect(events.map((e) => e.system)).toEqual([REFERENCE_RATES_SYSTEM]);
    } finally {
      stop();
    }
  });

  it('unset, the rates come from the wallet as before', async () => {
    const before = await walletRateCalls();
    const calls = feedCalls;
    const rates = await connector({}).getRates();
    expect(rates.asOf).toBe('2026-11-20');
    expect(await walletRateCalls()).toBe(before + 1);
    expect(feedCalls).toBe(calls);
  });

  it("a failing feed is the feed's failure, named as its own system", async () => {
    feedStatus = 503;
    try {
      const err = await connector({ FX_RATES_URL: feedUrl }).getRates().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UpstreamError);
      expect((err as UpstreamError).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
      expect((err as UpstreamError).system).toBe(REFERENCE_RATES_SYSTEM);
    } finally {
      feedStatus = 200;
    }
  });

  it('a value that is not an absolute http(s) URL stops the start, as does a TTL that is not whole ms', () => {
    expect(() => connector({ FX_RATES_URL: 'eurofxref-daily.xml' })).toThrow(/FX|reference-rate URL/);
    expect(() => connector({ FX_RATES_URL: 'ftp://ecb.example/feed.xml' })).toThrow(/absolute http\(s\) URL/);
    expect(() => connector({ FX_RATES_TTL_MS: 'soon' })).toThrow(/FX_RATES_TTL_MS/);
    expect(() => connector({ FX_RATES_TTL_MS: '1.5' })).toThrow(/FX_RATES_TTL_MS/);
  });
});
