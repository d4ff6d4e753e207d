import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotifierConnector } from '../../connectors/notifier/index.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { createNotifierSimulator } from '../../legacy/notifier/server.js';

const EMAIL = 'amelia.hartmann@example.com';

/** An admin or read call; its JSON is loosely typed on purpose (`any`): tests read the legacy dialect field by field. */
async function admin(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

const input = (reference: string, o: Partial<Parameters<NotifierConnector['send']>[0]> = {}) => ({
  channel: 'email' as const,
  to: EMAIL,
  template: 'payment_sent',
  params: { amount: '12.34 EUR' },
  reference,
  ...o,
});

describe('NotifierConnector', () => {
  const sims: RunningSimulator[] = [];
  const connectors: NotifierConnector[] = [];
  const start = async (options: Parameters<typeof createNotifierSimulator>[0]) => {
    const sim = await createNotifierSimulator(options).listen(0);
    sims.push(sim);
    return sim;
  };
  const connector = (sim: RunningSimulator, o: Partial<ConstructorParameters<typeof NotifierConnector>[0]> = {}) => {
    const c = new NotifierConnector({ baseUrl: sim.url, ...o });
    connectors.push(c);
    return c;
  };
  let reliable: RunningSimulator;

  beforeAll(async () => {
    reliable = await start({ failureRate: 0 });
  });
  afterAll(async () => {
    await Promise.all(connectors.map((c) => c.close()));
    await Promise.all(sims.map((s) => s.close()));
  });

  it('sends once per reference and finds it again', async () => {
    const notifier = connector(reliable);
    const sent = await notifier.send(input('journey-1:notify'));
    expect(sent).toEqual({ messageId: expect.stringMatching(/^msg_/) });
    expect(await notifier.send(input('journey-1:notify'))).toEqual(sent);
    expect(await notifier.find('journey-1:notify')).toEqual(sent);
    expect(await notifier.find('journey-never')).toBeNull();
    const book = (await admin(reliable, 'GET', '/v1/messages')).messages;
    expect(book.filter((m: { idempotency_key: string }) => m.idempotency_key === 'journey-1:notify')).toHaveLength(1);
  });

  it('gets through a flaky notifier with retries, delivering exactly once', async () => {
    // Seed 7 at failureRate 0.5: the first two sends fail, the third goes through.
    const flaky = await start({ failureRate: 0.5, seed: 7 });
    const notifier = connector(flaky, { retry: { retries: 5, baseDelayMs: 1 } });
    const sent = await notifier.send(input('journey-2:notify', { channel: 'sms', to: '+49301234567' }));
    expect((await admin(flaky, 'GET', '/__stats')).routes['POST /v1/messages']).toBe(3);
    const book = (await admin(flaky, 'GET', '/v1/messages')).messages;
    expect(book).toEqual([expect.objectContaining({ message_id: sent.messageId, idempotency_key: 'journey-2:notify', channel: 'sms' })]);
  });

  it('answers UPSTREAM_UNAVAILABLE when every send fails, and nothing was sent', async () => {
    const broken = await start({ failureRate: 1 });
    const notifier = connector(broken, { retry: { retries: 2, baseDelayMs: 1 } });
    const err = await upstreamError(notifier.send(input('journey-3:notify')));
    expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(err.system).toBe('notifier');
    expect((await admin(broken, 'GET', '/__stats')).routes['POST /v1/messages']).toBe(3);
    expect(await notifier.find('journey-3:notify')).toBeNull();
  });

  it('maps a refused message to UPSTREAM_REJECTED without the recipient anywhere', async () => {
    const notifier = connector(reliable);
    const err = await upstreamError(notifier.send(input('journey-4:notify', { channel: 'sms', to: EMAIL })));
    expect(err.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(err.detail).toMatchObject({ status: 422, route: 'POST /v1/messages' });
    expect(err.detail.legacyMessage).toContain('field to');
    const seen = JSON.stringify({ message: err.message, extensions: err.extensions, detail: err.detail });
    expect(seen).not.toContain(EMAIL);
    expect(seen).not.toContain('example.com');
  });

  it('answers UPSTREAM_TIMEOUT when the notifier does not answer', async () => {
    await admin(reliable, 'POST', '/__faults', { timeoutRate: 1 });
    try {
      const err = await upstreamError(connector(reliable, { timeoutMs: 100 }).send(input('journey-5:notify')));
      expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    } finally {
      await admin(reliable, 'DELETE', '/__faults');
    }
  });
});
