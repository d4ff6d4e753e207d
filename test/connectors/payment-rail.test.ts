import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSandboxRails,
  InvalidRailReport,
  Iso20022RailConnector,
  readRailReport,
  routePayment,
  SEPA_COUNTRIES,
  type PaymentRail,
  type Payout,
  type RailStatus,
} from '../../connectors/payment-rail/index.js';
import { onLegacyCall } from '../../connectors/http.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { moneyFromDecimalString, type Money } from '../../lib/money.js';
import type { RunningSimulator, Simulator } from '../../legacy/http.js';
import { SANDBOX_IBANS, SEPA_COUNTRIES as SIMULATOR_SEPA } from '../../legacy/payment-rail/data.js';
import { createPaymentRailSimulator } from '../../legacy/payment-rail/server.js';
import { eventually } from '../support/eventually.js';
import { RecordingProxy } from '../../conformance/recorder.js';
import { validateIso20022All } from '../../conformance/xsd.js';
import { uetrOf } from '../../connectors/payment-rail/wire.js';

const eur = (v: string) => moneyFromDecimalString(v, 'EUR');
const usd = (v: string) => moneyFromDecimalString(v, 'USD');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function payout(endToEndId: string, amount: Money, creditor: Partial<Payout['creditor']> = {}): Payout {
  return {
    endToEndId,
    amount,
    debtor: { name: 'Amelia Hartmann', iban: 'DE75 5121 0800 1245 1261 99', bic: 'BANKDEFFXXX' },
    creditor: { name: 'Jean Dupont', iban: SANDBOX_IBANS.FR, bic: 'BNPAFRPP', country: 'FR', ...creditor },
    remittance: 'invoice 42',
  };
}

/** An admin or read call; its JSON is loosely typed on purpose (`any`): tests read the legacy dialect field by field. */
async function admin(sim: RunningSimulator, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  return text ? JSON.parse(text) : undefined;
}

/** The rail's book entries for one EndToEndId (the sandbox's admin view, not the rail's message API). */
async function booked(sim: RunningSimulator, rail: 'instant' | 'correspondent', e2e: string): Promise<unknown[]> {
  return (await admin(sim, 'GET', `/__sandbox/${rail}/payments`)).payments.filter((p: { EndToEndId: string }) => p.EndToEndId === e2e);
}

async function upstreamError(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

/** Asks the rail until the payout is final. */
async function settle(rail: PaymentRail, e2e: string): Promise<RailStatus> {
  const until = Date.now() + 3000;
  for (;;) {
    const s = await rail.status(e2e);
    if (!s) throw new Error(`${e2e} unknown`);
    if (s.state === 'SETTLED' || s.state === 'REJECTED' || Date.now() > until) return s;
    await sleep(10);
  }
}

describe('payment rail connectors', () => {
  let simulator: Simulator;
  let sim: RunningSimulator;
  /** Between the connectors and the rail: every message each way is recorded, and held to ISO's XSDs at the end. */
  let wire: RecordingProxy;
  let instant: PaymentRail;
  let correspondent: PaymentRail;
  let rails: PaymentRail[];
  const extra: PaymentRail[] = [];
  const sandbox = (overrides: Parameters<typeof createSandboxRails>[1]) => {
    const made = createSandboxRails(wire.url, overrides);
    extra.push(...made);
    return made;
  };

  beforeAll(async () => {
    simulator = createPaymentRailSimulator({ settlementDelayMs: 60 });
    sim = await simulator.listen(0);
    wire = await RecordingProxy.start('payment-rail', sim.url);
    rails = createSandboxRails(wire.url);
    [instant, correspondent] = rails as [PaymentRail, PaymentRail];
  });
  afterEach(async () => {
    await admin(sim, 'DELETE', '/__faults');
  });
  afterAll(async () => {
    await Promise.all([...rails, ...extra].map((r) => r.close()));
    await wire.close();
    await sim.close();
  });

  it('submits and follows a payout, normalised', async () => {
    expect(instant.name).toBe('instant-eur');
    expect(await instant.submit(payout('C-SETTLE-1', eur('250.10')))).toEqual({
      endToEndId: 'C-SETTLE-1',
      state: 'RECEIVED',
      reasonCode: null,
      settlementDate: null,
    } satisfies RailStatus);
    const done = await settle(instant, 'C-SETTLE-1');
    expect(done).toMatchObject({ endToEndId: 'C-SETTLE-1', state: 'SETTLED', reasonCode: null });
    expect(done.settlementDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await booked(sim, 'instant', 'C-SETTLE-1')).toEqual([expect.objectContaining({ Ccy: 'EUR', value: '250.10', TxSts: 'ACSC' })]);

    const abroad = await correspondent.submit(payout('C-USD-1', usd('99.99'), { country: 'US', name: 'John Smith' }));
    expect(abroad).toMatchObject({ state: 'RECEIVED', reasonCode: null });
    expect(abroad.settlementDate).toMatch(/^\d{4}-\d{2}-\d{2}$/); // the correspondent rail names its day at once
    expect((await settle(correspondent, 'C-USD-1')).state).toBe('SETTLED');
    expect(await instant.status('C-NEVER-SENT')).toBeNull();
  });

  it('reports rejections with their reason codes', async () => {
    const ac01 = await instant.submit(payout('C-AC01', eur('10.00'), { iban: 'DE89 3704 0044 0532 0130 00', country: 'DE' }));
    expect(ac01.state).toBe('RECEIVED');
    expect(await settle(instant, 'C-AC01')).toEqual({ endToEndId: 'C-AC01', state: 'REJECTED', reasonCode: 'AC01', settlementDate: null });
    expect(await correspondent.submit(payout('C-AM02', usd('1000000.01'), { country: 'US' }))).toMatchObject({ state: 'REJECTED', reasonCode: 'AM02' });
    expect((await settle(correspondent, await submitted(correspondent, payout('C-AM04', usd('5.13'), { country: 'US' })))).reasonCode).toBe('AM04');
    expect(await booked(sim, 'instant', 'C-AC01')).toEqual([expect.objectContaining({ TxSts: 'RJCT' })]);
  });

  it('maps refusals to UPSTREAM_REJECTED', async () => {
    const unsupported = await upstreamError(instant.submit(payout('C-UNSUP', usd('10.00'))));
    expect(unsupported.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(unsupported.system).toBe('payment-rail');
    // The rail rejects the message with a pacs.002 (GrpSts RJCT, AM03: currency not allowed).
    expect(unsupported.detail).toMatchObject({ status: 422, legacyCode: 'AM03', route: 'POST /instant/pacs.008' });
    expect(unsupported.message).not.toContain('USD'); // legacy text only in the detail

    await instant.submit(payout('C-REUSE', eur('1.00')));
    const reused = await upstreamError(instant.submit(payout('C-REUSE', eur('2.00'))));
    expect(reused.code).toBe(ErrorCode.UPSTREAM_REJECTED);
    expect(reused.detail.legacyCode).toBe('DUPL');
    await expect(instant.submit(payout('X'.repeat(36), eur('1.00')))).rejects.toThrow(RangeError);
  });

  it('routes by configuration: instant for EUR in SEPA, correspondent for the rest', () => {
    const names = (p: { currency: string; country: string; amount: Money }) => routePayment(rails, p).map((r) => r.name);
    expect(names({ currency: 'EUR', country: 'DE', amount: eur('100.00') })).toEqual(['instant-eur', 'correspondent']);
    expect(names({ currency: 'USD', country: 'US', amount: usd('100.00') })).toEqual(['correspondent']);
    expect(names({ currency: 'EUR', country: 'US', amount: eur('100.00') })).toEqual(['correspondent']);
    expect(names({ currency: 'EUR', country: 'FR', amount: eur('100000.01') })).toEqual(['correspondent']);
    expect(names({ currency: 'EUR', country: 'FR', amount: eur('100000.00') })).toEqual(['instant-eur', 'correspondent']);
    expect(names({ currency: 'JPY', country: 'JP', amount: moneyFromDecimalString('1000001', 'JPY') })).toEqual([]);
    // A third rail is one more entry, and routing picks it up without a line of routing code.
    const gbp = new Iso20022RailConnector({ name: 'faster-payments', baseUrl: sim.url, pathPrefix: '/fps', currencies: ['GBP'], countries: ['GB'], maxAmount: null });
    extra.push(gbp);
    const amount = moneyFromDecimalString('5.00', 'GBP');
    expect(routePayment([gbp, ...rails], { currency: 'GBP', country: 'GB', amount }).map((r) => r.name)).toEqual(['faster-payments', 'correspondent']);
    // The routing table and the sandbox agree on where SEPA is.
    expect([...SEPA_COUNTRIES].sort()).toEqual([...SIMULATOR_SEPA].sort());
  });

  it('moves a rail whose breaker is open to the end of the route', async () => {
    const [fragileInstant, fragileCorr] = sandbox({ retry: { retries: 0 }, breaker: { threshold: 2, halfOpenAfterMs: 60_000 } }) as [PaymentRail, PaymentRail];
    await admin(sim, 'POST', '/__faults', { route: 'POST /instant/pacs.008', down: true });
    for (const n of [1, 2]) {
      const err = await upstreamError(fragileInstant.submit(payout(`C-DOWN-${n}`, eur('20.00'), { country: 'DE' })));
      expect(err.code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    }
    expect(fragileInstant.available).toBe(false);
    expect(fragileCorr.available).toBe(true);
    const route = routePayment([fragileInstant, fragileCorr], { currency: 'EUR', country: 'DE', amount: eur('20.00') });
    expect(route.map((r) => r.name)).toEqual(['correspondent', 'instant-eur']);
    // The next rail carries it; the first never saw it.
    expect(await fragileInstant.status('C-DOWN-1').catch((e: UpstreamError) => e.detail.legacyCode)).toBe('BREAKER_OPEN');
    expect(await instant.status('C-DOWN-1')).toBeNull();
    expect((await route[0]!.submit(payout('C-DOWN-1', eur('20.00'), { country: 'DE' }))).state).toBe('RECEIVED');
    expect(instant.available).toBe(true); // another connector's breaker is its own
  });

  it('answers UPSTREAM_TIMEOUT, and the rail can be asked what happened', async () => {
    const [, slow] = sandbox({ timeoutMs: 100, retry: { retries: 0 } }) as [PaymentRail, PaymentRail];
    await admin(sim, 'POST', '/__faults', { route: 'POST /correspondent/pacs.008', latencyMs: 300 });
    await admin(sim, 'DELETE', '/__stats');
    // The rail takes the payout and answers 300 ms later: a failure instead can only be the connector's own 100 ms
    // deadline giving up on the answer, and the error says it was.
    const err = await upstreamError(slow.submit(payout('C-SLOW', usd('42.00'), { country: 'US' })));
    expect(err.code).toBe(ErrorCode.UPSTREAM_TIMEOUT);
    expect(err.originalError?.name).toBe('TimeoutError'); // the 100 ms abort signal fired
    expect((await admin(sim, 'GET', '/__stats')).routes['POST /correspondent/pacs.008']).toBe(1);
    // The unknown outcome, resolved by asking: the rail has the payout once its latency is over.
    const known = await eventually('the rail to know C-SLOW', async () => (await slow.status('C-SLOW')) ?? undefined);
    expect(known).toMatchObject({ endToEndId: 'C-SLOW' });
  });

  it('never pays twice when a response is lost and the submit is retried', async () => {
    const [retrying] = sandbox({ timeoutMs: 200, retry: { retries: 3, baseDelayMs: 1, retryOnTimeout: true } }) as [PaymentRail];
    await admin(sim, 'DELETE', '/__stats');
    await admin(sim, 'POST', '/__faults', { route: 'POST /instant/pacs.008', latencyMs: 600 });
    // The first two attempts arrive while the rail is slow and time out; the rail is quick again as the second times
    // out (the simulator is told at once, before the connector's next attempt), so the third gets an answer.
    let timeouts = 0;
    const stop = onLegacyCall((e) => {
      if (e.system === 'payment-rail' && e.outcome === 'timeout' && ++timeouts === 2) simulator.clearFaults();
    });
    const result = await retrying.submit(payout('C-LOST-1', eur('75.00'))).finally(stop);
    expect(['RECEIVED', 'ACCEPTED', 'SETTLED']).toContain(result.state);
    expect((await admin(sim, 'GET', '/__stats')).routes['POST /instant/pacs.008']).toBe(3);
    await sleep(700); // the slow attempts reach the rail too
    const once = await booked(sim, 'instant', 'C-LOST-1');
    expect(once).toEqual([expect.objectContaining({ Ccy: 'EUR', value: '75.00' })]);
    expect((await settle(instant, 'C-LOST-1')).state).toBe('SETTLED');
    const paidOut = (await admin(sim, 'GET', '/__sandbox/instant/payments?status=ACSC')).payments.filter(
      (p: { EndToEndId: string }) => p.EndToEndId === 'C-LOST-1',
    );
    expect(paidOut.map((p: { value: string }) => p.value)).toEqual(['75.00']);
  });

  it('reads a returned payment (pacs.004) as REJECTED with the return reason', async () => {
    await instant.submit(payout('C-RETURN-1', eur('30.00')));
    expect((await settle(instant, 'C-RETURN-1')).state).toBe('SETTLED');
    const returned = await admin(sim, 'POST', '/__sandbox/instant/returns', { EndToEndId: 'C-RETURN-1', reason: 'AC06' });
    expect(returned).toMatchObject({ EndToEndId: 'C-RETURN-1', reason: 'AC06', value: '30.00', Ccy: 'EUR' });
    expect(await instant.status('C-RETURN-1')).toEqual({ endToEndId: 'C-RETURN-1', state: 'REJECTED', reasonCode: 'AC06', settlementDate: null });
    // Sending it again never pays it again: the rail answers with what became of it.
    expect((await instant.submit(payout('C-RETURN-1', eur('30.00')))).state).toBe('SETTLED');
    expect(await booked(sim, 'instant', 'C-RETURN-1')).toEqual([expect.objectContaining({ TxSts: 'ACSC', RtrRsn: 'AC06' })]);
  });

  it('sends and receives only ISO 20022 XML documents that are valid against ISO\'s XSDs', async () => {
    const seen = new Set<string>();
    const invalid: string[] = [];
    const documents: { call: string; body: string }[] = [];
    for (const e of wire.exchanges) {
      expect(e.requestHeaders['content-type']).toMatch(/^application\/xml/);
      // Empty bodies are the bare 503s of injected faults.
      for (const body of [e.requestBody, e.responseBody]) if (body.trim()) documents.push({ call: `${e.method} ${e.url} ${e.status}`, body });
    }
    const results = await validateIso20022All(documents.map((d) => d.body));
    results.forEach(({ message, errors }, i) => {
      seen.add(message ?? 'none');
      for (const error of errors) invalid.push(`${documents[i]!.call}: ${message}: ${error}`);
    });
    expect(invalid).toEqual([]);
    // Each payout has one UETR, whatever how often it was sent (retries, replays) or asked about.
    const uetrs = new Map<string, Set<string>>();
    for (const e of wire.exchanges) {
      const e2e = /<(?:Orgnl)?EndToEndId>([^<]+)</.exec(e.requestBody)?.[1];
      const uetr = /<(?:Orgnl)?UETR>([^<]+)</.exec(e.requestBody)?.[1];
      expect(uetr, e.requestBody).toMatch(/^[a-f0-9]{8}-[a-f0-9]{4}-4[a-f0-9]{3}-[89ab][a-f0-9]{3}-[a-f0-9]{12}$/);
      uetrs.set(e2e!, (uetrs.get(e2e!) ?? new Set()).add(uetr!));
    }
    expect([...uetrs.values()].filter((set) => set.size !== 1)).toEqual([]);
    expect(new Set([...uetrs.values()].map((set) => [...set][0])).size).toBe(uetrs.size);
    // Every kind of message was exercised: credit transfers, status requests, status reports, a return.
    expect([...seen.keys()].sort()).toEqual(['pacs.002.001.11', 'pacs.004.001.10', 'pacs.008.001.09', 'pacs.028.001.04']);
    expect(wire.exchanges.filter((e) => e.status >= 400 && e.status < 500).length).toBeGreaterThan(0); // rejections too
  });
});

async function submitted(rail: PaymentRail, p: Payout): Promise<string> {
  await rail.submit(p);
  return p.endToEndId;
}

describe('readRailReport: a report the rail pushed', () => {
  const report = (tx: string, message = 'pacs.002.001.11', root = 'FIToFIPmtStsRpt', list = 'TxInfAndSts') =>
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:${message}"><${root}><GrpHdr><MsgId>INSTSTS0000000007</MsgId><CreDtTm>2026-12-03T08:00:00Z</CreDtTm></GrpHdr>${tx
      .split('|')
      .map((t) => `<${list}>${t}</${list}>`)
      .join('')}</${root}></Document>`;

  it('reads each transaction as a pacs.028 answer is read, naming its EndToEndId', () => {
    const read = readRailReport(
      report(`<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><OrgnlUETR>${uetrOf('BG-A')}</OrgnlUETR><TxSts>ACSC</TxSts><FctvIntrBkSttlmDt><Dt>2026-12-03</Dt></FctvIntrBkSttlmDt>|<OrgnlEndToEndId>BG-B</OrgnlEndToEndId><TxSts>RJCT</TxSts><StsRsnInf><Rsn><Cd>AC01</Cd></Rsn></StsRsnInf>`),
    );
    expect(read).toEqual({
      message: 'pacs.002.001.11',
      msgId: 'INSTSTS0000000007',
      statuses: [
        { endToEndId: 'BG-A', state: 'SETTLED', reasonCode: null, settlementDate: '2026-12-03' },
        { endToEndId: 'BG-B', state: 'REJECTED', reasonCode: 'AC01', settlementDate: null },
      ],
    });
    const returned = readRailReport(report('<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><RtrRsnInf><Rsn><Cd>AC04</Cd></Rsn></RtrRsnInf>', 'pacs.004.001.10', 'PmtRtr', 'TxInf'));
    expect(returned.statuses).toEqual([{ endToEndId: 'BG-A', state: 'REJECTED', reasonCode: 'AC04', settlementDate: null }]);
  });

  it.each([
    ['a foreign UETR', report(`<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><OrgnlUETR>${uetrOf('BG-B')}</OrgnlUETR><TxSts>ACSC</TxSts>`), 'UETR'],
    ['an unknown TxSts', report('<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><TxSts>SOON</TxSts>'), 'TxSts'],
    ['no EndToEndId', report('<TxSts>ACSC</TxSts>'), 'OrgnlEndToEndId'],
    ['no transaction', report('').replace('<TxInfAndSts></TxInfAndSts>', ''), 'transaction'],
    ['another message', report('<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><TxSts>ACSC</TxSts>', 'pacs.008.001.09'), 'pacs.008'],
    ['not XML at all', 'hello', 'ISO 20022'],
    ['a DOCTYPE', `<!DOCTYPE x [<!ENTITY e "e">]>${report('<OrgnlEndToEndId>BG-A</OrgnlEndToEndId><TxSts>ACSC</TxSts>')}`, 'DOCTYPE'],
  ])('refuses %s with InvalidRailReport, naming what was wrong', (_what, xml, says) => {
    expect(() => readRailReport(xml)).toThrow(InvalidRailReport);
    expect(() => readRailReport(xml)).toThrow(says);
  });
});
