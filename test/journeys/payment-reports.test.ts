import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { statusReportXml } from '../../legacy/payment-rail/messages.js';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { paymentReturnsTotal, PAYMENT_RAIL_REPORTS_PATH } from '../../subgraphs/journeys/inbound/payment-rail.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';
import { journeyOperation } from '../support/operations.js';
import { counterValue } from './engine/fixtures.js';
import { eventually, IBAN, paymentInput, settled, stepStatuses } from './support.js';
import { journeyIdOf } from '../../subgraphs/journeys/engine/ids.js';

/**
 * The rail's pushed pacs.002 / pacs.004 reports reach the payment journey (subgraphs/journeys/inbound/payment-rail.ts)
 * and wake its settlement check. The fallback poll here waits a minute before its second check
 * (PAYMENT_SETTLEMENT_FIRST_CHECK_MS), so a journey that settles within the mutation's wait was woken by a report.
 */

const SEND = journeyOperation('SendInternationalPayment');

interface Payload {
  journey: { id: string; status: string; reason: string | null; steps: { name: string; status: string }[] };
  endToEndId: string | null;
}

const XML = { 'content-type': 'application/xml; charset=utf-8' };
const AUTH = { authorization: `Bearer ${SANDBOX_SECRETS.paymentRailReportToken}` };

describe('pushed payment rail reports', () => {
  let stack: Stack;
  let token: string;
  let reportsUrl: string;
  let n = 0;
  const key = () => `report-${Date.now()}-${++n}`;

  async function send(input: ReturnType<typeof paymentInput>): Promise<Payload> {
    const answer = await stack.graphql(SEND, { idempotencyKey: key(), input }, token);
    expect(answer.body.errors).toBeUndefined();
    return answer.body.data?.sendInternationalPayment as Payload;
  }

  const push = (body: string, headers: Record<string, string> = { ...XML, ...AUTH }) => fetch(reportsUrl, { method: 'POST', headers, body });
  const statusRequests = async () => (await stack.stats())['payment-rail'].routes['POST /instant/pacs.028'] ?? 0;
  const events = (endToEndId: string) => stack.journeys.references.events('payment-rail', endToEndId);

  /** A pacs.002 as the rail writes it, about `endToEndId`, with a MsgId of our choosing. */
  const report = (endToEndId: string, msgId: string, txSts: 'ACSC' | 'RJCT' | 'ACSP') =>
    statusReportXml({
      msgId,
      creDtTm: new Date().toISOString(),
      orgnlMsgId: 'ORIGINAL0001',
      endToEndId,
      txId: endToEndId,
      txSts,
      ...(txSts === 'RJCT' ? { reason: { code: 'AC01', text: 'Incorrect account number' } } : {}),
      ...(txSts === 'ACSC' ? { sttlmDt: new Date().toISOString().slice(0, 10) } : {}),
    });

  beforeAll(async () => {
    stack = await startStack({ paymentRail: { settlementDelayMs: 300 }, journeyEnv: { PAYMENT_SETTLEMENT_FIRST_CHECK_MS: '60000' } });
    token = await stack.customerToken('cust-0001');
    reportsUrl = new URL(PAYMENT_RAIL_REPORTS_PATH, stack.subgraphs.journeys.url).href;
  });
  afterEach(() => stack.clearFaults());
  afterAll(() => stack?.stop());

  it("a pushed ACSC settles the payment without waiting for the poll's back-off", async () => {
    await stack.resetStats();
    const payload = await send(paymentInput({ amount: '31.00' }));
    expect(payload.journey.status).toBe('COMPLETED');
    expect(stepStatuses(payload.journey).awaitSettlement).toBe('SUCCEEDED');
    // The rail's reports are recorded against the payout, and each woke one check; the next poll was a minute away.
    const recorded = await events(payload.endToEndId!);
    expect(recorded.map((e) => e.state)).toContain('SETTLED');
    const record = await stack.journeys.engine.get(payload.journey.id);
    const settlement = record!.steps.find((s) => s.name === 'awaitSettlement')!;
    const checks = settlement.attempts.reduce((sum, a) => sum + (a.count ?? 1), 0);
    expect(checks).toBeLessThanOrEqual(1 + recorded.length + 1);
    // chooseRail's probe, then the settlement checks: nothing more reached the rail's status route.
    expect(await statusRequests()).toBe(1 + checks);
  });

  it('a pushed RJCT leads to the rejection path, as the poll would: refunded, REJECTED with the rail reason', async () => {
    const payload = await send(paymentInput({ amount: '32.00', iban: IBAN.rejectedAC01 }));
    expect(payload.journey.status).toBe('REJECTED');
    expect(payload.journey.reason).toContain('AC01');
    const refund = await stack.journeys.deps.coreBanking.findTransactionByReference('acc-5001', `${payload.journey.id}.debitSourceAccount.undo`);
    expect(refund).not.toBeNull();
    expect((await events(payload.endToEndId!)).map((e) => e.state)).toContain('REJECTED');
  });

  it('a report never moves money by itself: a forged RJCT for a payout on its way wakes a check, and the rail’s answer decides', async () => {
    // While the payout waits for settlement (RCVD or ACSP at the rail), a RJCT report arrives that the rail never sent.
    const idempotencyKey = key();
    const id = journeyIdOf({ kind: 'customer', customerId: 'cust-0001' }, idempotencyKey);
    const started = stack.graphql(SEND, { idempotencyKey, input: paymentInput({ amount: '33.00' }) }, token);
    const waiting = await eventually(
      'the payout to wait for settlement',
      async () => {
        const r = await stack.journeys.engine.get(id);
        return r?.steps.find((s) => s.name === 'awaitSettlement')?.wait ? r : undefined;
      },
      5_000,
    );
    const endToEndId = (waiting.state.chooseRail as { endToEndId: string }).endToEndId;
    const forged = await push(report(endToEndId, 'FORGED0001', 'RJCT'));
    expect(forged.status).toBe(200);
    const answer = await started;
    const payload = answer.body.data?.sendInternationalPayment as Payload;
    expect(payload.journey.status).toBe('COMPLETED');
    expect((await events(endToEndId)).map((e) => [e.msgId, e.state])).toContainEqual(['FORGED0001', 'REJECTED']);
  });

  it('a duplicate report is recorded once and leaves a journey that has moved on untouched', async () => {
    const payload = await send(paymentInput({ amount: '34.00' }));
    expect(payload.journey.status).toBe('COMPLETED');
    // Its notification done too: nothing else writes the journey any more.
    const before = await settled(stack, payload.journey.id);
    const xml = report(payload.endToEndId!, 'DUPLICATE0001', 'ACSC');
    const first = await push(xml);
    const second = await push(xml);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(await first.json()).toMatchObject({ transactions: ['recorded'] });
    expect(await second.json()).toMatchObject({ transactions: ['duplicate'] });
    expect((await events(payload.endToEndId!)).filter((e) => e.msgId === 'DUPLICATE0001')).toHaveLength(1);
    expect((await stack.journeys.engine.get(payload.journey.id))!.version).toBe(before.version);
  });

  it('a pacs.004 return for a completed payout is recorded and counted for operations; the journey stays COMPLETED', async () => {
    const payload = await send(paymentInput({ amount: '35.00' }));
    expect(payload.journey.status).toBe('COMPLETED');
    const before = await counterValue(paymentReturnsTotal, { reason: 'AC04' });
    const returned = await fetch(`${stack.simulators['payment-rail'].running.url}/__sandbox/instant/returns`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ EndToEndId: payload.endToEndId, reason: 'AC04' }),
    });
    expect(returned.status).toBe(201);
    await eventually('the return to be recorded', async () => (await events(payload.endToEndId!)).find((e) => e.message === 'pacs.004.001.10'), 5_000);
    expect(await counterValue(paymentReturnsTotal, { reason: 'AC04' })).toBe(before + 1);
    expect((await stack.journeys.engine.get(payload.journey.id))!.status).toBe('COMPLETED');
  });

  it('refuses a sender without the token (401), a malformed message (400), a body that is not XML (415); a payout nobody knows is a 200 no-op', async () => {
    const xml = report('BGUNKNOWNPAYOUT0000000000000000001', 'UNKNOWN0001', 'ACSC');
    expect((await push(xml, XML)).status).toBe(401);
    expect((await push(xml, { ...XML, authorization: 'Bearer not-the-token' })).status).toBe(401);
    expect((await push(xml, { ...XML, authorization: `Basic ${SANDBOX_SECRETS.paymentRailReportToken}` })).status).toBe(401);

    const malformed = await push('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11"><FIToFIPmtStsRpt><GrpHdr>');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('BAD_REQUEST');
    expect((await push(xml.replace('<TxSts>ACSC</TxSts>', '<TxSts>NOPE</TxSts>'))).status).toBe(400);
    expect((await push(xml.replace('pacs.002.001.11', 'pacs.008.001.09'))).status).toBe(400);
    expect((await push(xml, { 'content-type': 'application/json', ...AUTH })).status).toBe(415);
    expect((await fetch(reportsUrl, { headers: AUTH })).status).toBe(405);

    const unknown = await push(xml);
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ transactions: ['unknown'] });
    expect(await events('BGUNKNOWNPAYOUT0000000000000000001')).toEqual([]);
  });
});

describe('with pushes off', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ railReports: false, paymentRail: { settlementDelayMs: 300 } });
  });
  afterAll(() => stack?.stop());

  it('polling still settles the payment, and nothing was pushed', async () => {
    const token = await stack.customerToken('cust-0001');
    const answer = await stack.graphql(SEND, { idempotencyKey: `poll-${Date.now()}`, input: paymentInput({ amount: '36.00' }) }, token);
    const payload = answer.body.data?.sendInternationalPayment as Payload;
    expect(payload.journey.status).toBe('COMPLETED');
    expect(await stack.journeys.references.events('payment-rail', payload.endToEndId!)).toEqual([]);
    const checks = (await stack.stats())['payment-rail'].routes['POST /instant/pacs.028'] ?? 0;
    expect(checks).toBeGreaterThan(2);
  });
});

describe('pushed reports with Redis and BullMQ (the wake-up goes through the shared queue)', () => {
  let stack: Stack;
  let prefix: string;
  let redisUrl: string;
  beforeAll(async () => {
    redisUrl = await requireRedis();
    prefix = uniquePrefix('reports');
    stack = await startStack({
      paymentRail: { settlementDelayMs: 300 },
      journeyEnv: { REDIS_URL: redisUrl, REDIS_PREFIX: prefix, PAYMENT_SETTLEMENT_FIRST_CHECK_MS: '60000' },
    });
  });
  afterAll(async () => {
    await stack?.stop();
    const admin = new Redis(redisUrl);
    const keys = await admin.keys(`*${prefix.replace(/:$/, '')}*`);
    if (keys.length) await admin.del(...keys);
    admin.disconnect();
  });

  it('a pushed ACSC settles the payment, a pushed RJCT rejects the other', async () => {
    const token = await stack.customerToken('cust-0001');
    const pay = async (iban: string) => {
      const answer = await stack.graphql(SEND, { idempotencyKey: `bull-${Date.now()}-${iban}`, input: paymentInput({ amount: '37.00', iban }) }, token);
      return answer.body.data?.sendInternationalPayment as Payload;
    };
    const [settledPayout, rejectedPayout] = await Promise.all([pay(IBAN.DE), pay(IBAN.rejectedAC01)]);
    expect(settledPayout.journey.status).toBe('COMPLETED');
    expect(rejectedPayout.journey.status).toBe('REJECTED');
    expect((await stack.journeys.references.events('payment-rail', settledPayout.endToEndId!)).map((e) => e.state)).toContain('SETTLED');
  });
});
