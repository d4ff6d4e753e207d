import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { convertTotal, FxWalletConnector, parseEcbRates, rate } from '../../connectors/fx-wallet/index.js';
import { onLegacyCall } from '../../connectors/http.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createFxWalletSimulator } from '../../legacy/fx-wallet/server.js';
import type { Wallet } from '../../lib/domain.js';
import { BankError, ErrorCode, UpstreamError } from '../../lib/errors.js';
import { moneyFromDecimalString, toDecimalString, type Money } from '../../lib/money.js';

const START = Date.parse('2026-11-20T12:00:00.000Z');
let nowMs = START;
let sim: RunningSimulator;
let fx: FxWalletConnector;
const extra: FxWalletConnector[] = [];

/** A connector of its own (own breaker, own rates cache), closed after the file. */
function connector(options: Partial<ConstructorParameters<typeof FxWalletConnector>[0]> = {}): FxWalletConnector {
  const c = new FxWalletConnector({ baseUrl: sim.url, retry: { baseDelayMs: 1, maxDelayMs: 5 }, ...options });
  extra.push(c);
  return c;
}

async function admin(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

async function calls(route: string): Promise<number> {
  const stats = (await admin('GET', '/__stats')) as { routes: Record<string, number> };
  return stats.routes[route] ?? 0;
}

const show = (pockets: readonly Money[]) => pockets.map((p) => [p.currency, toDecimalString(p)]);
const eur = (text: string) => moneyFromDecimalString(text, 'EUR');

async function caught(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

beforeAll(async () => {
  sim = await createFxWalletSimulator({ now: () => new Date(nowMs) }).listen(0);
  fx = connector();
});
afterAll(async () => {
  await Promise.all(extra.map((c) => c.close()));
  await sim.close();
});
afterEach(async () => {
  nowMs = START;
  await admin('DELETE', '/__faults');
});

describe('wallets', () => {
  it("cust-0001's pockets are exact, in minor units", async () => {
    const [wallet] = await fx.getWallets(['cust-0001']);
    expect(wallet?.id).toBe('wal_0001');
    expect(wallet?.customerId).toBe('cust-0001');
    expect(show(wallet?.pockets ?? [])).toEqual([
      ['EUR', '1500.00'],
      ['USD', '820.50'],
      ['GBP', '240.00'],
      ['JPY', '12000'],
    ]);
    expect(wallet?.pockets.map((p) => p.minor)).toEqual([150000n, 82050n, 24000n, 12000n]);
  });

  it('20 customers cost one call, answered in input order with null for no wallet', async () => {
    await admin('DELETE', '/__stats');
    const ids = Array.from({ length: 20 }, (_, i) => `cust-${String(20 - i).padStart(4, '0')}`);
    const wallets = await fx.getWallets([...ids, 'cust-0001', 'nobody', 'a,b']);
    expect(await calls('GET /api/wallets')).toBe(1);
    expect(wallets.map((w) => w?.customerId ?? null)).toEqual([
      ...ids.map((id) => (id === 'cust-0009' ? null : id)),
      'cust-0001',
      null,
      null,
    ]);
    expect(show((wallets[0] as Wallet).pockets)).toEqual([['EUR', '2000.00']]);
    expect(await fx.getWallets([])).toEqual([]);
  });
});

describe('reference rates', () => {
  it('are parsed exactly from the ECB XML', async () => {
    const rates = await connector().getRates();
    expect(rates.base).toBe('EUR');
    expect(rates.asOf).toBe('2026-11-20');
    expect(rates.rates.size).toBe(30);
    expect(rates.rates.get('USD')).toEqual({ digits: 10842n, scale: 4 });
    expect(rates.rates.get('CZK')).toEqual({ digits: 25120n, scale: 3 });
    expect(rates.rates.get('INR')).toEqual({ digits: 90125n, scale: 3 });
    expect(rates.rates.has('EUR')).toBe(false);
  });

  it('derive cross rates through EUR, 10 places half to even', async () => {
    const rates = await fx.getRates();
    // GBP->USD = 1.0842 / 0.8531, computed here independently: 10^10 * 10842 / 8531, half to even.
    const num = 10842n * 10n ** 10n;
    const q = num / 8531n;
    const twice = (num % 8531n) * 2n;
    const expected = twice > 8531n || (twice === 8531n && q % 2n === 1n) ? q + 1n : q;
    expect(expected).toBe(12708943852n); // 1.27089438518344859922... -> 1.2708943852
    expect(rate(rates, 'GBP', 'USD')).toEqual({ digits: expected, scale: 10 });
    expect(fx.rate(rates, 'GBP', 'USD')).toEqual({ digits: 12708943852n, scale: 10 });

    expect(rate(rates, 'EUR', 'USD')).toEqual({ digits: 10842n, scale: 4 }); // direct
    expect(rate(rates, 'USD', 'EUR')).toEqual({ digits: 9223390518n, scale: 10 }); // 1 / 1.0842 = 0.92233905183...
    expect(rate(rates, 'JPY', 'JPY')).toEqual({ digits: 1n, scale: 0 });
  });

  it('refuse an unknown currency with BAD_USER_INPUT naming it', async () => {
    const rates = await fx.getRates();
    for (const [from, to] of [['XYZ', 'EUR'], ['USD', 'KWD'], ['XYZ', 'XYZ']] as const) {
      let err: unknown;
      try {
        rate(rates, from, to);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BankError);
      expect((err as BankError).code).toBe(ErrorCode.BAD_USER_INPUT);
      expect((err as BankError).message).toContain(from === 'XYZ' ? 'XYZ' : 'KWD');
    }
    expect(() => convertTotal([eur('1.00')], 'XYZ', rates)).toThrow(/XYZ/);
  });

  it("total cust-0001's wallet in EUR exactly", async () => {
    const rates = await fx.getRates();
    const [wallet] = await fx.getWallets(['cust-0001']);
    // Each pocket at the exact inverse of its reference rate, the exact fractions summed, the sum rounded once:
    //   EUR 1500.00                          = 150000                cents
    //   USD 820.50 / 1.0842   = 82050 * 10^4 / 10842   =  75677.919... cents
    //   GBP 240.00 / 0.8531   = 24000 * 10^4 / 8531    =  28132.692... cents
    //   JPY 12000  / 162.35   = 12000 * 10^4 / 16235   =   7391.438... cents
    //   sum 261202.050... cents -> 261202 = EUR 2612.02
    const total = convertTotal(wallet?.pockets ?? [], 'EUR', rates);
    expect(total).toEqual({ minor: 261202n, currency: 'EUR' });
    expect(fx.convertTotal(wallet?.pockets ?? [], 'EUR', rates)).toEqual(total);
    expect(convertTotal([], 'USD', rates)).toEqual({ minor: 0n, currency: 'USD' });
  });

  it('round a total once, at the end: no rounded cross rate, no rounded pocket', async () => {
    const rates = await fx.getRates();
    // JPY -> USD is 1.0842 / 162.35 exactly. In cents: 100000007 * 100 * 10842 / (16235 * 100), half to even.
    const num = 100000007n * 10842n;
    const q = num / 16235n;
    const twice = (num % 16235n) * 2n;
    const exact = twice > 16235n || (twice === 16235n && q % 2n === 1n) ? q + 1n : q;
    expect(exact).toBe(66781649n); // 667816.4926... USD
    const jpy = { minor: 100000007n, currency: 'JPY' };
    // Through the 10-place cross rate (0.0066781645) it would be 66781650: a cent off.
    expect(convertTotal([jpy], 'USD', rates)).toEqual({ minor: exact, currency: 'USD' });

    // GBP 0.01 is 1.0842 / 0.8531 = 1.2709 US cents: 1 rounded alone, but four together are 5.0836 cents -> 5, not 4.
    const gbpCent = { minor: 1n, currency: 'GBP' };
    expect(convertTotal([gbpCent, gbpCent, gbpCent, gbpCent], 'USD', rates)).toEqual({ minor: 5n, currency: 'USD' });
  });

  it('are cached for ratesTtlMs, shared by concurrent callers, and refetched after invalidateRates', async () => {
    const c = connector();
    const route = 'GET /api/rates/eurofxref-daily.xml';
    await admin('DELETE', '/__stats');
    const first = await c.getRates();
    expect(await c.getRates()).toBe(first);
    expect(await calls(route)).toBe(1);
    c.invalidateRates();
    await c.getRates();
    expect(await calls(route)).toBe(2);

    c.invalidateRates();
    const together = await Promise.all(Array.from({ length: 5 }, () => c.getRates()));
    expect(new Set(together).size).toBe(1);
    expect(await calls(route)).toBe(3);

    const short = connector({ ratesTtlMs: 30 });
    await short.getRates();
    await short.getRates();
    expect(await calls(route)).toBe(4);
    await new Promise((r) => setTimeout(r, 60));
    await short.getRates();
    expect(await calls(route)).toBe(5);
  });

  it('refuse XML that is not ECB reference rates', () => {
    expect(() => parseEcbRates('<html><body>maintenance</body></html>')).toThrow();
    expect(() => parseEcbRates('<gesmes:Envelope><Cube><Cube time="2026-11-20"><Cube currency="USD" rate="1,08"/>')).toThrow();
    const ok = '<gesmes:Envelope xmlns:gesmes="g"><Cube><Cube time="2026-11-20"><Cube currency="USD" rate="1.08"/></Cube></Cube></gesmes:Envelope>';
    expect(parseEcbRates(ok).rates.get('USD')).toEqual({ digits: 108n, scale: 2 });
    expect(() => parseEcbRates(ok.replace('USD', 'EUR'))).toThrow(/EUR/);
    expect(() => parseEcbRates(ok.replace('1.08', '1e0'))).toThrow();
  });
});

describe('quotes and conversions', () => {
  it('quote, convert once per reference, find, and reverse', async () => {
    const quote = await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur('100.00'), reference: 'q-life' });
    expect(quote.sell).toEqual({ minor: 10000n, currency: 'EUR' });
    // 1.0842 less 50 bp = 1.078779; 100.00 EUR buys 107.87 USD (rounded down by the wallet).
    expect(quote.buy).toEqual({ minor: 10787n, currency: 'USD' });
    expect(quote.rate).toEqual({ digits: 1078779n, scale: 6 });
    expect(quote.expiresAt).toBe('2026-11-20T12:00:30.000Z');
    expect((await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur('100.00'), reference: 'q-life' })).id).toBe(quote.id);

    const done = await fx.convert({ quoteId: quote.id, walletId: 'wal_0001', reference: 'c-life' });
    expect(done).toEqual({ conversionId: expect.stringMatching(/^cv_/), sell: quote.sell, buy: quote.buy });
    const after = [['EUR', '1400.00'], ['USD', '928.37'], ['GBP', '240.00'], ['JPY', '12000']];
    expect(show((await fx.getWallets(['cust-0001']))[0]?.pockets ?? [])).toEqual(after);

    expect(await fx.convert({ quoteId: quote.id, walletId: 'wal_0001', reference: 'c-life' })).toEqual(done);
    expect(show((await fx.getWallets(['cust-0001']))[0]?.pockets ?? [])).toEqual(after);

    expect(await fx.findConversion('c-life')).toMatchObject({ conversionId: done.conversionId, status: 'COMPLETED', reversal: null });
    expect(await fx.findConversion('never-used')).toBeNull();

    const reversed = await fx.reverseConversion(done.conversionId, 'r-life');
    expect(reversed).toMatchObject({ status: 'REVERSED', reference: 'c-life', reversal: { reference: 'r-life' } });
    expect(await fx.reverseConversion(done.conversionId, 'r-life')).toEqual(reversed);
    expect(show((await fx.getWallets(['cust-0001']))[0]?.pockets ?? [])).toEqual([
      ['EUR', '1500.00'], ['USD', '820.50'], ['GBP', '240.00'], ['JPY', '12000'],
    ]);
    expect((await fx.findConversion('r-life'))?.conversionId).toBe(done.conversionId);
  });

  it('retries a conversion whose answer was lost, and converts once: the client_ref makes it safe', async () => {
    const quote = await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur('10.00') });
    await admin('POST', '/__faults', { route: 'POST /api/conversions', lostResponseRate: 1 });
    await admin('DELETE', '/__stats');
    const stop = onLegacyCall((e) => {
      if (e.system === 'fx-wallet' && e.outcome === 'unavailable') void admin('DELETE', '/__faults');
    });
    let done: { conversionId: string };
    try {
      done = await connector({ retry: { retries: 2, baseDelayMs: 200, maxDelayMs: 400 } }).convert({ quoteId: quote.id, walletId: 'wal_0006', reference: 'c-lost' });
    } finally {
      stop();
    }
    expect(await calls('POST /api/conversions')).toBe(2);
    expect(await fx.findConversion('c-lost')).toMatchObject({ conversionId: done.conversionId, status: 'COMPLETED' });
    // EUR 600.00 less 10.00, once.
    expect(show((await fx.getWallets(['cust-0006']))[0]?.pockets ?? [])).toEqual(expect.arrayContaining([['EUR', '590.00'], ['USD', toDecimalString(quote.buy)]]));
  });

  it('a buy-side quote carries the amount to buy', async () => {
    const quote = await fx.createQuote({ sell: 'GBP', buy: 'JPY', buyAmount: moneyFromDecimalString('1000', 'JPY') });
    expect(quote.sell).toEqual({ minor: 529n, currency: 'GBP' });
    expect(quote.buy).toEqual({ minor: 1000n, currency: 'JPY' });
  });

  it('an expired quote is QUOTE_EXPIRED, with no legacy text in the message', async () => {
    const quote = await fx.createQuote({ sell: 'EUR', buy: 'GBP', sellAmount: eur('10.00') });
    nowMs = START + 31_000;
    const err = await caught(fx.convert({ quoteId: quote.id, walletId: 'wal_0002', reference: 'c-expired' }));
    expect(err.code).toBe(ErrorCode.QUOTE_EXPIRED);
    expect(err.system).toBe('fx-wallet');
    expect(err.extensions.service).toBe('fx-wallet');
    expect(err.message).not.toContain(quote.id);
    expect(err.detail.legacyCode).toBe('QUOTE_EXPIRED');
  });

  it('maps the wallet refusals to our codes', async () => {
    const big = await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur('5000.00') });
    expect((await caught(fx.convert({ quoteId: big.id, walletId: 'wal_0003', reference: 'c-poor' }))).code).toBe(
      ErrorCode.INSUFFICIENT_FUNDS,
    );
    expect((await caught(fx.convert({ quoteId: 'qt_999999', walletId: 'wal_0003', reference: 'c-none' }))).code).toBe(ErrorCode.NOT_FOUND);

    const q = await fx.createQuote({ sell: 'EUR', buy: 'USD', sellAmount: eur('1.00') });
    await fx.convert({ quoteId: q.id, walletId: 'wal_0003', reference: 'c-used-1' });
    const used = await caught(fx.convert({ quoteId: q.id, walletId: 'wal_0003', reference: 'c-used-2' }));
    expect(used.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(used.detail.legacyCode).toBe('QUOTE_USED');

    // KWD is a currency bankgraph knows but the wallet does not trade: the wallet's VALIDATION.
    const kwd = await caught(fx.createQuote({ sell: 'EUR', buy: 'KWD', sellAmount: eur('1.00') }));
    expect(kwd.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(kwd.message).not.toContain('KWD');
  });

  it('refuses a malformed quote request before calling the wallet', async () => {
    const usd = moneyFromDecimalString('1.00', 'USD');
    const bad = [
      { sell: 'EUR', buy: 'USD' },
      { sell: 'EUR', buy: 'USD', sellAmount: eur('1.00'), buyAmount: usd },
      { sell: 'EUR', buy: 'USD', sellAmount: usd },
      { sell: 'EUR', buy: 'XYZ', sellAmount: eur('1.00') },
      { sell: 'EUR', buy: 'USD', sellAmount: eur('0.00') },
    ];
    await admin('DELETE', '/__stats');
    for (const input of bad) {
      await expect(fx.createQuote(input)).rejects.toMatchObject({ code: ErrorCode.BAD_USER_INPUT });
    }
    expect(await calls('POST /api/quotes')).toBe(0);
  });
});

describe('failures', () => {
  it('a wallet that is down is UPSTREAM_UNAVAILABLE naming fx-wallet', async () => {
    await admin('POST', '/__faults', { down: true });
    const err = await caught(connector().getWallets(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.system).toBe('fx-wallet');
    expect(err.extensions.service).toBe('fx-wallet');
    expect(err.message).toContain('fx-wallet');
  });

  it('a wallet nobody listens on is UPSTREAM_UNAVAILABLE', async () => {
    const gone = await createFxWalletSimulator().listen(0);
    await gone.close();
    const c = connector({ baseUrl: gone.url, retry: { retries: 0 } });
    expect((await caught(c.getRates())).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
  });

  it("the wallet's 5xx is UPSTREAM_UNAVAILABLE", async () => {
    await admin('POST', '/__faults', { errorRate: 1 });
    const err = await caught(connector({ retry: { retries: 0 } }).getWallets(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail.legacyCode).toBe('INTERNAL');
  });

  it('a wallet that does not answer within timeoutMs is UPSTREAM_TIMEOUT', async () => {
    await admin('POST', '/__faults', { route: 'GET /api/rates/eurofxref-daily.xml', timeoutRate: 1 });
    await admin('DELETE', '/__stats');
    // The wallet never answers: only the connector's own deadline can end the call, and the error says it did.
    const err = await caught(connector({ timeoutMs: 200 }).getRates());
    expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(err.system).toBe('fx-wallet');
    expect(err.message).toContain('within 200 ms');
    expect(err.originalError?.name).toBe('TimeoutError'); // the 200 ms abort signal fired
    // And the timeout, having spent the caller's budget, is not retried.
    expect(await calls('GET /api/rates/eurofxref-daily.xml')).toBe(1);
  });
});
