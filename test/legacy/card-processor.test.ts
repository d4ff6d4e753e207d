import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { isLuhnValid, luhnCheckDigit, panFromToken } from '../../legacy/card-processor/data.js';
import { createCardProcessorSimulator, FULFILLMENT_STEP_MS, SANDBOX_ACCESS_TOKEN, SANDBOX_APPLICATION_TOKEN } from '../../legacy/card-processor/server.js';

/** The simulator as Marqeta's Core API v3: HTTP Basic, users before cards, client tokens, transitions, paging. */

const BASIC = { authorization: `Basic ${Buffer.from(`${SANDBOX_APPLICATION_TOKEN}:${SANDBOX_ACCESS_TOKEN}`).toString('base64')}` };

interface Reply {
  status: number;
  // The simulator's JSON, loosely typed on purpose: these tests read the vendor's dialect field by field.
  body: any;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = BASIC): Promise<Reply> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

function expectError(reply: Reply, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.body).toEqual({ error_code: String(status), error_message: expect.any(String) });
}

describe('card-processor simulator (Marqeta Core API v3)', () => {
  let sim: RunningSimulator;
  let clock = new Date('2026-11-20T10:00:00Z');
  const call = client(() => sim.url);

  beforeAll(async () => {
    sim = await createCardProcessorSimulator({ now: () => clock }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await call('DELETE', '/__faults');
  });

  it('wants HTTP Basic with the application token and the admin access token on every /v3 route', async () => {
    expectError(await call('GET', '/v3/cards/crd_000101', undefined, {}), 401);
    const wrong = { authorization: `Basic ${Buffer.from(`${SANDBOX_APPLICATION_TOKEN}:nope`).toString('base64')}` };
    expectError(await call('GET', '/v3/cards/crd_000101', undefined, wrong), 401);
    expectError(await call('GET', '/v3/cards/crd_000101', undefined, { 'x-api-key': 'sandbox-card-key' }), 401);
    expect((await call('GET', '/v3/cards/crd_000101')).status).toBe(200);
  });

  it("serves cust-0001's cards as SANDBOX.md says, the PAN masked unless show_pan=true", async () => {
    const { status, body } = await call('GET', '/v3/cards/crd_000101');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      token: 'crd_000101',
      user_token: 'cust-0001',
      card_product_token: 'sandbox-debit-classic',
      last_four: '1111',
      pan: '411111______1111',
      expiration: '0928',
      expiration_time: '2028-09-30T23:59:59Z',
      state: 'ACTIVE',
      fulfillment_status: 'DELIVERED',
      pin_is_set: true,
    });
    expect((await call('GET', '/v3/cards/crd_000101?show_pan=true')).body.pan).toBe('4111111111111111');
    const mine = await call('GET', '/v3/cards/user/cust-0001');
    expect(mine.body).toMatchObject({ count: 2, start_index: 0, end_index: 1, is_more: false });
    expect(mine.body.data.map((c: { token: string; state: string }) => [c.token, c.state]).sort()).toEqual([
      ['crd_000101', 'ACTIVE'],
      ['crd_000102', 'SUSPENDED'],
    ]);
    expect(JSON.stringify(mine.body)).not.toContain('4111111111111111');
    expect((await call('GET', '/v3/cards/user/cust-0002')).body).toEqual({ count: 0, start_index: 0, end_index: 0, is_more: false, data: [] });
  });

  it("gives each card its product's daily velocity control, through the user's controls", async () => {
    const { body } = await call('GET', '/v3/velocitycontrols?user=cust-0001&count=10');
    expect(body.is_more).toBe(false);
    expect(body.data.map((v: { association: { card_product_token: string }; amount_limit: number; velocity_window: string }) => [v.association.card_product_token, v.amount_limit, v.velocity_window]).sort()).toEqual([
      ['sandbox-credit-gold', 5000, 'DAY'],
      ['sandbox-debit-classic', 2500, 'DAY'],
    ]);
    expectError(await call('GET', '/v3/velocitycontrols?user=cust-0001&count=11'), 400);
  });

  it('issues a card only to a user it knows, of a product it has; a token names one card for good', async () => {
    const card = { token: 'crd_sim_issue_1', user_token: 'cust-0950', card_product_token: 'sandbox-debit-classic' };
    expectError(await call('POST', '/v3/cards', card), 404); // no such user yet
    expect((await call('POST', '/v3/users', { token: 'cust-0950' })).status).toBe(201);
    expect((await call('POST', '/v3/users', { token: 'cust-0950' })).status).toBe(201); // same payload: the same user
    expectError(await call('POST', '/v3/users', { token: 'cust-0950', first_name: 'Other' }), 409);
    expectError(await call('POST', '/v3/cards', { ...card, card_product_token: 'no-such-product' }), 404);

    const first = await call('POST', '/v3/cards', card);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ token: 'crd_sim_issue_1', state: 'UNACTIVATED', fulfillment_status: 'ISSUED', user_token: 'cust-0950' });
    expect(first.body.pan).toMatch(/^\d{6}_+\d{4}$/);
    const again = await call('POST', '/v3/cards', card);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expectError(await call('POST', '/v3/cards', { ...card, card_product_token: 'sandbox-debit-virtual' }), 409);
    expect((await call('GET', '/v3/cards/user/cust-0950')).body.count).toBe(1);
    expectError(await call('POST', '/v3/cards', { ...card, token: 'x'.repeat(37) }), 400);
  });

  it('derives a valid PAN from the card token, the same in every instance', async () => {
    expect(luhnCheckDigit('411111111111111')).toBe('1');
    expect(isLuhnValid(panFromToken('crd_a', false))).toBe(true);
    expect(panFromToken('crd_a', false)).toBe(panFromToken('crd_a', false));
    expect(panFromToken('crd_a', true)).toMatch(/^5[1-5]/);
  });

  it("moves cards only through card transitions, by Marqeta's state machine, once per transition token", async () => {
    await call('POST', '/v3/users', { token: 'cust-0951' });
    await call('POST', '/v3/cards', { token: 'crd_sim_life', user_token: 'cust-0951', card_product_token: 'sandbox-debit-classic' });
    const move = (token: string, state: string, extra: Record<string, unknown> = {}) =>
      call('POST', '/v3/cardtransitions', { token, card_token: 'crd_sim_life', state, channel: 'API', reason_code: '01', ...extra });

    const activated = await move('trn_sim_1', 'ACTIVE');
    expect(activated.status).toBe(201);
    expect(activated.body).toMatchObject({ token: 'trn_sim_1', card_token: 'crd_sim_life', user_token: 'cust-0951', state: 'ACTIVE', type: 'state.activated', channel: 'API' });
    expect((await move('trn_sim_1', 'ACTIVE')).body).toEqual(activated.body); // the same transition again
    expectError(await move('trn_sim_1', 'SUSPENDED'), 409); // its token for another move
    expect((await move('trn_sim_2', 'SUSPENDED')).body.type).toBe('state.suspended');
    expect((await move('trn_sim_3', 'ACTIVE')).body.type).toBe('state.reinstated');
    expect((await move('trn_sim_4', 'TERMINATED')).body.type).toBe('state.terminated');
    expectError(await move('trn_sim_5', 'ACTIVE'), 400); // a terminated card stays terminated
    expectError(await move('trn_sim_6', 'LIMITED'), 400); // not a state a transition can ask for
    expectError(await move('trn_sim_7', 'SUSPENDED', { channel: 'PHONE' }), 400);
    expect((await call('GET', '/v3/cardtransitions/trn_sim_2')).body).toMatchObject({ card_token: 'crd_sim_life', state: 'SUSPENDED' });
    expectError(await call('GET', '/v3/cardtransitions/trn_never'), 404);
    expect((await call('GET', '/v3/cards/crd_sim_life')).body.state).toBe('TERMINATED');
  });

  it('pages lists by count (1 to 10, default 5) and start_index, with is_more', async () => {
    await call('POST', '/v3/users', { token: 'cust-0952' });
    for (let i = 0; i < 7; i++) await call('POST', '/v3/cards', { token: `crd_sim_page_${i}`, user_token: 'cust-0952', card_product_token: 'sandbox-debit-virtual' });
    const first = await call('GET', '/v3/cards/user/cust-0952');
    expect(first.body).toMatchObject({ count: 5, start_index: 0, end_index: 4, is_more: true });
    const rest = await call('GET', '/v3/cards/user/cust-0952?start_index=5&count=10');
    expect(rest.body).toMatchObject({ count: 2, start_index: 5, end_index: 6, is_more: false });
    const tokens = [...first.body.data, ...rest.body.data].map((c: { token: string }) => c.token);
    expect(new Set(tokens).size).toBe(7);
    expectError(await call('GET', '/v3/cards/user/cust-0952?count=0'), 400);
  });

  it('moves a physical card through fulfillment with time up to SHIPPED, and to DELIVERED by the admin route', async () => {
    const start = clock;
    try {
      await call('POST', '/v3/users', { token: 'cust-0953' });
      await call('POST', '/v3/cards', { token: 'crd_sim_ship', user_token: 'cust-0953', card_product_token: 'sandbox-debit-classic' });
      await call('POST', '/v3/cards', { token: 'crd_sim_virtual', user_token: 'cust-0953', card_product_token: 'sandbox-debit-virtual' });
      const status = async (token: string) => (await call('GET', `/v3/cards/${token}`)).body.fulfillment_status;
      clock = new Date(start.getTime() + FULFILLMENT_STEP_MS - 1);
      expect(await status('crd_sim_ship')).toBe('ISSUED');
      clock = new Date(start.getTime() + FULFILLMENT_STEP_MS);
      expect(await status('crd_sim_ship')).toBe('ORDERED');
      clock = new Date(start.getTime() + 10 * FULFILLMENT_STEP_MS);
      expect(await status('crd_sim_ship')).toBe('SHIPPED');
      expect(await status('crd_sim_virtual')).toBe('ISSUED'); // nothing to ship
      expect((await call('POST', '/__cards/crd_sim_ship/fulfillment/advance')).body.fulfillment_status).toBe('DELIVERED');
      expectError(await call('POST', '/__cards/crd_sim_ship/fulfillment/advance'), 400);
    } finally {
      clock = start;
    }
  });

  it('counts calls in /__stats and obeys /__faults', async () => {
    expect((await call('DELETE', '/__stats')).status).toBe(204);
    await call('GET', '/v3/cards/crd_000101');
    await call('GET', '/v3/cards/user/cust-0001');
    await call('GET', '/v3/cards/user/cust-0003');
    const stats = await call('GET', '/__stats');
    expect(stats.body).toEqual({ system: 'card-processor', total: 3, routes: { 'GET /v3/cards/:token': 1, 'GET /v3/cards/user/:token': 2 }, traceparents: [null, null, null] });

    expect((await call('POST', '/__faults', { route: 'GET /v3/cards/:token', errorRate: 1 })).status).toBe(201);
    expectError(await call('GET', '/v3/cards/crd_000101'), 500);
    expect((await call('GET', '/v3/cards/user/cust-0001')).status).toBe(200); // other routes unaffected

    await call('POST', '/__faults', { down: true });
    await expect(call('GET', '/v3/cards/user/cust-0001')).rejects.toThrow();
    expect((await call('GET', '/__faults')).body.faults).toHaveLength(2);
    expect((await call('DELETE', '/__faults')).status).toBe(204);
    expect((await call('GET', '/v3/cards/crd_000101')).status).toBe(200);
  });

  it("answers an unknown route in Marqeta's error shape", async () => {
    expectError(await call('GET', '/v2/cards'), 404);
  });
});
