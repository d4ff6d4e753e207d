import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { createNotifierSimulator } from '../../legacy/notifier/server.js';

interface Reply {
  status: number;
  // The simulator's JSON, loosely typed on purpose: these tests read the notifier's dialect field by field.
  body: any;
}

function client(base: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const res = await fetch(`${base()}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

const message = (key: string, o: Record<string, unknown> = {}) => ({
  channel: 'email',
  to: 'amelia.hartmann@example.com',
  template: 'payment_sent',
  params: { amount: '12.34 EUR' },
  idempotency_key: key,
  ...o,
});

describe('notifier simulator', () => {
  const sims: RunningSimulator[] = [];
  const start = async (options: Parameters<typeof createNotifierSimulator>[0]) => {
    const sim = await createNotifierSimulator(options).listen(0);
    sims.push(sim);
    return { sim, call: client(() => sim.url) };
  };
  let reliable: Awaited<ReturnType<typeof start>>;

  beforeAll(async () => {
    reliable = await start({ failureRate: 0 });
  });
  afterEach(async () => {
    await reliable.call('DELETE', '/__faults');
  });
  afterAll(async () => {
    await Promise.all(sims.map((s) => s.close()));
  });

  it('refuses every send with 503 at failureRate 1, recording nothing', async () => {
    const { call } = await start({ failureRate: 1 });
    const reply = await call('POST', '/v1/messages', message('down-1'));
    expect(reply).toEqual({ status: 503, body: { error: 'temporarily unavailable' } });
    expect((await call('GET', '/v1/messages')).body).toEqual({ messages: [] });
    expect((await call('GET', '/v1/messages?idempotency_key=down-1')).body).toEqual({ messages: [] });
  });

  it('accepts a send at failureRate 0, once per idempotency key', async () => {
    const { call } = reliable;
    const first = await call('POST', '/v1/messages', message('once-1'));
    expect(first).toEqual({ status: 202, body: { message_id: expect.stringMatching(/^msg_/), status: 'queued' } });
    const again = await call('POST', '/v1/messages', message('once-1'));
    expect(again.status).toBe(200);
    expect(again.body.message_id).toBe(first.body.message_id);
    const book = (await call('GET', '/v1/messages')).body.messages.filter((m: { idempotency_key: string }) => m.idempotency_key === 'once-1');
    expect(book).toEqual([
      expect.objectContaining({ message_id: first.body.message_id, channel: 'email', template: 'payment_sent', status: 'delivered' }),
    ]);
    const found = (await call('GET', '/v1/messages?idempotency_key=once-1')).body.messages;
    expect(found.map((m: { message_id: string }) => m.message_id)).toEqual([first.body.message_id]);
    expect((await call('GET', `/v1/messages/${first.body.message_id}`)).body.params).toEqual({ amount: '12.34 EUR' });

    const reused = await call('POST', '/v1/messages', message('once-1', { template: 'card_issued' }));
    expect(reused.status).toBe(409);
  });

  it('validates messages with 422, never echoing the recipient', async () => {
    const { call } = reliable;
    const cases: [Record<string, unknown>, string][] = [
      [{ channel: 'fax' }, 'channel'],
      [{ channel: 'sms', to: '030 1234567' }, 'to'],
      [{ to: 'not-an-address' }, 'to'],
      [{ template: 'Bad Template!' }, 'template'],
      [{ params: { n: 5 } }, 'params'],
      [{ idempotency_key: '' }, 'idempotency_key'],
    ];
    for (const [change, field] of cases) {
      const reply = await call('POST', '/v1/messages', message('invalid-1', change));
      expect(reply.status, field).toBe(422);
      expect(reply.body.field, field).toBe(field);
      expect(JSON.stringify(reply.body)).not.toMatch(/030 1234567|not-an-address/);
    }
    expect((await call('POST', '/v1/messages', message('sms-1', { channel: 'sms', to: '+49301234567' }))).status).toBe(202);
    expect((await call('POST', '/v1/messages', message('push-1', { channel: 'push', to: 'device-token-0001' }))).status).toBe(202);
    expect((await call('GET', '/v1/messages?idempotency_key=invalid-1')).body.messages).toEqual([]);
  });

  it('fails the same sends every run for the same seed', async () => {
    const run = async () => {
      const { call } = await start({ failureRate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await call('POST', '/v1/messages', message(`seeded-${i}`))).status);
      return statuses;
    };
    const first = await run();
    expect(first).toContain(503);
    expect(first).toContain(202);
    expect(await run()).toEqual(first);
  });

  it('counts calls per route and takes faults', async () => {
    const { call } = reliable;
    await call('DELETE', '/__stats');
    await call('POST', '/__faults', { route: 'POST /v1/messages', errorRate: 1 });
    expect(await call('POST', '/v1/messages', message('fault-1'))).toEqual({ status: 503, body: { error: 'temporarily unavailable' } });
    await call('GET', '/v1/messages?idempotency_key=fault-1');
    expect((await call('GET', '/__stats')).body).toMatchObject({
      system: 'notifier',
      total: 2,
      routes: { 'POST /v1/messages': 1, 'GET /v1/messages': 1 },
    });
  });
});
