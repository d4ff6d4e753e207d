import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { validateIso20022All } from '../../conformance/xsd.js';
import type { RunningSimulator } from '../../legacy/http.js';
import { isValidIban, SANDBOX_IBANS } from '../../legacy/payment-rail/data.js';
import { createPaymentRailSimulator, SANDBOX_REPORT_TOKEN } from '../../legacy/payment-rail/server.js';

interface Reply {
  status: number;
  /** The message's root element ("FIToFIPmtStsRpt"), for XML answers. */
  root?: string;
  // The simulator's answer, loosely typed on purpose: these tests read the ISO 20022 messages field by field.
  body: any;
}

const NS = 'urn:iso:std:iso:20022:tech:xsd:';
const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text' });
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', textNodeName: '#text', parseTagValue: false, removeNSPrefix: true });

/** An ISO 20022 document of `message` around `content` (an object in fast-xml-parser's shape). */
function documentXml(message: string, root: string, content: unknown): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ Document: { '@_xmlns': `${NS}${message}`, [root]: content } })}`;
}

/** Every XML answer of the simulator, held to ISO's XSDs at the end of the file. */
const answers: { call: string; xml: string }[] = [];

/** XML (a string) is POSTed as application/xml; anything else as JSON (the admin and sandbox routes). */
function client(base: () => string) {
  return async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const isXml = typeof body === 'string';
    const res = await fetch(`${base()}${path}`, {
      method,
      ...(body !== undefined ? { body: isXml ? body : JSON.stringify(body), headers: { 'content-type': isXml ? 'application/xml' : 'application/json' } } : {}),
    });
    const text = await res.text();
    if (!text) return { status: res.status, body: undefined };
    if (!/xml/.test(res.headers.get('content-type') ?? '')) return { status: res.status, body: JSON.parse(text) };
    answers.push({ call: `${method} ${path} ${res.status}`, xml: text });
    const [root, content] = Object.entries(parser.parse(text).Document).find(([k]) => !k.startsWith('@_'))!;
    return { status: res.status, root, body: content };
  };
}

let counter = 0;
/** A well-formed pacs.008 as an object; `o` changes the amount and the creditor. */
function pacs008Message(e2e: string, o: { ccy?: string; value?: string; iban?: string; country?: string; name?: string } = {}) {
  counter += 1;
  return {
    GrpHdr: { MsgId: `MSG${counter}`, CreDtTm: new Date().toISOString(), NbOfTxs: '1', SttlmInf: { SttlmMtd: 'CLRG' } },
    CdtTrfTxInf: {
      PmtId: { InstrId: e2e, EndToEndId: e2e, TxId: `TX-${e2e}` } as Record<string, string>,
      IntrBkSttlmAmt: { '@_Ccy': o.ccy ?? 'EUR', '#text': o.value ?? '123.45' },
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

/** A well-formed pacs.008 document. */
function pacs008(e2e: string, o: Parameters<typeof pacs008Message>[1] = {}): string {
  return documentXml('pacs.008.001.09', 'FIToFICstmrCdtTrf', pacs008Message(e2e, o));
}

/** A pacs.028 asking what became of `e2e`. */
function pacs028(e2e: string): string {
  counter += 1;
  return documentXml('pacs.028.001.04', 'FIToFIPmtStsReq', { GrpHdr: { MsgId: `REQ${counter}`, CreDtTm: new Date().toISOString() }, TxInf: { OrgnlEndToEndId: e2e } });
}

/** The reason code of a pacs.002 that rejects a whole message. */
const groupReason = (r: Reply) => (r.root === 'FIToFIPmtStsRpt' ? r.body.OrgnlGrpInfAndSts?.GrpSts + ' ' + r.body.OrgnlGrpInfAndSts?.StsRsnInf?.Rsn?.Cd : 'not a pacs.002');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('payment-rail simulator (real clock)', () => {
  let sim: RunningSimulator;
  const call = client(() => sim.url);
  /** Polls until the status is final; returns every TxSts seen, in order, without repeats. */
  async function follow(rail: string, e2e: string, limitMs = 3000): Promise<{ seen: string[]; last: Reply['body'] }> {
    const seen: string[] = [];
    const until = Date.now() + limitMs;
    for (;;) {
      const { status, body } = await call('POST', `/${rail}/pacs.028`, pacs028(e2e));
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
    expect((await call('GET', '/__sandbox/instant/info')).body).toMatchObject({ rail: 'instant', currencies: ['EUR'], maxAmount: '100000.00' });
    expect((await call('GET', '/__sandbox/instant/info')).body.cutOffUtc).toBeUndefined();
    expect((await call('GET', '/__sandbox/correspondent/info')).body).toMatchObject({
      rail: 'correspondent',
      currencies: 'ANY',
      maxAmount: '1000000.00',
      cutOffUtc: '16:00',
    });
    expect(Object.values(SANDBOX_IBANS).every(isValidIban)).toBe(true);
  });

  it('accepts a pacs.008 with RCVD and settles it: RCVD -> ACSP -> ACSC', async () => {
    const { status, body } = await call('POST', '/instant/pacs.008', pacs008('E2E-SETTLE-1'));
    expect(status).toBe(202);
    expect(body).toMatchObject({
      GrpHdr: { MsgId: expect.any(String), CreDtTm: expect.any(String) },
      OrgnlGrpInfAndSts: { OrgnlMsgId: expect.stringMatching(/^MSG/), OrgnlMsgNmId: 'pacs.008.001.09' },
      TxInfAndSts: { OrgnlEndToEndId: 'E2E-SETTLE-1', OrgnlTxId: 'TX-E2E-SETTLE-1', TxSts: 'RCVD' },
    });
    const { seen, last } = await follow('instant', 'E2E-SETTLE-1');
    // The 202 said RCVD; a first poll on a loaded machine may already find ACSP.
    expect(new Set(['RCVD', ...seen])).toEqual(new Set(['RCVD', 'ACSP', 'ACSC']));
    expect(seen.at(-1)).toBe('ACSC');
    expect(last.TxInfAndSts.AccptncDtTm).toEqual(expect.any(String));
    expect(last.TxInfAndSts.FctvIntrBkSttlmDt.Dt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(last.TxInfAndSts.StsRsnInf).toBeUndefined();
    const book = (await call('GET', '/__sandbox/instant/payments?status=ACSC')).body.payments;
    expect(book.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-SETTLE-1')).toEqual([
      { EndToEndId: 'E2E-SETTLE-1', Ccy: 'EUR', value: '123.45', TxSts: 'ACSC', Cdtr: { Nm: 'Jean Dupont', PstlAdr: { Ctry: 'FR' } } },
    ]);
  });

  it('pays once per EndToEndId, and refuses the EndToEndId for another payment', async () => {
    const first = await call('POST', '/correspondent/pacs.008', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US' }));
    expect(first.status).toBe(202);
    const again = await call('POST', '/correspondent/pacs.008', pacs008('E2E-ONCE', { ccy: 'USD', value: '250.00', country: 'US' }));
    expect(again.status).toBe(200);
    expect(again.body.TxInfAndSts.OrgnlEndToEndId).toBe('E2E-ONCE');
    await follow('correspondent', 'E2E-ONCE');
    expect((await call('POST', '/correspondent/pacs.008', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US' }))).body.TxInfAndSts.TxSts).toBe('ACSC');
    const all = (await call('GET', '/__sandbox/correspondent/payments')).body.payments.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-ONCE');
    expect(all).toEqual([expect.objectContaining({ Ccy: 'USD', value: '250.00', TxSts: 'ACSC' })]);

    const otherAmount = await call('POST', '/correspondent/pacs.008', pacs008('E2E-ONCE', { ccy: 'USD', value: '251', country: 'US' }));
    expect(otherAmount.status).toBe(409);
    expect(groupReason(otherAmount)).toBe('RJCT DUPL');
    expect(otherAmount.body.OrgnlGrpInfAndSts).toMatchObject({ OrgnlMsgId: expect.stringMatching(/^MSG/), OrgnlMsgNmId: 'pacs.008.001.09', StsRsnInf: { AddtlInf: expect.any(String) } });
    const otherCreditor = await call('POST', '/correspondent/pacs.008', pacs008('E2E-ONCE', { ccy: 'USD', value: '250', country: 'US', iban: SANDBOX_IBANS.NL }));
    expect(otherCreditor.status).toBe(409);
    // The UETR names the transaction too: the same EndToEndId with another UETR is another payment.
    const withUetr = (uetr: string) => {
      const m = pacs008Message('E2E-UETR', { ccy: 'USD', value: '5', country: 'US' });
      m.CdtTrfTxInf.PmtId.UETR = uetr;
      return documentXml('pacs.008.001.09', 'FIToFICstmrCdtTrf', m);
    };
    const sent = await call('POST', '/correspondent/pacs.008', withUetr('8a1f0d4e-3c2b-4d5e-9f60-1a2b3c4d5e6f'));
    expect(sent.body.TxInfAndSts).toMatchObject({ OrgnlEndToEndId: 'E2E-UETR', OrgnlUETR: '8a1f0d4e-3c2b-4d5e-9f60-1a2b3c4d5e6f', TxSts: 'RCVD' });
    expect((await call('POST', '/correspondent/pacs.008', withUetr('8a1f0d4e-3c2b-4d5e-9f60-1a2b3c4d5e6f'))).status).toBe(200);
    expect(groupReason(await call('POST', '/correspondent/pacs.008', withUetr('0b9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f')))).toBe('RJCT DUPL');
    expect((await call('GET', '/__sandbox/correspondent/payments')).body.payments.filter((p: { EndToEndId: string }) => p.EndToEndId === 'E2E-ONCE')).toHaveLength(1);
  });

  it('rejects the sandbox triggers with their reason codes', async () => {
    const cases = [
      ['instant', 'TRIG-AC01-I', { iban: 'DE89370400440532013000', country: 'DE' }, 'AC01'],
      ['correspondent', 'TRIG-AC01-C', { iban: 'DE89370400440532013000', country: 'DE' }, 'AC01'],
      ['instant', 'TRIG-AC04', { iban: 'GB33BUKB20201555555555', country: 'GB' }, 'AC04'],
      ['correspondent', 'TRIG-AM04', { ccy: 'GBP', value: '99.13', country: 'GB' }, 'AM04'],
    ] as const;
    for (const [rail, e2e, o, reason] of cases) {
      const sent = await call('POST', `/${rail}/pacs.008`, pacs008(e2e, o));
      expect(sent.status, e2e).toBe(202);
      expect(sent.body.TxInfAndSts.TxSts, e2e).toBe('RCVD');
      const { seen, last } = await follow(rail, e2e);
      expect(seen.filter((x) => x !== 'RCVD'), e2e).toEqual(['RJCT']);
      expect(last.TxInfAndSts.StsRsnInf, e2e).toEqual({ Rsn: { Cd: reason }, AddtlInf: expect.any(String) });
    }
    // .13 is an intermediary's problem: the instant rail has none, so it settles.
    await call('POST', '/instant/pacs.008', pacs008('TRIG-13-INSTANT', { value: '99.13' }));
    expect((await follow('instant', 'TRIG-13-INSTANT')).seen.at(-1)).toBe('ACSC');
    const rejected = (await call('GET', '/__sandbox/correspondent/payments?status=RJCT')).body.payments.map((p: { EndToEndId: string }) => p.EndToEndId);
    expect(rejected).toEqual(expect.arrayContaining(['TRIG-AC01-C', 'TRIG-AM04']));
    expect((await call('GET', '/__sandbox/correspondent/payments?status=ACSC')).body.payments.map((p: { EndToEndId: string }) => p.EndToEndId)).not.toContain('TRIG-AM04');
  });

  it('rejects an amount above the rail maximum at once with AM02', async () => {
    const over = await call('POST', '/instant/pacs.008', pacs008('MAX-OVER-I', { value: '100000.01' }));
    expect(over.status).toBe(202);
    expect(over.body.TxInfAndSts).toMatchObject({ TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM02' } } });
    expect((await call('POST', '/instant/pacs.028', pacs028('MAX-OVER-I'))).body.TxInfAndSts.TxSts).toBe('RJCT');
    expect((await call('POST', '/instant/pacs.008', pacs008('MAX-EDGE-I', { value: '100000.00' }))).body.TxInfAndSts.TxSts).toBe('RCVD');
    const big = await call('POST', '/correspondent/pacs.008', pacs008('MAX-OVER-C', { ccy: 'USD', value: '1000000.01', country: 'US' }));
    expect(big.body.TxInfAndSts).toMatchObject({ TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AM02' } } });
  });

  it('refuses what a rail cannot carry with 422 and a pacs.002 rejecting the message (AM03, CNOR), recording nothing', async () => {
    const usd = await call('POST', '/instant/pacs.008', pacs008('UNSUP-USD', { ccy: 'USD' }));
    expect(usd.status).toBe(422);
    expect(groupReason(usd)).toBe('RJCT AM03');
    expect(usd.body.OrgnlGrpInfAndSts.StsRsnInf.AddtlInf).toContain('USD');
    const us = await call('POST', '/instant/pacs.008', pacs008('UNSUP-US', { country: 'US' }));
    expect(us.status).toBe(422);
    expect(groupReason(us)).toBe('RJCT CNOR');
    expect(groupReason(await call('POST', '/correspondent/pacs.008', pacs008('UNSUP-XYZ', { ccy: 'XYZ' })))).toBe('RJCT AM03');
    // Asked about, a payment the rail never received is a pacs.002 RJCT AG09 (payment not received).
    const unknown = await call('POST', '/instant/pacs.028', pacs028('UNSUP-US'));
    expect(unknown.status).toBe(200);
    expect(unknown.body.TxInfAndSts).toMatchObject({ OrgnlEndToEndId: 'UNSUP-US', TxSts: 'RJCT', StsRsnInf: { Rsn: { Cd: 'AG09' } } });
    expect(unknown.body.OrgnlGrpInfAndSts.OrgnlMsgNmId).toBe('pacs.028.001.04');
    // The same EUR payment to the US goes through the correspondent rail.
    expect((await call('POST', '/correspondent/pacs.008', pacs008('UNSUP-US', { country: 'US' }))).status).toBe(202);
  });

  it('refuses malformed messages with 400 and a pacs.002 rejecting them (FF01)', async () => {
    // Loosely typed (`any`) on purpose: each case breaks one field of the message.
    const bad = (mutate: (m: any) => void) => {
      const m: any = pacs008Message(`FMT-${counter}`);
      mutate(m);
      return call('POST', '/instant/pacs.008', documentXml('pacs.008.001.09', 'FIToFICstmrCdtTrf', m));
    };
    for (const reply of [
      await bad((m) => delete m.CdtTrfTxInf.PmtId.EndToEndId),
      await bad((m) => (m.CdtTrfTxInf.CdtrAcct.Id.IBAN = 'DE89370400440532013001')), // check digits wrong
      await bad((m) => (m.CdtTrfTxInf.IntrBkSttlmAmt['#text'] = '1.234')),
      await bad((m) => (m.CdtTrfTxInf.IntrBkSttlmAmt['#text'] = '0.00')),
      await bad((m) => (m.CdtTrfTxInf.Cdtr = [m.CdtTrfTxInf.Cdtr, m.CdtTrfTxInf.Cdtr])),
      await bad((m) => (m.GrpHdr.NbOfTxs = '2')),
      await bad((m) => (m.CdtTrfTxInf.PmtId.EndToEndId = 'X'.repeat(36))),
      await bad((m) => (m.CdtTrfTxInf.PmtId.UETR = 'not-a-uuid')),
      await call('POST', '/instant/pacs.008', '{"GrpHdr": {}}'), // JSON is not a message
      await call('POST', '/instant/pacs.008', pacs028('FMT-WRONG-KIND')), // a status request is not a credit transfer
      await call('POST', '/instant/pacs.008', pacs008('FMT-DTD').replace('?>', '?><!DOCTYPE Document [<!ENTITY x "y">]>')),
      await call('POST', '/instant/pacs.008', pacs008('FMT-CUT').slice(0, -20)),
      await call('POST', '/instant/pacs.028', pacs008('FMT-NOT-028')),
    ]) {
      expect(reply.status).toBe(400);
      expect(groupReason(reply)).toBe('RJCT FF01');
    }
    expect((await call('GET', '/__sandbox/instant/payments?status=DONE')).status).toBe(400);
    expect(await call('GET', '/nowhere')).toEqual({ status: 404, body: undefined });
  });

  it('takes one rail down while the other works, and counts each rail apart', async () => {
    await call('DELETE', '/__stats');
    await call('POST', '/__faults', { route: 'POST /instant/pacs.008', down: true });
    await expect(call('POST', '/instant/pacs.008', pacs008('DOWN-I'))).rejects.toThrow();
    const other = await call('POST', '/correspondent/pacs.008', pacs008('DOWN-C'));
    expect(other.status).toBe(202);
    // Status requests still work: nothing was paid.
    expect((await call('POST', '/instant/pacs.028', pacs028('DOWN-I'))).body.TxInfAndSts.StsRsnInf.Rsn.Cd).toBe('AG09');

    await call('DELETE', '/__faults');
    await call('POST', '/__faults', { route: 'POST /correspondent/pacs.008', errorRate: 1 });
    const failing = await call('POST', '/correspondent/pacs.008', pacs008('ERR-C'));
    expect(failing).toEqual({ status: 503, body: undefined });
    expect((await call('POST', '/instant/pacs.008', pacs008('ERR-I'))).status).toBe(202);

    const stats = (await call('GET', '/__stats')).body;
    expect(stats.system).toBe('payment-rail');
    expect(stats.routes).toMatchObject({
      'POST /instant/pacs.008': 2,
      'POST /correspondent/pacs.008': 2,
      'POST /instant/pacs.028': 1,
    });
  });
});

describe('payment-rail simulator: returns and pushed reports', () => {
  let sim: RunningSimulator;
  let bank: Server;
  /** What the rail pushed to the bank's endpoint, in arrival order. */
  const pushed: string[] = [];
  /** The bank's endpoint refuses this many pushes first (the rail must retry). */
  let refuse = 0;
  const call = client(() => sim.url);

  beforeAll(async () => {
    bank = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (refuse > 0) {
          refuse -= 1;
          res.writeHead(503).end();
          return;
        }
        expect(req.headers['content-type']).toMatch(/^application\/xml/);
        // The shared secret the bank's endpoint checks (unset: the published sandbox token).
        expect(req.headers.authorization).toBe(`Bearer ${SANDBOX_REPORT_TOKEN}`);
        pushed.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => bank.listen(0, '127.0.0.1', resolve));
    const { port } = bank.address() as AddressInfo;
    sim = await createPaymentRailSimulator({ settlementDelayMs: 60, statusReportUrl: `http://127.0.0.1:${port}/rail/reports` }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
    await new Promise((resolve) => bank.close(resolve));
  });

  const statusesPushed = (e2e: string) =>
    pushed.filter((x) => x.includes(`<OrgnlEndToEndId>${e2e}</OrgnlEndToEndId>`)).map((x) => /<TxSts>(\w+)<\/TxSts>/.exec(x)?.[1] ?? (x.includes('<PmtRtr>') ? 'RETURN' : '?'));
  async function until(check: () => boolean): Promise<void> {
    while (!check()) await sleep(5);
  }

  it('pushes each later pacs.002 to the bank, retrying when the bank does not take it', async () => {
    refuse = 1;
    expect((await call('POST', '/instant/pacs.008', pacs008('PUSH-1'))).body.TxInfAndSts.TxSts).toBe('RCVD');
    await until(() => statusesPushed('PUSH-1').includes('ACSC'));
    expect(statusesPushed('PUSH-1').filter((x) => x !== 'ACSP')).toEqual(['ACSC']); // RCVD was the answer itself
    await call('POST', '/correspondent/pacs.008', pacs008('PUSH-AM04', { ccy: 'USD', value: '7.13', country: 'US' }));
    await until(() => statusesPushed('PUSH-AM04').includes('RJCT'));
    expect(pushed.find((x) => x.includes('PUSH-AM04') && x.includes('RJCT'))).toContain('<Cd>AM04</Cd>');
  });

  it('returns a settled payment (pacs.004): answered to pacs.028, pushed, shown in the book, never twice', async () => {
    await call('POST', '/instant/pacs.008', pacs008('RTR-1', { value: '40.00' }));
    // Not settled yet: nothing to return.
    const early = await call('POST', '/__sandbox/instant/returns', { EndToEndId: 'RTR-1' });
    expect(early.status).toBe(404);
    await until(() => statusesPushed('RTR-1').includes('ACSC'));
    const returned = await call('POST', '/__sandbox/instant/returns', { EndToEndId: 'RTR-1', reason: 'MD07' });
    expect(returned).toMatchObject({ status: 201, body: { EndToEndId: 'RTR-1', reason: 'MD07', value: '40.00', Ccy: 'EUR' } });
    const again = await call('POST', '/__sandbox/instant/returns', { EndToEndId: 'RTR-1', reason: 'AC04' });
    expect(again.body.RtrId).toBe(returned.body.RtrId);
    expect((await call('POST', '/__sandbox/instant/returns', { EndToEndId: 'RTR-1', reason: 'XX99' })).status).toBe(400);

    const answer = await call('POST', '/instant/pacs.028', pacs028('RTR-1'));
    expect(answer.root).toBe('PmtRtr');
    expect(answer.body.TxInf).toMatchObject({
      OrgnlEndToEndId: 'RTR-1',
      OrgnlGrpInf: { OrgnlMsgNmId: 'pacs.008.001.09' },
      RtrdIntrBkSttlmAmt: { '@_Ccy': 'EUR', '#text': '40.00' },
      RtrRsnInf: { Rsn: { Cd: 'MD07' } },
    });
    await until(() => statusesPushed('RTR-1').includes('RETURN'));
    // The same pacs.008 again pays nothing: the rail answers with the (settled) status.
    expect((await call('POST', '/instant/pacs.008', pacs008('RTR-1', { value: '40.00' }))).body.TxInfAndSts.TxSts).toBe('ACSC');
    const book = (await call('GET', '/__sandbox/instant/payments')).body.payments.filter((p: { EndToEndId: string }) => p.EndToEndId === 'RTR-1');
    expect(book).toEqual([expect.objectContaining({ TxSts: 'ACSC', RtrRsn: 'MD07', value: '40.00' })]);
  });

  it('pushes only documents valid against ISO\'s XSDs', async () => {
    expect(pushed.length).toBeGreaterThan(2);
    const results = await validateIso20022All(pushed);
    expect(results.flatMap((r) => r.errors)).toEqual([]);
    expect(new Set(results.map((r) => r.message))).toEqual(new Set(['pacs.002.001.11', 'pacs.004.001.10']));
  });
});

describe('payment-rail simulator (the correspondent cut-off, on a set clock)', () => {
  let sim: RunningSimulator;
  let clock = new Date('2026-11-20T15:59:00Z'); // a Friday
  const call = client(() => sim.url);
  const at = (iso: string) => (clock = new Date(iso));
  const sts = async (rail: string, e2e: string) => flat((await call('POST', `/${rail}/pacs.028`, pacs028(e2e))).body.TxInfAndSts);
  /** TxInfAndSts with its settlement date flattened, for short assertions. */
  const flat = (tx: any) => ({ ...tx, ...(tx.FctvIntrBkSttlmDt ? { SttlmDt: tx.FctvIntrBkSttlmDt.Dt } : {}) });
  const sent = async (rail: string, xml: string) => flat((await call('POST', `/${rail}/pacs.008`, xml)).body.TxInfAndSts);

  beforeAll(async () => {
    sim = await createPaymentRailSimulator({ now: () => clock, settlementDelayMs: 1000, correspondentCutOffUtc: '16:00' }).listen(0);
  });
  afterAll(async () => {
    await sim.close();
  });

  it('settles before the cut-off the same day, after it on the next business day and later', async () => {
    at('2026-11-20T15:59:00Z');
    expect(await sent('correspondent', pacs008('CUT-EARLY', { ccy: 'USD', country: 'US' })))
      .toMatchObject({ TxSts: 'RCVD', SttlmDt: '2026-11-20' });
    at('2026-11-20T16:00:00Z');
    expect(await sent('correspondent', pacs008('CUT-LATE', { ccy: 'USD', country: 'US' })))
      .toMatchObject({ TxSts: 'RCVD', SttlmDt: '2026-11-23' }); // Monday
    at('2026-11-20T16:00:00.400Z');
    expect((await sts('correspondent', 'CUT-LATE')).TxSts).toBe('ACSP');
    at('2026-11-20T16:00:01.500Z');
    expect((await sts('correspondent', 'CUT-EARLY')).TxSts).toBe('ACSC');
    expect((await sts('correspondent', 'CUT-LATE')).TxSts).toBe('ACSP'); // late: 3 x the delay
    at('2026-11-20T16:00:03.000Z');
    expect(await sts('correspondent', 'CUT-LATE')).toMatchObject({ TxSts: 'ACSC', SttlmDt: '2026-11-23' });

    at('2026-11-21T10:00:00Z'); // Saturday: after the cut-off whatever the hour
    expect((await sent('correspondent', pacs008('CUT-SAT', { ccy: 'CHF', value: '10', country: 'CH', iban: SANDBOX_IBANS.CH }))).SttlmDt)
      .toBe('2026-11-23');
  });

  it('runs the instant rail 24/7, naming the settlement date once settled', async () => {
    at('2026-11-21T23:00:00Z');
    const first = await sent('instant', pacs008('INST-SAT'));
    expect(first.TxSts).toBe('RCVD');
    expect(first.SttlmDt).toBeUndefined();
    at('2026-11-21T23:00:01.000Z');
    expect(await sts('instant', 'INST-SAT')).toMatchObject({ TxSts: 'ACSC', SttlmDt: '2026-11-21', AccptncDtTm: '2026-11-21T23:00:00.333Z' });
  });
});

describe('payment-rail simulator: its answers', () => {
  it('answers only with ISO 20022 documents valid against ISO\'s XSDs', async () => {
    expect(answers.length).toBeGreaterThan(40);
    const results = await validateIso20022All(answers.map((a) => a.xml));
    const invalid = results.flatMap((r, i) => r.errors.map((e) => `${answers[i]!.call}: ${r.message}: ${e}`));
    expect(invalid).toEqual([]);
    expect(new Set(results.map((r) => r.message))).toEqual(new Set(['pacs.002.001.11', 'pacs.004.001.10']));
  });
});
