import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CardProcessorConnector, tokenFor } from '../../connectors/card-processor/index.js';
import { SANDBOX_CARD_PRODUCTS } from '../../connectors/factory.js';
import { onLegacyCall } from '../../connectors/http.js';
import type { Card } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { toDecimalString } from '../../lib/money.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createCardProcessorSimulator, SANDBOX_ACCESS_TOKEN, SANDBOX_APPLICATION_TOKEN } from '../../legacy/card-processor/server.js';

const CREDENTIALS = { applicationToken: SANDBOX_APPLICATION_TOKEN, accessToken: SANDBOX_ACCESS_TOKEN, products: SANDBOX_CARD_PRODUCTS };
const customers = (n: number, from = 1) => Array.from({ length: n }, (_, i) => `cust-${String(from + i).padStart(4, '0')}`);

/** JSON of anything the connector returns, bigints included (Money.minor), so it can be searched for PANs. */
function json(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
}
const PAN_RUN = /\d{13,19}/;

async function admin(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}
async function stats(sim: RunningSimulator): Promise<{ total: number; routes: Record<string, number> }> {
  return (await admin(sim, 'GET', '/__stats')) as { total: number; routes: Record<string, number> };
}

/** The rejection of `promise`, which must be an UpstreamError. */
async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

describe('CardProcessorConnector', () => {
  let sim: RunningSimulator;
  let cards: CardProcessorConnector;
  const extra: CardProcessorConnector[] = [];
  const connector = (options: Partial<ConstructorParameters<typeof CardProcessorConnector>[0]> = {}) => {
    const c = new CardProcessorConnector({ baseUrl: sim.url, ...CREDENTIALS, ...options });
    extra.push(c);
    return c;
  };

  beforeAll(async () => {
    sim = await createCardProcessorSimulator().listen(0);
    cards = new CardProcessorConnector({ baseUrl: sim.url, ...CREDENTIALS });
  });
  afterEach(async () => {
    await admin(sim, 'DELETE', '/__faults');
  });
  afterAll(async () => {
    await Promise.all([cards, ...extra].map((c) => c.close()));
    await sim.close();
  });

  it("normalises cust-0001's two cards exactly", async () => {
    const [mine] = await cards.getCardsOfCustomers(['cust-0001']);
    const byId = new Map((mine ?? []).map((c) => [c.id, c]));
    expect([...byId.keys()].sort()).toEqual(['crd_000101', 'crd_000102']);
    const visa = byId.get('crd_000101')!;
    const mc = byId.get('crd_000102')!;
    expect(visa).toEqual({
      id: 'crd_000101',
      customerId: 'cust-0001',
      last4: '1111',
      expiry: '2028-09',
      status: 'ACTIVE',
      fulfilment: 'DELIVERED',
      product: 'DEBIT_CLASSIC',
      scheme: 'VISA',
      dailyLimit: { minor: 250000n, currency: 'EUR' },
      accountId: null,
    } satisfies Card);
    expect(toDecimalString(visa.dailyLimit!)).toBe('2500.00');
    expect(mc).toMatchObject({ last4: '4444', expiry: '2027-03', status: 'FROZEN', scheme: 'MASTERCARD', product: 'CREDIT_GOLD' });
    expect(toDecimalString(mc.dailyLimit!)).toBe('5000.00');
    expect(mc.dailyLimit!.currency).toBe('EUR');
  });

  it('never lets a PAN out', async () => {
    const everything = {
      byCustomer: await cards.getCardsOfCustomers(customers(24)),
      byId: await cards.getCards(['crd_000101', 'crd_000102', 'crd_000301']),
      issued: await cards.issueCard({ customerId: 'cust-0950', product: 'CREDIT_GOLD', reference: 'pan-check' }),
    };
    const text = json(everything);
    expect(text).toContain('"last4":"1111"'); // the check would pass vacuously on an empty answer
    expect(text).not.toMatch(PAN_RUN);
    expect(text).not.toContain('4111111111111111');
    expect(text).not.toContain('pan');
    // A refusal carries neither the PAN nor the legacy message in what a client sees.
    const refused = await upstreamError(cards.activateCard('crd_000101', 'pan-check-activate'));
    expect(json({ message: refused.message, extensions: refused.extensions, detail: refused.detail })).not.toMatch(PAN_RUN);
  });

  it('reads each customer once, in input order: a card page and the velocity controls per customer', async () => {
    await admin(sim, 'DELETE', '/__stats');
    const ids = customers(20).reverse();
    const result = await cards.getCardsOfCustomers([...ids, ...ids]);
    const s = await stats(sim);
    // Marqeta has no read of many users' cards: one page of cards and one of controls per distinct customer.
    expect(s.routes['GET /v3/cards/user/:token']).toBe(20);
    expect(s.routes['GET /v3/velocitycontrols']).toBe(20);
    expect(s.total).toBe(40);
    expect(result).toHaveLength(40);
    result.slice(0, 20).forEach((list, i) => {
      const n = 20 - i;
      expect(list.map((c) => c.customerId)).toEqual(n === 1 ? ['cust-0001', 'cust-0001'] : n % 2 === 1 ? [ids[i]] : []);
    });
    expect(result[17]![0]).toMatchObject({ id: 'crd_000301', status: 'ACTIVE', scheme: 'VISA', product: 'DEBIT_CLASSIC' });
    expect(await cards.getCardsOfCustomers([])).toEqual([]);
  });

  it('pages through a user with more cards than one Marqeta page holds (10)', async () => {
    for (let i = 0; i < 12; i++) await cards.issueCard({ customerId: 'cust-0960', product: 'DEBIT_VIRTUAL', reference: `many-${i}` });
    await admin(sim, 'DELETE', '/__stats');
    const [list] = await cards.getCardsOfCustomers(['cust-0960']);
    expect(list).toHaveLength(12);
    expect(new Set(list!.map((c) => c.id)).size).toBe(12);
    expect((await stats(sim)).routes['GET /v3/cards/user/:token']).toBe(2);
  });

  it('reads cards by token, one call each, null for an unknown one', async () => {
    await admin(sim, 'DELETE', '/__stats');
    const byId = await cards.getCards(['crd_000301', 'crd_missing', 'crd_000101', 'crd_000301']);
    expect(byId.map((c) => c?.id ?? null)).toEqual(['crd_000301', null, 'crd_000101', 'crd_000301']);
    const s = await stats(sim);
    expect(s.routes['GET /v3/cards/:token']).toBe(3);
    // The daily limit comes from each holder's velocity controls: one read per holder.
    expect(s.routes['GET /v3/velocitycontrols']).toBe(2);
  });

  it('issues, activates, freezes, unfreezes and closes a card', async () => {
    const issued = await cards.issueCard({ customerId: 'cust-0951', product: 'DEBIT_CLASSIC', reference: 'life-issue' });
    expect(issued).toMatchObject({ customerId: 'cust-0951', status: 'INACTIVE', fulfilment: 'REQUESTED', scheme: 'VISA', product: 'DEBIT_CLASSIC' });
    expect(issued.last4).toMatch(/^\d{4}$/);
    expect(issued.expiry).toMatch(/^20\d{2}-(0[1-9]|1[0-2])$/);

    expect((await cards.activateCard(issued.id, 'life-activate')).status).toBe('ACTIVE');
    expect((await cards.activateCard(issued.id, 'life-activate')).status).toBe('ACTIVE'); // replay
    expect((await cards.setCardStatus(issued.id, 'FROZEN', 'life-freeze')).status).toBe('FROZEN');
    expect((await cards.setCardStatus(issued.id, 'ACTIVE', 'life-unfreeze')).status).toBe('ACTIVE');
    expect((await cards.setCardStatus(issued.id, 'CLOSED', 'life-close')).status).toBe('CLOSED');

    const reopen = await upstreamError(cards.setCardStatus(issued.id, 'ACTIVE', 'life-reopen'));
    expect(reopen.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(reopen.system).toBe('card-processor');
    expect(reopen.extensions).toMatchObject({ code: 'UPSTREAM_REJECTED', service: 'card-processor' });
    expect(reopen.detail).toMatchObject({ status: 400, legacyCode: '400' });
    expect(reopen.message).not.toMatch(/TERMINATED|cannot move/); // legacy text only in detail
    expect(reopen.detail.legacyMessage).toMatch(/TERMINATED/);

    expect(await cards.findRequest('life-freeze')).toEqual({ cardId: issued.id });
    expect(await cards.findRequest('never-sent')).toBeNull();
    expect((await cards.getCards([issued.id]))[0]?.status).toBe('CLOSED');
  });

  it('creates the Marqeta user before the first card of a customer it does not know', async () => {
    const res = await fetch(`${sim.url}/v3/users/cust-0970`, { headers: { authorization: `Basic ${Buffer.from(`${SANDBOX_APPLICATION_TOKEN}:${SANDBOX_ACCESS_TOKEN}`).toString('base64')}` } });
    expect(res.status).toBe(404);
    await admin(sim, 'DELETE', '/__stats');
    const card = await cards.issueCard({ customerId: 'cust-0970', product: 'DEBIT_CLASSIC', reference: 'new-holder' });
    expect(card).toMatchObject({ id: tokenFor('card', 'new-holder'), customerId: 'cust-0970' });
    const s = await stats(sim);
    expect(s.routes['GET /v3/users/:token']).toBe(1);
    expect(s.routes['POST /v3/users']).toBe(1);
    expect(s.routes['POST /v3/cards']).toBe(1);
    // The next card of that customer finds the user.
    await cards.issueCard({ customerId: 'cust-0970', product: 'DEBIT_VIRTUAL', reference: 'new-holder-2' });
    expect((await stats(sim)).routes['POST /v3/users']).toBe(1);
  });

  it('issues one card for one reference, however often it is sent', async () => {
    const input = { customerId: 'cust-0952', product: 'DEBIT_CLASSIC', reference: 'once-only' };
    const first = await cards.issueCard(input);
    const second = await cards.issueCard(input);
    expect(second).toEqual(first);
    const [list] = await cards.getCardsOfCustomers(['cust-0952']);
    expect(list).toHaveLength(1);
    expect(list![0]!.id).toBe(first.id);
  });

  it("retries an issue whose answer was lost, and issues one card: the token derived from the reference makes it safe", async () => {
    // The processor issues the card, then the answer is lost; the retry must find that card, not make a second.
    await admin(sim, 'POST', '/__faults', { route: 'POST /v3/cards', lostResponseRate: 1 });
    await admin(sim, 'DELETE', '/__stats');
    const stop = onLegacyCall((e) => {
      if (e.system === 'card-processor' && e.outcome === 'unavailable') void admin(sim, 'DELETE', '/__faults');
    });
    let issued: Card;
    try {
      issued = await connector({ retry: { retries: 2, baseDelayMs: 200 } }).issueCard({ customerId: 'cust-0954', product: 'DEBIT_CLASSIC', reference: 'lost-issue' });
    } finally {
      stop();
    }
    expect((await stats(sim)).routes['POST /v3/cards']).toBe(2);
    const [list] = await cards.getCardsOfCustomers(['cust-0954']);
    expect(list?.map((c) => c.id)).toEqual([issued.id]);
  });

  it('maps not found, refusals and bad input to our codes', async () => {
    const missing = await upstreamError(cards.activateCard('crd_nope', 'nf-1'));
    expect(missing.code).toBe(ErrorCode.NOT_FOUND);
    expect(missing.detail).toMatchObject({ status: 404, legacyCode: '404' });
    // The same reference for another customer's card: Marqeta's 409 (the token names another card).
    const reused = await upstreamError(cards.issueCard({ customerId: 'cust-0953', product: 'DEBIT_CLASSIC', reference: 'once-only' }));
    expect(reused.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(reused.detail).toMatchObject({ status: 409, legacyCode: '409' });
    // A product this installation did not configure is refused before anything is sent.
    expect((await upstreamError(cards.issueCard({ customerId: 'cust-0001', product: 'PLATINUM', reference: 'no-product' }))).code).toBe(ErrorCode.UPSTREAM_REJECTED);

    // Our credentials refused: every attempt would fail the same way, so it is not retried.
    const wrongKey = connector({ accessToken: 'not-the-token', retry: { retries: 2, baseDelayMs: 1 } });
    await admin(sim, 'DELETE', '/__stats');
    const refused = await upstreamError(wrongKey.getCards(['crd_000101']));
    expect(refused.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(refused.detail).toMatchObject({ status: 401, retryable: false });
    expect((await stats(sim)).total).toBe(1);
  });

  it('answers UPSTREAM_UNAVAILABLE naming card-processor when it is down', async () => {
    await admin(sim, 'POST', '/__faults', { down: true });
    const err = await upstreamError(connector({ retry: { baseDelayMs: 1 } }).getCardsOfCustomers(['cust-0001']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.system).toBe('card-processor');
    expect(err.extensions.service).toBe('card-processor');
    expect(err.message).toContain('card-processor');
  });

  it('answers 5xx as UPSTREAM_UNAVAILABLE', async () => {
    await admin(sim, 'POST', '/__faults', { errorRate: 1 });
    const err = await upstreamError(connector({ retry: { retries: 0 } }).getCards(['crd_000101']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail).toMatchObject({ status: 500, legacyCode: '500' });
    expect(err.message).not.toContain('injected');
  });

  it('answers UPSTREAM_TIMEOUT when the processor does not answer in time', async () => {
    await admin(sim, 'POST', '/__faults', { timeoutRate: 1 });
    await admin(sim, 'DELETE', '/__stats');
    // The processor never answers: only the connector's own deadline can end the call, and the error says it did.
    const err = await upstreamError(connector({ timeoutMs: 200 }).getCards(['crd_000101']));
    expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(err.system).toBe('card-processor');
    expect(err.message).toContain('within 200 ms');
    expect(err.originalError?.name).toBe('TimeoutError'); // the 200 ms abort signal fired
    expect((await stats(sim)).total).toBe(1); // and the timeout, having spent the caller's budget, is not retried
  });

  it('opens the breaker after repeated failures and then answers at once without calling', async () => {
    const fragile = connector({ retry: { retries: 0 }, breaker: { threshold: 3, halfOpenAfterMs: 60_000 } });
    await admin(sim, 'POST', '/__faults', { errorRate: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await upstreamError(fragile.getCards(['crd_000101']))).detail.status).toBe(500);
    }
    expect(fragile.http.breakerState).toBe('open');

    await admin(sim, 'DELETE', '/__faults');
    await admin(sim, 'DELETE', '/__stats');
    const outcomes: string[] = [];
    const stop = onLegacyCall((e) => void (e.system === 'card-processor' && outcomes.push(e.outcome)));
    let err: UpstreamError;
    try {
      err = await upstreamError(fragile.getCardsOfCustomers(['cust-0001']));
    } finally {
      stop();
    }
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.detail.legacyCode).toBe('BREAKER_OPEN');
    // At once: both of the customer's reads (cards, velocity controls) were refused by the breaker, and the
    // processor never saw a call.
    expect(outcomes).toEqual(['breaker-open', 'breaker-open']);
    expect((await stats(sim)).total).toBe(0);
    // A connector with its own breaker still gets through: the system itself is fine again.
    expect(await cards.getCards(['crd_000101'])).toHaveLength(1);
  });
});
