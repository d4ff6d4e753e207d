import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { OnfidoWebhookError, verifyOnfidoWebhook, type OnfidoWebhookEvent } from '../../connectors/kyc-provider/webhooks.js';
import { createKycProviderSimulator } from '../../legacy/kyc-provider/server.js';

const TOKEN = 'webhook-token-for-tests';
/** Onfido's signature, computed here independently of the code under test. */
const sign = (body: string, token = TOKEN) => createHmac('sha256', token).update(body).digest('hex');
const body = (payload: unknown) => JSON.stringify({ payload });
const completed = body({
  resource_type: 'check',
  action: 'check.completed',
  object: { id: 'c0000000-0000-4000-8000-000000000042', status: 'complete', completed_at_iso8601: '2026-11-20T10:00:05Z', href: '/v3.6/checks/c0000000-0000-4000-8000-000000000042' },
});

function refusal(raw: string, signature: string | undefined, token = TOKEN): OnfidoWebhookError {
  try {
    verifyOnfidoWebhook(raw, signature, token);
  } catch (err) {
    expect(err).toBeInstanceOf(OnfidoWebhookError);
    return err as OnfidoWebhookError;
  }
  throw new Error('the webhook was accepted');
}

describe('verifyOnfidoWebhook', () => {
  it('accepts a body signed with the webhook token and reads it into a typed event', () => {
    const event: OnfidoWebhookEvent = verifyOnfidoWebhook(completed, sign(completed), TOKEN);
    expect(event).toEqual({
      resourceType: 'check',
      action: 'check.completed',
      objectId: 'c0000000-0000-4000-8000-000000000042',
      status: 'complete',
      checkStatus: 'complete',
      completedAt: '2026-11-20T10:00:05.000Z',
      href: '/v3.6/checks/c0000000-0000-4000-8000-000000000042',
    });
    // Hex in capitals is the same signature.
    expect(verifyOnfidoWebhook(completed, sign(completed).toUpperCase(), TOKEN).objectId).toBe(event.objectId);
    const report = body({ resource_type: 'report', action: 'report.completed', object: { id: 'r-1', status: 'complete', href: '/v3.6/reports/r-1' } });
    expect(verifyOnfidoWebhook(report, sign(report), TOKEN)).toMatchObject({ resourceType: 'report', action: 'report.completed', checkStatus: null, completedAt: null });
  });

  it('refuses a missing signature, a tampered body, another token\'s signature, and a malformed one', () => {
    expect(refusal(completed, undefined).reason).toBe('missing-signature');
    expect(refusal(completed, '  ').reason).toBe('missing-signature');
    const tampered = completed.replace('"complete"', '"withdrawn"');
    expect(refusal(tampered, sign(completed)).reason).toBe('bad-signature');
    // One byte of whitespace is another body: the signature is over the raw bytes, not the parsed JSON.
    expect(refusal(`${completed} `, sign(completed)).reason).toBe('bad-signature');
    expect(refusal(completed, sign(completed, 'another-token')).reason).toBe('bad-signature');
    expect(refusal(completed, 'sha256=abc').reason).toBe('bad-signature');
    expect(refusal(completed, sign(completed).slice(0, 40)).reason).toBe('bad-signature');
  });

  it('refuses a correctly signed body that is not an Onfido event, naming what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['not json', /not JSON/],
      [JSON.stringify({ resource_type: 'check' }), /no payload/],
      [body({ resource_type: 'check', action: 'report.completed', object: { id: 'x' } }), /not about a check/],
      [body({ resource_type: 7, action: 'check.completed', object: { id: 'x' } }), /resource_type/],
      [body({ resource_type: 'check', action: 'check.completed', object: {} }), /no id/],
      [body({ resource_type: 'check', action: 'check.completed', object: { id: 'x', completed_at_iso8601: 'yesterday' } }), /completed_at_iso8601/],
    ];
    for (const [raw, why] of cases) {
      const err = refusal(raw, sign(raw));
      expect(err.reason).toBe('bad-body');
      expect(err.message).toMatch(why);
    }
    expect(() => verifyOnfidoWebhook(completed, sign(completed, ''), '')).toThrow(TypeError);
    // Signed and well formed, but of a kind this code does not know: its own reason, for a receiver to acknowledge.
    for (const raw of [body({ resource_type: 'cheque', action: 'cheque.completed', object: { id: 'x' } }), body({ resource_type: 'check', action: 'check.done', object: { id: 'x' } })]) {
      expect(refusal(raw, sign(raw)).reason).toBe('unknown-event');
    }
  });

  it('accepts what the simulator sends, and only with the simulator\'s token', async () => {
    const got: { raw: string; signature: string | undefined }[] = [];
    const receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const s = req.headers['x-sha2-signature'];
        got.push({ raw, signature: typeof s === 'string' ? s : undefined });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const sim = await createKycProviderSimulator({ checkDurationMs: 20, webhook: { url, token: TOKEN, baseDelayMs: 10 } }).listen(0);
    try {
      const auth = { authorization: 'Token token=sandbox-kyc-api-token', 'content-type': 'application/json' };
      const a = (await (await fetch(`${sim.url}/v3.6/applicants`, { method: 'POST', headers: auth, body: JSON.stringify({ first_name: 'Hook', last_name: 'Test' }) })).json()) as { id: string };
      await fetch(`${sim.url}/v3.6/checks`, { method: 'POST', headers: auth, body: JSON.stringify({ applicant_id: a.id, report_names: ['document'] }) });
      for (let i = 0; i < 200 && !got.some((g) => g.raw.includes('check.completed')); i++) await new Promise((r) => setTimeout(r, 20));
      const events = got.map((g) => verifyOnfidoWebhook(g.raw, g.signature, TOKEN));
      expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['check.started', 'report.completed', 'check.completed']));
      expect(events.find((e) => e.action === 'check.completed')).toMatchObject({ resourceType: 'check', checkStatus: 'complete', completedAt: expect.any(String) });
      for (const g of got) expect(refusal(g.raw, g.signature, 'sandbox-kyc-webhook-token').reason).toBe('bad-signature');
    } finally {
      await sim.close();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
