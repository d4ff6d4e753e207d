import { createHash, createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { KYC_WEBHOOKS_PATH } from '../../subgraphs/journeys/inbound/kyc-provider.js';
import type { JourneyRecord } from '../../subgraphs/journeys/engine/types.js';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { eventually, settled } from './support.js';

/**
 * Onfido v3.6 webhooks (subgraphs/journeys/inbound/kyc-provider.ts) wake the onboarding journey's KYC check. The
 * events are made and signed here, as Onfido signs them (X-SHA2-Signature: hex HMAC-SHA256 of the body with the
 * webhook token). The check's fallback poll waits 30 s here, so a journey that moves on sooner was woken by a webhook; checks take
 * 1.5 s at the vendor, long after the journey begins to wait.
 */

const ONBOARD = journeyOperation('OnboardCustomer');
const TOKEN: string = SANDBOX_SECRETS.kycWebhookToken;

const sign = (body: string, token = TOKEN) => createHmac('sha256', token).update(body, 'utf8').digest('hex');
const event = (checkId: string, action = 'check.completed', status = 'complete', resourceType = 'check') =>
  JSON.stringify({
    payload: {
      resource_type: resourceType,
      action,
      object: { id: checkId, status, completed_at_iso8601: new Date().toISOString(), href: `https://api.eu.onfido.com/v3.6/checks/${checkId}` },
    },
  });

describe('KYC vendor webhooks', () => {
  let stack: Stack;
  let staff: string;
  let url: string;
  let n = 0;

  const post = (body: string, headers: Record<string, string> = { 'x-sha2-signature': sign(body) }) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  const checkStep = (r: JourneyRecord) => r.steps.find((s) => s.name === 'awaitKycCheck')!;
  const checks = (r: JourneyRecord) => checkStep(r).attempts.reduce((sum, a) => sum + (a.count ?? 1), 0);

  /** An onboarding whose mutation answers RUNNING (its KYC check waits 30 s to be read again), waiting for its check. */
  async function onboardingWaiting(): Promise<{ id: string; checkId: string }> {
    const input = { firstName: 'Mia', lastName: 'Weber', email: `mia.weber+${++n}@example.com`, phone: null, dateOfBirth: '1991-03-02', country: 'DE', product: 'EUR_CURRENT' };
    const answer = await stack.graphql(ONBOARD, { idempotencyKey: `kyc-hook-${Date.now()}-${n}`, input }, staff);
    const id = (answer.body.data?.onboardCustomer as { journey: { id: string } }).journey.id;
    const waiting = await eventually('the KYC check to wait', async () => {
      const r = await stack.journeys.engine.get(id);
      return r && checkStep(r).wait ? r : undefined;
    });
    return { id, checkId: (waiting.state.startKycCheck as { checkId: string }).checkId };
  }

  const complete = (checkId: string) =>
    eventually('the check to complete at the vendor', async () => ((await stack.journeys.deps.kycProvider.getCheck(checkId)).status === 'COMPLETE' ? true : undefined));

  beforeAll(async () => {
    stack = await startStack({ journeyWaitMs: 300, kycProvider: { checkDurationMs: 1500 }, journeyEnv: { KYC_CHECK_FIRST_CHECK_MS: '30000' } });
    staff = await stack.staffToken('operations');
    url = new URL(KYC_WEBHOOKS_PATH, stack.subgraphs.journeys.url).href;
  });
  afterAll(() => stack?.stop());

  it('a signed check.completed wakes the check at once; a webhook ahead of the check’s end changes nothing, the vendor’s answer decides', async () => {
    const { id, checkId } = await onboardingWaiting();
    // Too early (or forged): the woken check reads the check from the vendor, still in progress, and waits again.
    const early = await post(event(checkId));
    expect(early.status).toBe(200);
    expect(await early.json()).toEqual({ outcome: 'recorded' });
    const waitingAgain = await eventually('the woken check to wait again', async () => {
      const r = await stack.journeys.engine.get(id);
      return r && checks(r) === 2 && checkStep(r).wait ? r : undefined;
    });
    expect(waitingAgain.status).toBe('RUNNING');

    await complete(checkId);
    const done = await post(event(checkId, 'check.completed', 'complete'));
    expect(await done.json()).toEqual({ outcome: 'recorded' });
    const finished = await settled(stack, id);
    expect(finished.status).toBe('COMPLETED');
    expect(checks(finished)).toBe(3);
    expect((await stack.journeys.references.events('kyc-provider', checkId)).map((e) => e.action)).toEqual(['check.completed', 'check.completed']);
  });

  it('a redelivered event is a duplicate: recorded once, and a journey that has moved on is not touched', async () => {
    const { id, checkId } = await onboardingWaiting();
    await complete(checkId);
    const body = event(checkId);
    expect(await (await post(body)).json()).toEqual({ outcome: 'recorded' });
    const finished = await settled(stack, id);
    expect(finished.status).toBe('COMPLETED');
    expect(await (await post(body)).json()).toEqual({ outcome: 'duplicate' });
    expect((await stack.journeys.engine.get(id))!.version).toBe(finished.version);
    expect(await stack.journeys.references.events('kyc-provider', checkId)).toHaveLength(1);
  });

  it('a redelivery wakes a check the first delivery recorded but never woke (the process died in between)', async () => {
    const { id, checkId } = await onboardingWaiting();
    await complete(checkId);
    const body = event(checkId);
    // What the first delivery left when the process died after recording it and before waking the journey.
    await stack.journeys.references.record('kyc-provider', checkId, {
      id: createHash('sha256').update(body, 'utf8').digest('hex'),
      action: 'check.completed',
      status: 'complete',
      completedAt: null,
    });
    expect(checkStep((await stack.journeys.engine.get(id))!).wait).toBeTruthy();
    expect(await (await post(body)).json()).toEqual({ outcome: 'duplicate' });
    // Woken well before its 30 s poll, the check reads Onfido's completed check and the journey ends.
    const finished = await settled(stack, id);
    expect(finished.status).toBe('COMPLETED');
    expect(await stack.journeys.references.events('kyc-provider', checkId)).toHaveLength(1);
  });

  it('refuses a missing or wrong signature (401) and a body that is not an event (400); a check nobody knows, or a report, is a 200 no-op', async () => {
    const body = event('6f1f3c4e-1111-4aaa-8bbb-000000000000');
    expect((await post(body, {})).status).toBe(401);
    expect((await post(body, { 'x-sha2-signature': sign(body, 'not-the-token') })).status).toBe(401);
    expect((await post(body, { 'x-sha2-signature': 'zz' })).status).toBe(401);
    // Signed over another body: the signature covers every byte.
    expect((await post(`${body} `, { 'x-sha2-signature': sign(body) })).status).toBe(401);

    for (const bad of ['{"payload":', '{"nothing":1}', event('../etc'), event('abc', 'report.completed')]) {
      const res = await post(bad);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    }
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'text/plain', 'x-sha2-signature': sign(body) }, body })).status).toBe(415);

    expect(await (await post(body)).json()).toEqual({ outcome: 'unknown' });
    expect(await (await post(event('some-report', 'report.completed', 'complete', 'report'))).json()).toEqual({ outcome: 'ignored' });
    // A signed event of a kind Onfido added after this code: acknowledged, so Onfido does not count it as failing.
    const newer = await post(event('abc', 'wizard.completed', 'complete', 'wizard'));
    expect(newer.status).toBe(200);
    expect(await newer.json()).toEqual({ outcome: 'ignored' });
  });
});

describe("the KYC simulator's own webhooks, end to end", () => {
  let stack: Stack;
  beforeAll(async () => {
    // As in `npm start`: the simulator signs its events with the webhook token and posts them to the journeys. The
    // check's fallback poll waits 30 s, so an onboarding that completes sooner was woken by the simulator's webhook.
    // The check takes 1.5 s at the vendor: well after startKycCheck has linked it to the journey, even on a loaded
    // machine (an event for a check not linked yet is a no-op that only the poll makes up for).
    stack = await startStack({ journeyWaitMs: 300, kycWebhooks: true, kycProvider: { checkDurationMs: 1500 }, journeyEnv: { KYC_CHECK_FIRST_CHECK_MS: '30000' } });
  });
  afterAll(() => stack?.stop());

  it('completes an onboarding on the signed check.completed Onfido (the simulator) sends, not on the poll', async () => {
    const staff = await stack.staffToken('operations');
    const input = { firstName: 'Noor', lastName: 'Haddad', email: 'noor.haddad@example.com', phone: null, dateOfBirth: '1990-07-14', country: 'DE', product: 'EUR_CURRENT' };
    const answer = await stack.graphql(ONBOARD, { idempotencyKey: `kyc-hook-e2e-${Date.now()}`, input }, staff);
    const id = (answer.body.data?.onboardCustomer as { journey: { id: string } }).journey.id;
    const done = await settled(stack, id, 15_000);
    expect(done.status).toBe('COMPLETED');
    const awaitCheck = done.steps.find((s) => s.name === 'awaitKycCheck')!;
    // Settled within 15 s where the poll waits 30: the first read (in progress), one woken by check.started if it
    // came while the check waited, and the one check.completed woke. The 30 s poll never came.
    expect(awaitCheck.attempts.reduce((sum, a) => sum + (a.count ?? 1), 0)).toBeLessThanOrEqual(3);
    const kyc = stack.simulators['kyc-provider'].running.url;
    const { deliveries } = (await (await fetch(`${kyc}/__webhooks`)).json()) as { deliveries: { action: string; delivered: boolean; lastStatus: number | null }[] };
    expect(deliveries.filter((d) => d.action === 'check.completed')).toEqual([expect.objectContaining({ delivered: true, lastStatus: 200 })]);
  });
});
