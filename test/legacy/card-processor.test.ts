import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { isLuhnValid, luhnCheckDigit } from '../../legacy/card-processor/data.js';
import { createCardProcessorSimulator, FULFILMENT_STEP_MS } from '../../legacy/card-processor/server.js';

const KEY = 'sandbox-card-key';

interface Reply {
  status: number;
  // The simulator's JSON, loosely typed on purpose: these tests read the legacy dialect field by field.
  body: any;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = { 'x-api-key': KEY }): Promise<Reply> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

function expectError(reply: Reply, status: number, type: string): void {
  expect(reply.status).toBe(status);
  expect(reply.body.error).toMatchObject({ type });
  expect(reply.body.error.message).toEqual(expect.any(String));
  expect(reply.body.error.request_id).toMatch(/^req_/);
}

describe('card-processor simulator', () => {
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

  it('requires the API key on every /v2 route', async () => {
    expectError(await call('GET', '/v2/cards/crd_000101', undefined, {}), 401, 'unauthorized');
    expectError(await call('GET', '/v2/cards/crd_000101', undefined, { 'x-api-key': 'wrong' }), 401, 'unauthorized');
    expectError(await call('POST', '/v2/cards', { customer_ref: 'cust-0002', product_code: 'DEBIT_CLASSIC', request_ref: 'no-key' }, {}), 401, 'unauthorized');
    const ok = await call('GET', '/v2/cards/crd_000101');
    expect(ok.status).toBe(200);
  });

  it('serves cust-0001 cards exactly as SANDBOX.md says', async () => {
    const { status, body } = await call('GET', '/v2/cards/crd_000101');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      card_id: 'crd_000101',
      customer_ref: 'cust-0001',
      pan: '4111111111111111',
      expiry: '0928',
      state: 'ACTIVE',
      network: 'VISA',
      product_code: 'DEBIT_CLASSIC',
      fulfilment: { status: 'DELIVERED', updated_at: expect.any(Number) },
      spend_limits: { daily: { amount_minor: 250000, currency_numeric: '978' } },
      created_at: expect.any(Number),
    });
    const second = await call('GET', '/v2/cards/crd_000102');
    expect(second.body).toMatchObject({ pan: '5555555555554444', expiry: '0327', state: 'SUSPENDED', network: 'MASTERCARD', product_code: 'CREDIT_GOLD' });
    expect(second.body.spend_limits.daily).toEqual({ amount_minor: 500000, currency_numeric: '978' });
    expectError(await call('GET', '/v2/cards/crd_nope'), 404, 'card_not_found');
  });

  it('reads cards of many customers in one batch call', async () => {
    const { status, body } = await call('GET', '/v2/cards?customer_refs=cust-0001,cust-0002,cust-0003,cust-0099');
    expect(status).toBe(200);
    expect(body.has_more).toBe(false);
    expect(body.data.map((c: { card_id: string }) => c.card_id)).toEqual(['crd_000102', 'crd_000101', 'crd_000301']);
    expect(body.data[2]).toMatchObject({ customer_ref: 'cust-0003', state: 'ACTIVE', network: 'VISA' });
    expect(isLuhnValid(body.data[2].pan)).toBe(true);

    const byIds = await call('GET', '/v2/cards?card_ids=crd_000301,crd_missing,crd_000101');
    expect(byIds.body.data.map((c: { card_id: string }) => c.card_id)).toEqual(['crd_000301', 'crd_000101']);

    const all = Array.from({ length: 24 }, (_, i) => `cust-${String(i + 1).padStart(4, '0')}`);
    const everyone = await call('GET', `/v2/cards?customer_refs=${all.join(',')}`);
    expect(everyone.body.data).toHaveLength(13); // 12 odd customers, cust-0001 with two

    const tooMany = Array.from({ length: 201 }, (_, i) => `cust-${i}`).join(',');
    expectError(await call('GET', `/v2/cards?customer_refs=${tooMany}`), 400, 'invalid_request');
    expectError(await call('GET', '/v2/cards'), 400, 'invalid_request');
    expectError(await call('GET', '/v2/cards?customer_refs=cust-0001&card_ids=crd_000101'), 400, 'invalid_request');
  });

  it('issues a card once per request_ref', async () => {
    const request = { customer_ref: 'cust-0902', product_code: 'DEBIT_CLASSIC', request_ref: 'issue-ref-1' };
    const first = await call('POST', '/v2/cards', request);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ customer_ref: 'cust-0902', state: 'UNACTIVATED', network: 'VISA', fulfilment: { status: 'REQUESTED' } });
    expect(first.body.pan).toMatch(/^4\d{15}$/);
    expect(isLuhnValid(first.body.pan)).toBe(true);
    expect(first.body.expiry).toBe('1130'); // four years from the simulator's clock

    const again = await call('POST', '/v2/cards', request);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const cards = await call('GET', '/v2/cards?customer_refs=cust-0902');
    expect(cards.body.data).toHaveLength(1);

    expectError(await call('POST', '/v2/cards', { ...request, customer_ref: 'cust-0904' }), 409, 'invalid_request');
    expectError(await call('POST', '/v2/cards', { customer_ref: 'cust-0904', product_code: 'DEBIT_CLASSIC' }), 400, 'invalid_request');

    const seen = await call('GET', '/v2/requests/issue-ref-1');
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ request_ref: 'issue-ref-1', type: 'card_issuance', status: 'SUCCEEDED', card_id: first.body.card_id });
    expect(seen.body.fingerprint).toBeUndefined();
    expectError(await call('GET', '/v2/requests/never-sent'), 404, 'invalid_request');
  });

  it('derives a valid PAN from the request_ref, the same in every instance', async () => {
    expect(luhnCheckDigit('411111111111111')).toBe('1');
    expect(isLuhnValid('5555555555554444')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    const other = await createCardProcessorSimulator({ now: () => clock }).listen(0);
    try {
      const body = { customer_ref: 'cust-0906', product_code: 'CREDIT_GOLD', request_ref: 'pan-ref' };
      const a = await call('POST', '/v2/cards', body);
      const b = await client(() => other.url)('POST', '/v2/cards', body);
      expect(a.body.pan).toMatch(/^5[1-5]\d{14}$/);
      expect(b.body.pan).toBe(a.body.pan);
      expect(b.body.card_id).toBe(a.body.card_id);
      expect(a.body.spend_limits.daily).toEqual({ amount_minor: 500000, currency_numeric: '978' });
    } finally {
      await other.close();
    }
  });

  it('refuses transitions the state machine does not allow (409)', async () => {
    const issued = await call('POST', '/v2/cards', { customer_ref: 'cust-0908', product_code: 'DEBIT_CLASSIC', request_ref: 'sm-issue' });
    const id: string = issued.body.card_id;
    const state = (s: string, ref: string) => call('PUT', `/v2/cards/${id}/state`, { state: s, reason: 'TEST', request_ref: ref });

    expectError(await state('SUSPENDED', 'sm-early-freeze'), 409, 'invalid_state_transition');
    expectError(await state('ACTIVE', 'sm-state-activate'), 409, 'invalid_state_transition');

    const activated = await call('POST', `/v2/cards/${id}/activation`, { request_ref: 'sm-activate' });
    expect(activated.status).toBe(200);
    expect(activated.body.state).toBe('ACTIVE');
    const replay = await call('POST', `/v2/cards/${id}/activation`, { request_ref: 'sm-activate' });
    expect(replay.status).toBe(200);
    expect(replay.body.state).toBe('ACTIVE');
    expectError(await call('POST', `/v2/cards/${id}/activation`, { request_ref: 'sm-activate-2' }), 409, 'invalid_state_transition');
    expectError(await state('ACTIVE', 'sm-active-again'), 409, 'invalid_state_transition');

    expect((await state('SUSPENDED', 'sm-freeze')).body.state).toBe('SUSPENDED');
    expect((await state('ACTIVE', 'sm-unfreeze')).body.state).toBe('ACTIVE');
    expect((await state('TERMINATED', 'sm-close')).body.state).toBe('TERMINATED');
    expect((await state('TERMINATED', 'sm-close')).status).toBe(200); // replay

    expectError(await state('ACTIVE', 'sm-reopen'), 409, 'invalid_state_transition');
    expectError(await state('SUSPENDED', 'sm-refreeze'), 409, 'invalid_state_transition');
    expectError(await state('TERMINATED', 'sm-close-2'), 409, 'invalid_state_transition');
    expectError(await call('POST', `/v2/cards/${id}/activation`, { request_ref: 'sm-activate-3' }), 409, 'invalid_state_transition');
    expectError(await state('BROKEN', 'sm-bad'), 400, 'invalid_request');
    expectError(await call('PUT', `/v2/cards/${id}/state`, { state: 'SUSPENDED', request_ref: 'sm-no-reason' }), 400, 'invalid_request');
    expectError(await state('ACTIVE', 'sm-freeze'), 409, 'invalid_request'); // a reference reused for another change
    const lateReplay = await state('SUSPENDED', 'sm-freeze'); // a replay answers with the card as it is now
    expect(lateReplay.status).toBe(200);
    expect(lateReplay.body.state).toBe('TERMINATED');
    expectError(await call('POST', '/v2/cards/crd_nope/activation', { request_ref: 'x-1' }), 404, 'card_not_found');

    const seen = await call('GET', '/v2/requests/sm-freeze');
    expect(seen.body).toMatchObject({ type: 'card_state_change', card_id: id });
  });

  it('advances fulfilment with time up to SHIPPED, and to DELIVERED by the helper', async () => {
    const issued = await call('POST', '/v2/cards', { customer_ref: 'cust-0910', product_code: 'DEBIT_CLASSIC', request_ref: 'ful-1' });
    const id: string = issued.body.card_id;
    const status = async () => (await call('GET', `/v2/cards/${id}`)).body.fulfilment.status;
    const start = clock;
    try {
      expect(await status()).toBe('REQUESTED');
      clock = new Date(start.getTime() + FULFILMENT_STEP_MS - 1);
      expect(await status()).toBe('REQUESTED');
      clock = new Date(start.getTime() + FULFILMENT_STEP_MS);
      expect(await status()).toBe('PRODUCED');
      clock = new Date(start.getTime() + 10 * FULFILMENT_STEP_MS);
      expect(await status()).toBe('SHIPPED');
      const advanced = await call('POST', `/v2/cards/${id}/fulfilment/advance`);
      expect(advanced.body.fulfilment).toEqual({ status: 'DELIVERED', updated_at: clock.getTime() });
      expectError(await call('POST', `/v2/cards/${id}/fulfilment/advance`), 409, 'invalid_state_transition');
    } finally {
      clock = start;
    }
  });

  it('counts calls in /__stats and obeys /__faults', async () => {
    expect((await call('DELETE', '/__stats')).status).toBe(204);
    await call('GET', '/v2/cards/crd_000101');
    await call('GET', '/v2/cards?customer_refs=cust-0001');
    await call('GET', '/v2/cards?card_ids=crd_000101');
    const stats = await call('GET', '/__stats');
    expect(stats.body).toEqual({ system: 'card-processor', total: 3, routes: { 'GET /v2/cards/:card_id': 1, 'GET /v2/cards': 2 }, traceparents: [null, null, null] });

    const added = await call('POST', '/__faults', { route: 'GET /v2/cards/:card_id', errorRate: 1 });
    expect(added.status).toBe(201);
    expectError(await call('GET', '/v2/cards/crd_000101'), 500, 'processor_error');
    expect((await call('GET', '/v2/cards?card_ids=crd_000101')).status).toBe(200); // other routes unaffected

    await call('POST', '/__faults', { down: true });
    await expect(call('GET', '/v2/cards?card_ids=crd_000101')).rejects.toThrow();
    expect((await call('GET', '/__faults')).body.faults).toHaveLength(2);
    expect((await call('DELETE', '/__faults')).status).toBe(204);
    expect((await call('GET', '/v2/cards/crd_000101')).status).toBe(200);
  });

  it('answers an unknown route in its own dialect', async () => {
    expectError(await call('GET', '/v1/cards'), 404, 'invalid_request');
  });
});
