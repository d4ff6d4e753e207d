import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../legacy/http.js';
import { isValidIban, SANDBOX_IBANS } from '../../legacy/payment-rail/data.js';
import { createPaymentRailSimulator } from '../../legacy/payment-rail/server.js';

interface Reply {
  status: number;
  // The simulator's JSON, loosely typed on purpose: these tests read the ISO 20022 dialect field by field.
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

let counter = 0;
/** A well-formed pacs.008; `o` changes the amount and the creditor. */
function pacs008(e2e: string, o: { ccy?: string; value?: string; iban?: string; country?: string; name?: string } = {}) {
  counter += 1;
  return {
    GrpHdr: { MsgId: `MSG${counter}`, CreDtTm: new Date().toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: {
      PmtId: { InstrId: e2e, EndToEndId: e2e, TxId: `TX-${e2e}` },
      IntrBkSttlmAmt: { Ccy: o.ccy ?? 'EUR', value: o.value ?? '123.45' },
      ChrgBr: 'SHAR',
      Dbtr: { Nm: 'Amelia Hartmann' },
      DbtrAcct: { Id: { IBAN: SANDBOX_IBANS.DE } },
      DbtrAgt: { FinInstnId: { BICFI: 'BANKDEFFXXX' } },
      CdtrAgt: { FinInstnId: { BICFI: 'BNPAFRPP' } },
      Cdtr: { Nm: o.name ?? 'Jean Dupont', PstlAdr: { Ctry: o.country ?? 'FR' } },
      CdtrAcct: { Id: { IBAN: o.iban ?? SANDBOX_IBANS.FR } },
      RmtInf: { Ustrd: 'invoice 42' },
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('payment-rail simulator (real clock)', () => {
  let sim: RunningSimulator;
  const call = client(() => sim.url);
  /** Polls until the status is final; returns every TxSts seen, in order, without repeats. */
  async function follow(rail: string, e2e: string, limitMs = 3000): Promise<{ seen: string[]; last: Reply['body'] }> {
    const seen: string[] = [];
    const until = Date.now() + limitMs;
    for (;;) {
      const { status, body } = await call('GET', `/${rail}/payments/${e2e}`);
      expect(status).toBe(200);
      const sts = body.TxInfAndSts.TxSts as string;
      if (seen.at(-1) !== sts) seen.push(sts);
      if (sts === 'ACSC' || sts === 'RJCT' || Date.now() > until) return { seen, last: body };
      await sleep(5);
    }
  }

  beforeAll(async () => {
    sim = await createPaymentRailSimulator({ settlementDelayMs: 150 }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(async () => {
    await call('DELETE', '/__faults');
  });

  it('describes each rail', async () => {
    expect((await call('GET', '/instant/info')).body).toMatchObject({ rail: 'instant', currencies: ['EUR'], maxAmount: '100000.00' });
    expect((await call('GET', '/instant/info')).body.cutOffUtc).toBeUndefined();
    expect((await call('GET', '/correspondent/info')).body).toMatchObject({
      rail: 'correspondent',
      currencies: 'ANY',
      maxAmount: '1000000.00',
      cutOffUtc: '16:00',
    });
    expect(Object.values(SANDBOX_IBANS).every(isValidIban)).toBe(true);
  });

  it('accepts a pacs.008 with RCVD and settles it: RCVD -> ACSP -> ACSC', async () => {
    const { status, body } = await call('POST', '/instant/payments', pacs008('E2E-SETTLE-1'));
    expect(status).toBe(202);
    expect(body).toMatchObject({
      GrpHdr: { MsgId: expect.any(String), CreDtTm: expect.any(String) },
      OrgnlGrpInfAndSts: { OrgnlMsgId: expect.stringMatching(/^MSG/), OrgnlMsgNmId: 'pacs.008.001.08' },
      TxInfAndSts: { OrgnlEndToEndId: 'E2E-SETTLE-1', OrgnlTxId: 'TX-E2E-SETTLE-1', TxSts: 'RCVD' },
    });
    const { seen, last } = await follow('instant', 'E2E-SETTLE-1');
    expect(seen).toEqual(['RCVD', 'ACSP', 'ACSC']);
    expect(last.TxInfAndSts.AccptncDtTm).toEqual(expect.any(String));
    expect(last.TxInfAndSts.SttlmDt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(last.TxInfAndSts.StsRsnInf).toBeUndefined();
    const book = (await call('GET', '/instant/payments?status=ACSC')).body.payments;
    expect(book.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-SETTLE-1')).toEqual([
      { EndToEndId: 'E2E-SETTLE-1', Ccy: 'EUR', value: '123.45', TxSts: 'ACSC', Cdtr: { Nm: 'Jean Dupont', PstlAdr: { Ctry: 'FR' } } },
    ]);
  });

  it('pays once per EndToEndId, and refuses the EndToEndId for another payment', async () => {
    const first = await call('POST', '/correspondent/payments', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US' }));
    expect(first.status).toBe(202);
    const again = await call('POST', '/correspondent/payments', pacs008('E2E-ONCE', { ccy: 'USD', value: '250.00', country: 'US' }));
    expect(again.status).toBe(200);
    expect(again.body.TxInfAndSts.OrgnlEndToEndId).toBe('E2E-ONCE');
    await follow('correspondent', 'E2E-ONCE');
    expect((await call('POST', '/correspondent/payments', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US' }))).body.TxInfAndSts.TxSts).toBe('ACSC');
    const all = (await call('GET', '/correspondent/payments')).body.payments.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-ONCE');
    expect(all).toEqual([expect.objectContaining({ Ccy: 'USD', value: '250.00', TxSts: 'ACSC' })]);

    const otherAmount = await call('POST', '/correspondent/payments', pacs008('E2E-ONCE', { ccy: 'USD', value: '251', country: 'US' }));
    expect(otherAmount.status).toBe(409);
    expect(otherAmount.body.error).toMatchObject({ code: 'DUPLICATE_REFERENCE', message: expect.any(String) });
    const otherCreditor = await call('POST', '/correspondent/payments', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US', iban: SANDBOX_IBANS.NL }));
    expect(otherCreditor.status).toBe(409);
    expect((await call('GET', '/correspondent/payments')).body.payments.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-ONCE')).toHaveLength(1);
  });

  it('rejects the sandbox triggers with their reason codes', async () => {
    const cases = [
      ['instant', 'TRIG-AC01-I', { iban: 'DE89370400440532013000', country: 'DE' }, 'AC01'],
      ['correspondent', 'TRIG-AC01-C', { iban: 'DE89370400440532013000', country: 'DE' }, 'AC01'],
      ['instant', 'TRIG-AC04', { iban: 'GB33BUKB20201555555555', country: 'GB' }, 'AC04'],
      ['correspondent', 'TRIG-AM04', { ccy: 'GBP', value: '99.13', country: 'GB' }, 'AM04'],
    ] as const;
    for (const [rail, e2e, o, reason] of cases) {
      const sent = await call('POST', `/${rail}/payments`, pacs008(e2e, o));
      expect(sent.status, e2e).toBe(202);
      expect(sent.body.TxInfAndSts.TxSts, e2e).toBe('RCVD');
      const { seen, last } = await follow(rail, e2e);
      expect(seen, e2e).toEqual(['RCVD', 'RJCT']);
      expect(last.TxInfAndSts.StsRsnInf, e2e).toEqual({ Rsn: { Cd: reason }, AddtlInf: expect.any(String) });
    }
    // .13 is an intermediary's problem: the instant rail has none, so it settles.
    await call('POST', '/instant/payments', pacs008('TRIG-13-INSTANT', { value: '99.13' }));
    expect((await follow('instant', 'TRIG-13-INSTANT')).seen.at(-1)).toBe('ACSC');
    const rejected = (await call('GET', '/correspondent/payments?status=RJCT')).body.payments.map((p: { EndToEndId: string }) => p.EndToEndId);
    expect(rejected).toEqual(expect.arrayContaining(['TRIG-AC01-C', 'TRIG-AM04']));
    expect((await call('GET', '/correspondent/payments?status=ACSC')).body.payments.map((p: { EndToEndId: string }) => p.EndToEndId)).not.toContain('TRIG-AM04');
  });

  it('rejects an amount above the rail maximum at once with AM02', async () => {
    const over = await call('POST', '/instant/payments', pacs008('MAX-OVER-I', { value: '100000.01' }));
    expect(over.status).toBe(202);
    expect(over.body.TxInfAndSts).toMatchObject({ TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM02' } } });
    expect((await call('GET', '/instant/payments/MAX-OVER-I')).body.TxInfAndSts.TxSts).toBe('RJCT');
    expect((await call('POST', '/instant/payments', pacs008('MAX-EDGE-I', { value: '100000.00' }))).body.TxInfAndSts.TxSts).toBe('RCVD');
    const big = await call('POST', '/correspondent/payments', pacs008('MAX-OVER-C', { ccy: 'USD', value: '1000000.01', country: 'US' }));
    expect(big.body.TxInfAndSts).toMatchObject({ TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM02' } } });
  });

  it('refuses what a rail cannot carry with 422 UNSUPPORTED, recording nothing', async () => {
    const usd = await call('POST', '/instant/payments', pacs008('UNSUP-USD', { ccy: 'USD' }));
    expect(usd.status).toBe(422);
    expect(usd.body.error).toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('USD') });
    const us = await call('POST', '/instant/payments', pacs008('UNSUP-US', { country: 'US' }));
    expect(us.status).toBe(422);
    expect(us.body.error.code).toBe('UNSUPPORTED');
    expect((await call('POST', '/correspondent/payments', pacs008('UNSUP-XYZ', { ccy: 'XYZ' }))).body.error.code).toBe('UNSUPPORTED');
    expect((await call('GET', '/instant/payments/UNSUP-USD')).status).toBe(404);
    const unknown = await call('GET', '/instant/payments/UNSUP-US');
    expect(unknown.body.error.code).toBe('NOT_FOUND');
    // The same EUR payment to the US goes through the correspondent rail.
    expect((await call('POST', '/correspondent/payments', pacs008('UNSUP-US', { country: 'US' }))).status).toBe(202);
  });

  it('refuses malformed messages with 400 FORMAT_ERROR', async () => {
    // Loosely typed (`any`) on purpose: each case breaks one field of the message.
    const bad = (mutate: (m: any) => void) => {
      const m: any = pacs008(`FMT-${counter}`);
      mutate(m);
      return call('POST', '/instant/payments', m);
    };
    for (const reply of [
      await bad((m) => delete m.CdtTrfTxInf.PmtId.EndToEndId),
      await bad((m) => (m.CdtTrfTxInf.CdtrAcct.Id.IBAN = 'DE89370400440532013001')), // check digits wrong
      await bad((m) => (m.CdtTrfTxInf.IntrBkSttlmAmt.value = '1.234')),
      await bad((m) => (m.CdtTrfTxInf.IntrBkSttlmAmt.value = '0.00')),
      await bad((m) => (m.GrpHdr.NbOfTxs = '2')),
      await bad((m) => (m.CdtTrfTxInf.PmtId.EndToEndId = 'X'.repeat(36))),
    ]) {
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('FORMAT_ERROR');
    }
    expect((await call('GET', '/instant/payments?status=DONE')).status).toBe(400);
    expect((await call('GET', '/nowhere')).body.error.code).toBe('UNKNOWN_ROUTE');
  });

  it('takes one rail down while the other works, and counts each rail apart', async () => {
    await call('DELETE', '/__stats');
    await call('POST', '/__faults', { route: 'POST /instant/payments', down: true });
    await expect(call('POST', '/instant/payments', pacs008('DOWN-I'))).rejects.toThrow();
    const other = await call('POST', '/correspondent/payments', pacs008('DOWN-C'));
    expect(other.status).toBe(202);
    expect((await call('GET', '/instant/payments/DOWN-I')).status).toBe(404); // reads still work, nothing was paid

    await call('DELETE', '/__faults');
    await call('POST', '/__faults', { route: 'POST /correspondent/payments', errorRate: 1 });
    const failing = await call('POST', '/correspondent/payments', pacs008('ERR-C'));
    expect(failing.status).toBe(503);
    expect(failing.body.error.code).toBe('RAIL_UNAVAILABLE');
    expect((await call('POST', '/instant/payments', pacs008('ERR-I'))).status).toBe(202);

    const stats = (await call('GET', '/__stats')).body;
    expect(stats.system).toBe('payment-rail');
    expect(stats.routes).toMatchObject({
      'POST /instant/payments': 2,
      'POST /correspondent/payments': 2,
      'GET /instant/payments/:endToEndId': 1,
    });
  });
});

describe('payment-rail simulator (the correspondent cut-off, on a set clock)', () => {
  let sim: RunningSimulator;
  let clock = new Date('2026-11-20T15:59:00Z'); // a Friday
  const call = client(() => sim.url);
  const at = (iso: string) => (clock = new Date(iso));
  const sts = async (rail: string, e2e: string) => (await call('GET', `/${rail}/payments/${e2e}`)).body.TxInfAndSts;

  beforeAll(async () => {
    sim = await createPaymentRailSimulator({ now: () => clock, settlementDelayMs: 1000, correspondentCutOffUtc: '16:00' }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('settles before the cut-off the same day, after it on the next business day and later', async () => {
    at('2026-11-20T15:59:00Z');
    expect((await call('POST', '/correspondent/payments', pacs008('CUT-EARLY', { ccy: 'USD', country: 'US' }))).body.TxInfAndSts)
      .toMatchObject({ TxSts: 'RCVD', SttlmDt: '2026-11-20' });
    at('2026-11-20T16:00:00Z');
    expect((await call('POST', '/correspondent/payments', pacs008('CUT-LATE', { ccy: 'USD', country: 'US' }))).body.TxInfAndSts)
      .toMatchObject({ TxSts: 'RCVD', SttlmDt: '2026-11-23' }); // Monday
    at('2026-11-20T16:00:00.400Z');
    expect((await sts('correspondent', 'CUT-LATE')).TxSts).toBe('ACSP');
    at('2026-11-20T16:00:01.500Z');
    expect((await sts('correspondent', 'CUT-EARLY')).TxSts).toBe('ACSC');
    expect((await sts('correspondent', 'CUT-LATE')).TxSts).toBe('ACSP'); // late: 3 x the delay
    at('2026-11-20T16:00:03.000Z');
    expect(await sts('correspondent', 'CUT-LATE')).toMatchObject({ TxSts: 'ACSC', SttlmDt: '2026-11-23' });

    at('2026-11-21T10:00:00Z'); // Saturday: after the cut-off whatever the hour
    expect((await call('POST', '/correspondent/payments', pacs008('CUT-SAT', { ccy: 'CHF', value: '10', country: 'CH', iban: SANDBOX_IBANS.CH }))).body.TxInfAndSts.SttlmDt)
      .toBe('2026-11-23');
  });

  it('runs the instant rail 24/7, naming the settlement date once settled', async () => {
    at('2026-11-21T23:00:00Z');
    const sent = (await call('POST', '/instant/payments', pacs008('INST-SAT'))).body.TxInfAndSts;
    expect(sent.TxSts).toBe('RCVD');
    expect(sent.SttlmDt).toBeUndefined();
    at('2026-11-21T23:00:01.000Z');
    expect(await sts('instant', 'INST-SAT')).toMatchObject({ TxSts: 'ACSC', SttlmDt: '2026-11-21', AccptncDtTm: '2026-11-21T23:00:00.333Z' });
  });
});
