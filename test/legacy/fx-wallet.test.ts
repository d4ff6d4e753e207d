import { XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { createFxWalletSimulator } from '../../legacy/fx-wallet/server.js';

/** The FX wallet simulator's dialect, spoken directly over HTTP. */

const START = Date.parse('2026-11-20T12:00:00.000Z');
let nowMs = START;
let sim: RunningSimulator;

interface Answer {
  status: number;
  contentType: string;
  text: string;
  // The dialect's JSON is read field by field in assertions; typing every shape here would only restate the server.
  json: any;
}

async function api(method: string, path: string, body?: unknown, base = sim.url): Promise<Answer> {
  const res = await fetch(`${base}${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  return { status: res.status, contentType, text, json: text && contentType.includes('json') ? JSON.parse(text) : undefined };
}

async function pockets(walletId: string): Promise<Record<string, string>> {
  const res = await api('GET', `/api/wallets/${walletId}`);
  expect(res.status).toBe(200);
  return Object.fromEntries((res.json.pockets as { ccy: string; bal: string }[]).map((p) => [p.ccy, p.bal]));
}

beforeAll(async () => {
  sim = await createFxWalletSimulator({ now: () => new Date(nowMs) }).listen(0);
});
afterAll(async () => {
  await sim.close();
});
afterEach(async () => {
  nowMs = START;
  await api('DELETE', '/__faults');
});

describe('reference rates', () => {
  it('are the ECB eurofxref-daily.xml, EUR based, with the sandbox rates', async () => {
    const res = await api('GET', '/api/rates/eurofxref-daily.xml');
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('text/xml');
    expect(res.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<gesmes:Envelope')).toBe(true);
    expect(res.text).toContain(
      '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">',
    );
    expect(res.text).toContain('<gesmes:subject>Reference rates</gesmes:subject>');
    expect(res.text).toMatch(/<gesmes:Sender>\s*<gesmes:name>European Central Bank<\/gesmes:name>\s*<\/gesmes:Sender>/);

    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false }).parse(res.text, true);
    const dated = doc['gesmes:Envelope'].Cube.Cube;
    expect(dated.time).toBe('2026-11-20');
    const rates = (dated.Cube as { currency: string; rate: string }[]).map((c) => [c.currency, c.rate]);
    expect(rates).toEqual([
      ['USD', '1.0842'], ['JPY', '162.35'], ['GBP', '0.8531'], ['CHF', '0.9427'], ['SEK', '11.2350'],
      ['NOK', '11.6540'], ['DKK', '7.4590'], ['PLN', '4.3120'], ['CZK', '25.120'], ['HUF', '395.40'],
      ['CAD', '1.4890'], ['AUD', '1.6420'], ['SGD', '1.4560'], ['HKD', '8.4350'], ['INR', '90.125'],
      // The rest of the ECB's 30 currencies (legacy/SANDBOX.md).
      ['BGN', '1.9558'], ['RON', '5.0838'], ['ISK', '141.60'], ['TRY', '48.7114'], ['BRL', '6.2526'],
      ['CNY', '8.2626'], ['IDR', '19272.67'], ['ILS', '3.8174'], ['KRW', '1660.38'], ['MXN', '21.4006'],
      ['MYR', '4.9086'], ['NZD', '2.0287'], ['PHP', '67.761'], ['THB', '38.071'], ['ZAR', '20.1148'],
    ]);
    expect(res.text).not.toContain('currency="EUR"');
  });
});

describe('wallets', () => {
  it('answer a batch by owner, balances as strings with four places', async () => {
    const res = await api('GET', '/api/wallets?owner_ids=cust-0001,cust-0009,cust-0024,cust-0002,nobody');
    expect(res.status).toBe(200);
    const wallets = res.json.wallets as { wallet_id: string; owner_id: string; status: string; pockets: { ccy: string; bal: string }[] }[];
    // cust-0009 has no wallet; unknown owners are left out.
    expect(wallets.map((w) => [w.owner_id, w.wallet_id, w.status])).toEqual([
      ['cust-0001', 'wal_0001', 'active'],
      ['cust-0024', 'wal_0024', 'active'],
      ['cust-0002', 'wal_0002', 'active'],
    ]);
    expect(wallets[0]?.pockets).toEqual([
      { ccy: 'EUR', bal: '1500.0000' },
      { ccy: 'USD', bal: '820.5000' },
      { ccy: 'GBP', bal: '240.0000' },
      { ccy: 'JPY', bal: '12000.0000' },
    ]);
    expect(wallets[1]?.pockets).toEqual([{ ccy: 'EUR', bal: '2400.0000' }]);
    for (const p of wallets.flatMap((w) => w.pockets)) expect(typeof p.bal === 'string' && /^\d+\.\d{4}$/.test(p.bal)).toBe(true);
  });

  it('answer one wallet by id, 404 NOT_FOUND otherwise; a batch needs 1 to 100 owners', async () => {
    expect(await pockets('wal_0003')).toEqual({ EUR: '300.0000' });
    const missing = await api('GET', '/api/wallets/wal_0009');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('NOT_FOUND');
    expect((await api('GET', '/api/wallets')).json.code).toBe('VALIDATION');
    const many = Array.from({ length: 101 }, (_, i) => `x-${i}`).join(',');
    expect((await api('GET', `/api/wallets?owner_ids=${many}`)).status).toBe(422);
  });
});

describe('quotes', () => {
  it('price through EUR less the 50 bp spread, rounding the amounts in the wallet favour', async () => {
    const sell = await api('POST', '/api/quotes', { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '100.00' });
    expect(sell.status).toBe(201);
    // 1.0842 * 0.995 = 1.078779; 100.00 * 1.078779 = 107.8779, rounded down to 107.87.
    expect(sell.json).toMatchObject({ sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '100.00', buy_amount: '107.87', rate: '1.078779' });
    expect(sell.json.quote_id).toMatch(/^qt_/);
    expect(sell.json.expires_at).toBe(START / 1000 + 30);

    // 162.35 / 0.8531 * 0.995 = 189.3544133161 JPY per GBP; 1000 JPY / 189.3544133161 = 5.2811... rounded up to 5.29.
    const buy = await api('POST', '/api/quotes', { sell_ccy: 'GBP', buy_ccy: 'JPY', buy_amount: '1000' });
    expect(buy.status).toBe(201);
    expect(buy.json).toMatchObject({ sell_amount: '5.29', buy_amount: '1000', rate: '189.3544133161' });
  });

  it('refuse unknown currencies, both or neither amounts, and too many decimal places with 422 VALIDATION', async () => {
    const bad = [
      { sell_ccy: 'EUR', buy_ccy: 'KWD', sell_amount: '1.00' },
      { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '1.00', buy_amount: '1.00' },
      { sell_ccy: 'EUR', buy_ccy: 'USD' },
      { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '1.001' },
      { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: 1 },
      { sell_ccy: 'EUR', buy_ccy: 'EUR', sell_amount: '1.00' },
      { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '-1.00' },
    ];
    for (const body of bad) {
      const res = await api('POST', '/api/quotes', body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.json.code).toBe('VALIDATION');
      expect(typeof res.json.detail).toBe('string');
    }
    expect((await api('POST', '/api/quotes', { sell_ccy: 'EUR', buy_ccy: 'KWD', sell_amount: '1.00' })).json.detail).toContain('KWD');
  });

  it('with a client_ref are idempotent', async () => {
    const body = { sell_ccy: 'EUR', buy_ccy: 'CHF', sell_amount: '10.00', client_ref: 'legacy-q-1' };
    const first = await api('POST', '/api/quotes', body);
    const again = await api('POST', '/api/quotes', body);
    expect([first.status, again.status]).toEqual([201, 200]);
    expect(again.json.quote_id).toBe(first.json.quote_id);
    expect((await api('POST', '/api/quotes', { ...body, sell_amount: '11.00' })).status).toBe(409);
  });
});

async function quote(sell: string, buy: string, sellAmount: string): Promise<string> {
  const res = await api('POST', '/api/quotes', { sell_ccy: sell, buy_ccy: buy, sell_amount: sellAmount });
  expect(res.status).toBe(201);
  return res.json.quote_id as string;
}

describe('conversions', () => {
  it('move money between pockets, creating the buy pocket, once per client_ref', async () => {
    const quoteId = await quote('EUR', 'GBP', '50.00');
    const body = { quote_id: quoteId, wallet_id: 'wal_0002', client_ref: 'legacy-c-1' };
    const first = await api('POST', '/api/conversions', body);
    expect(first.status).toBe(201);
    // 0.8531 * 0.995 = 0.8488345 GBP per EUR; 50.00 EUR -> 42.441725, rounded down to 42.44 GBP.
    expect(first.json).toMatchObject({
      status: 'completed',
      sell: { ccy: 'EUR', amount: '50.00' },
      buy: { ccy: 'GBP', amount: '42.44' },
    });
    expect(await pockets('wal_0002')).toEqual({ EUR: '150.0000', GBP: '42.4400' });

    const again = await api('POST', '/api/conversions', body);
    expect(again.status).toBe(200);
    expect(again.json.conversion_id).toBe(first.json.conversion_id);
    expect(await pockets('wal_0002')).toEqual({ EUR: '150.0000', GBP: '42.4400' });

    const reused = await api('POST', '/api/conversions', { ...body, client_ref: 'legacy-c-2' });
    expect(reused.status).toBe(409);
    expect(reused.json.code).toBe('QUOTE_USED');
    const otherQuote = await quote('EUR', 'GBP', '1.00');
    expect((await api('POST', '/api/conversions', { ...body, quote_id: otherQuote })).json.code).toBe('CLIENT_REF_REUSED');
    expect(await pockets('wal_0002')).toEqual({ EUR: '150.0000', GBP: '42.4400' });
  });

  it('refuse an expired quote with 409 QUOTE_EXPIRED', async () => {
    const quoteId = await quote('EUR', 'USD', '10.00');
    nowMs = START + 30_000;
    const res = await api('POST', '/api/conversions', { quote_id: quoteId, wallet_id: 'wal_0005', client_ref: 'legacy-c-exp' });
    expect(res.status).toBe(409);
    expect(res.json.code).toBe('QUOTE_EXPIRED');
    expect(await pockets('wal_0005')).toEqual({ EUR: '500.0000' });

    nowMs = START;
    const fresh = await quote('EUR', 'USD', '10.00');
    nowMs = START + 29_999;
    expect((await api('POST', '/api/conversions', { quote_id: fresh, wallet_id: 'wal_0005', client_ref: 'legacy-c-ok' })).status).toBe(201);
  });

  it('keep a quote for its whole TTL, whatever fraction of a second it was made in', async () => {
    const short = await createFxWalletSimulator({ quoteTtlSeconds: 1, now: () => new Date(nowMs) }).listen(0);
    try {
      nowMs = START + 900; // late in a second: counting from the whole second would leave it 100 ms
      const q = await api('POST', '/api/quotes', { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '10.00' }, short.url);
      expect(q.json.expires_at).toBe(Math.floor((START + 1900) / 1000)); // whole seconds on the wire, never later
      nowMs = START + 1_899;
      const ok = await api('POST', '/api/conversions', { quote_id: q.json.quote_id, wallet_id: 'wal_0001', client_ref: 'ttl-ok' }, short.url);
      expect(ok.status).toBe(201);
      nowMs = START + 900;
      const late = await api('POST', '/api/quotes', { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '10.00' }, short.url);
      nowMs = START + 1_900;
      const res = await api('POST', '/api/conversions', { quote_id: late.json.quote_id, wallet_id: 'wal_0001', client_ref: 'ttl-late' }, short.url);
      expect(res.json.code).toBe('QUOTE_EXPIRED');
    } finally {
      await short.close();
    }
  });

  it('with quoteTtlSeconds 0 a quote is expired at once; spreadBasisPoints 0 quotes the mid rate', async () => {
    const other = await createFxWalletSimulator({ quoteTtlSeconds: 0, spreadBasisPoints: 0 }).listen(0);
    try {
      const q = await api('POST', '/api/quotes', { sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '100.00' }, other.url);
      expect(q.json).toMatchObject({ rate: '1.0842', buy_amount: '108.42' });
      const res = await api('POST', '/api/conversions', { quote_id: q.json.quote_id, wallet_id: 'wal_0001', client_ref: 'x' }, other.url);
      expect(res.json.code).toBe('QUOTE_EXPIRED');
    } finally {
      await other.close();
    }
  });

  it('refuse more than the sell pocket holds with 422 INSUFFICIENT_FUNDS', async () => {
    const quoteId = await quote('EUR', 'USD', '600.01');
    const res = await api('POST', '/api/conversions', { quote_id: quoteId, wallet_id: 'wal_0006', client_ref: 'legacy-c-poor' });
    expect(res.status).toBe(422);
    expect(res.json.code).toBe('INSUFFICIENT_FUNDS');
    expect(await pockets('wal_0006')).toEqual({ EUR: '600.0000' });
    const noPocket = await quote('CHF', 'EUR', '1.00');
    expect((await api('POST', '/api/conversions', { quote_id: noPocket, wallet_id: 'wal_0006', client_ref: 'r' })).json.code).toBe(
      'INSUFFICIENT_FUNDS',
    );
  });

  it('reverse at the original amounts, once per client_ref, and can be found by either reference', async () => {
    const quoteId = await quote('EUR', 'JPY', '100.00');
    const conv = await api('POST', '/api/conversions', { quote_id: quoteId, wallet_id: 'wal_0004', client_ref: 'legacy-c-rev' });
    expect(conv.status).toBe(201);
    // 162.35 * 0.995 = 161.53825 JPY per EUR; 100.00 EUR -> 16153 JPY (rounded down).
    expect(conv.json.buy).toEqual({ ccy: 'JPY', amount: '16153' });
    expect(await pockets('wal_0004')).toEqual({ EUR: '300.0000', JPY: '16153.0000' });

    const path = `/api/conversions/${conv.json.conversion_id}/reversal`;
    const rev = await api('POST', path, { client_ref: 'legacy-r-1' });
    expect(rev.status).toBe(201);
    expect(rev.json).toMatchObject({ conversion_id: conv.json.conversion_id, status: 'reversed', reversal: { client_ref: 'legacy-r-1' } });
    expect(await pockets('wal_0004')).toEqual({ EUR: '400.0000', JPY: '0.0000' });

    expect((await api('POST', path, { client_ref: 'legacy-r-1' })).status).toBe(200);
    expect((await api('POST', path, { client_ref: 'legacy-r-2' })).json.code).toBe('ALREADY_REVERSED');
    expect(await pockets('wal_0004')).toEqual({ EUR: '400.0000', JPY: '0.0000' });
    expect((await api('POST', '/api/conversions/cv_999999/reversal', { client_ref: 'x' })).status).toBe(404);

    for (const ref of ['legacy-c-rev', 'legacy-r-1']) {
      const found = await api('GET', `/api/conversions?client_ref=${ref}`);
      expect(found.json.conversions.map((c: { conversion_id: string }) => c.conversion_id)).toEqual([conv.json.conversion_id]);
    }
    expect((await api('GET', '/api/conversions?client_ref=never-used')).json).toEqual({ conversions: [] });
  });
});

describe('admin routes', () => {
  it('/__stats counts calls per route', async () => {
    expect((await api('DELETE', '/__stats')).status).toBe(204);
    await api('GET', '/api/wallets?owner_ids=cust-0001');
    await api('GET', '/api/wallets?owner_ids=cust-0002');
    await api('GET', '/api/wallets/wal_0001');
    const stats = await api('GET', '/__stats');
    expect(stats.json).toEqual({ system: 'fx-wallet', total: 3, routes: { 'GET /api/wallets': 2, 'GET /api/wallets/:wallet_id': 1 }, traceparents: [null, null, null] });
  });

  it('/__faults injects the wallet own 5xx and resets connections; unknown routes are NOT_FOUND', async () => {
    const added = await api('POST', '/__faults', { route: 'GET /api/rates/eurofxref-daily.xml', errorRate: 1 });
    expect(added.status).toBe(201);
    const failed = await api('GET', '/api/rates/eurofxref-daily.xml');
    expect(failed.status).toBe(500);
    expect(failed.json).toEqual({ code: 'INTERNAL', detail: 'fx-wallet injected fault' });
    expect((await api('GET', '/api/wallets/wal_0001')).status).toBe(200);

    await api('POST', '/__faults', { down: true });
    await expect(api('GET', '/api/wallets/wal_0001')).rejects.toThrow();
    expect((await api('GET', '/__faults')).json.faults).toHaveLength(2);
    expect((await api('DELETE', '/__faults')).status).toBe(204);
    expect((await api('GET', '/api/rates/eurofxref-daily.xml')).status).toBe(200);

    const unknown = await api('GET', '/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.json.code).toBe('NOT_FOUND');
  });
});
