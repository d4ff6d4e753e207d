import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_SECRETS } from '../../lib/config.js';
import { createLogger } from '../../lib/log.js';
import type { JourneyRecord } from '../../subgraphs/journeys/engine/types.js';
import { KYC_WEBHOOKS_PATH } from '../../subgraphs/journeys/inbound/kyc-provider.js';
import { PAYMENT_RAIL_REPORTS_PATH } from '../../subgraphs/journeys/inbound/payment-rail.js';
import { paymentInput, settled, stepStatuses } from '../journeys/support.js';
import { DASHBOARD, journeyOperation, STAFF_OVERVIEW } from '../support/operations.js';
import { startStack, type GraphQLAnswer, type Stack } from '../support/stack.js';
import { withoutUuids } from '../support/uuids.js';

/**
 * Every log line of a full run (gateway, subgraphs, journeys engine, all at debug) goes to memory; the run drives a
 * dashboard, staff lookups, a legacy system failing with a message that quotes a card number, contact details and a
 * token, a forged token, and a payment journey; then every captured line is scanned for what must never be logged.
 */

const SEND = journeyOperation('SendInternationalPayment');
const PAN = '4111111111111111';
const EMAIL = 'amelia.hartmann@example.com';
const PHONE = '+49 30 1234567';
/** A JWT's header and payload: a bearer token or a signed internal context. */
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}/;
/** 13 to 19 digits, maybe grouped by spaces or dashes, not glued to letters or digits (a hex id is not a PAN). */
const PAN_LIKE = /(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])/;
/** Sandbox contact details: `firstname.lastname@example.com`, `+49 30 1234567`. */
const CONTACT_LIKE = /@example\.com|\+49 30 \d{7}/;
/** The run logs about a dozen lines at debug (a request line each, the legacy failures, the journey's own). */
const MIN_LINES = 10;
/** The loggers of the services the run goes through, each of which logs some of them. */
const LOGGERS = ['gateway', 'subgraph-accounts', 'subgraph-cards', 'journeys-engine'];

/** Every string value in a parsed log line, however deep. */
function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/** The card processor's HTTP Basic credentials as they travel (base64 of application token : access token). */
const CARD_BASIC = Buffer.from(`${SANDBOX_SECRETS.cardProcessorApplicationToken}:${SANDBOX_SECRETS.cardProcessorAccessToken}`).toString('base64');

/**
 * A card processor in front of the real simulator: it forwards, unless `leaking`, when it answers every call with a
 * 500 in the processor's dialect (Marqeta's `{ error_code, error_message }`) whose message quotes what a careless
 * legacy system might (a PAN, contact details, a bearer token). `leaked` keeps each such answer and `apiKeys` the
 * HTTP Basic credentials the calls carried, so the test knows the logs were offered them.
 */
function leakyCardProcessor(
  upstream: () => string,
  leakText: () => string,
): { server: Server; url: () => string; leaking: { on: boolean }; leaked: string[]; apiKeys: Set<string> } {
  const leaking = { on: false };
  const leaked: string[] = [];
  const apiKeys = new Set<string>();
  const server = createServer((req, res) => {
    apiKeys.add(String(req.headers.authorization));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      if (leaking.on) {
        const body = JSON.stringify({ error_code: '500', error_message: `${leakText()} (request ${PAN})` });
        leaked.push(body);
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(body);
        return;
      }
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const answer = await fetch(`${upstream()}${req.url}`, { method: req.method!, headers, ...(body && req.method !== 'GET' ? { body } : {}) });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  return { server, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`, leaking, leaked, apiKeys };
}

/** What the run got back, for the tests to check that it did what it is meant to (and the scan is not vacuous). */
interface Run {
  readonly dashboard: GraphQLAnswer;
  readonly failingDashboard: GraphQLAnswer;
  readonly lookup: GraphQLAnswer;
  readonly overview: GraphQLAnswer;
  readonly forged: GraphQLAnswer;
  readonly payment: GraphQLAnswer;
  readonly journey: JourneyRecord;
  /** What the pushes below were answered: a malformed report, a report with a customer's token, a forged webhook. */
  readonly inbound: readonly number[];
}

describe('logs of a full run hold no token, PAN, contact detail or secret', () => {
  let stack: Stack;
  const lines: string[] = [];
  const tokens: string[] = [];
  let leaky: ReturnType<typeof leakyCardProcessor>;
  let run: Run;

  // The run is made here, before any test reads the lines: each test below sees all of it, run alone or not.
  beforeAll(async () => {
    let customerToken = '';
    leaky = leakyCardProcessor(
      () => stack.simulators['card-processor'].running.url,
      () => `vault unreachable for card ${PAN} (4111 1111 1111 1111) of ${EMAIL}, ${PHONE}; caller sent Bearer ${customerToken}`,
    );
    await new Promise<void>((resolve) => leaky.server.listen(0, '127.0.0.1', resolve));
    stack = await startStack({
      logDestination: { write: (line: string) => void lines.push(line) },
      connectors: { 'card-processor': { baseUrl: leaky.url(), retry: { retries: 0 } } },
    });
    customerToken = await stack.customerToken('cust-0001');
    tokens.push(customerToken, await stack.staffToken('support'), await stack.staffToken('operations'));
    const [customer, support, operations] = tokens as [string, string, string];

    // A dashboard that works, then one whose card processor fails with a leaky message, and core banking failing too.
    const dashboard = await stack.graphql(DASHBOARD, { currency: 'EUR' }, customer);
    leaky.leaking.on = true;
    stack.fault('core-banking', { route: 'POST /fineract-provider/api/v1/batches', errorRate: 1 });
    const failingDashboard = await stack.graphql(DASHBOARD, { currency: 'EUR' }, customer);
    leaky.leaking.on = false;
    stack.clearFaults();
    // Staff lookups: one customer with contact details, and an overview.
    const lookup = await stack.graphql('query($id: ID!) { customer(id: $id) { profile { email phone dateOfBirth } cards { last4 } } }', { id: 'cust-0001' }, operations);
    const overview = await stack.graphql(STAFF_OVERVIEW, { ids: ['cust-0001', 'cust-0002'] }, support);
    // A forged token (a real one with its signature replaced).
    const forgedToken = `${customer.slice(0, customer.lastIndexOf('.'))}.forgedsignatureforgedsignatureforgedsig`;
    const forged = await stack.graphql(DASHBOARD, {}, forgedToken);
    // A payment journey, to its end, background notification included.
    const payment = await stack.graphql(SEND, { idempotencyKey: `log-${Date.now()}`, input: paymentInput({ amount: '9.00' }) }, customer);
    const id = (payment.body.data?.sendInternationalPayment as { journey?: { id?: string } } | undefined)?.journey?.id;
    if (!id) throw new Error(`the payment journey did not start: ${JSON.stringify(payment.body)}`);
    // What legacy systems push: a malformed report quoting a card number and contact details, one sent with the
    // customer's token instead of the rail's, and a webhook about the customer with a forged signature.
    const journeys = stack.subgraphs.journeys.url;
    const leakyReport = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.002.001.11"><FIToFIPmtStsRpt><GrpHdr><MsgId>M1</MsgId></GrpHdr><TxInfAndSts><OrgnlEndToEndId>${PAN}</OrgnlEndToEndId><TxSts>${EMAIL}</TxSts></TxInfAndSts></FIToFIPmtStsRpt></Document>`;
    const report = (authorization: string) =>
      fetch(new URL(PAYMENT_RAIL_REPORTS_PATH, journeys), { method: 'POST', headers: { 'content-type': 'application/xml', authorization }, body: leakyReport });
    const inbound = [
      (await report(`Bearer ${SANDBOX_SECRETS.paymentRailReportToken}`)).status,
      (await report(`Bearer ${customer}`)).status,
      (
        await fetch(new URL(KYC_WEBHOOKS_PATH, journeys), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sha2-signature': 'ab'.repeat(32) },
          body: JSON.stringify({ payload: { resource_type: 'check', action: 'check.completed', object: { id: 'chk-1', status: EMAIL } } }),
        })
      ).status,
    ];
    run = { dashboard, failingDashboard, lookup, overview, forged, payment, journey: await settled(stack, id), inbound };
  });
  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => leaky?.server.close(resolve));
  });

  it('the run did what it is meant to, and sent the system everything the logs must not hold', () => {
    expect(run.dashboard.body.errors, 'dashboard').toBeUndefined();
    expect(run.failingDashboard.body.errors?.some((e) => e.extensions?.service === 'card-processor')).toBe(true);
    expect(run.lookup.body.errors, 'lookup').toBeUndefined();
    expect(run.overview.body.errors, 'overview').toBeUndefined();
    expect(run.forged.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(run.payment.body.errors, 'payment').toBeUndefined();
    expect(run.journey.status).toBe('COMPLETED');
    expect(stepStatuses(run.journey).notifyCustomer).toBe('SUCCEEDED');
    expect(run.inbound).toEqual([400, 401, 401]);
    // The card processor did answer with the PAN, the contact details and the customer's token...
    expect(leaky.leaked.length).toBeGreaterThan(0);
    for (const body of leaky.leaked) for (const value of [PAN, EMAIL, PHONE, `Bearer ${tokens[0]}`]) expect(body).toContain(value);
    // ...the connector sent it its secret credentials, and the gateway served contact details to staff: the logs were
    // offered every kind of thing scanned for.
    expect([...leaky.apiKeys]).toEqual([`Basic ${CARD_BASIC}`]);
    expect(JSON.stringify(run.lookup.body.data)).toMatch(CONTACT_LIKE);
  });

  it('every captured line is JSON and free of tokens, signed contexts, PAN-like numbers, contact details and secrets', () => {
    // What the scan covers: lines of every service the run went through, a request line for each of its six
    // requests, and the line that logged the card processor's leaky failure (with the PAN masked).
    expect(lines.length).toBeGreaterThanOrEqual(MIN_LINES);
    const parsed = lines.map((raw) => JSON.parse(raw) as Record<string, unknown>);
    expect([...new Set(parsed.map((l) => l.name))]).toEqual(expect.arrayContaining(LOGGERS));
    expect(parsed.filter((l) => l.name === 'gateway' && l.msg === 'request').length).toBeGreaterThanOrEqual(6);
    expect(parsed.filter((l) => l.service === 'card-processor' && JSON.stringify(l).includes('****1111')).length).toBeGreaterThan(0);

    const leaks: string[] = [];
    for (const line of parsed) {
      // pino's own epoch-ms `time` is 13 digits: not a card number.
      delete line.time;
      const text = withoutUuids(JSON.stringify(line));
      const found = [
        ...tokens.filter((t) => text.includes(t)).map(() => 'a bearer token'),
        ...(JWT_LIKE.test(text) ? ['a JWT'] : []),
        ...(PAN_LIKE.test(text) ? [`a PAN-like number (${PAN_LIKE.exec(text)![0]})`] : []),
        ...(CONTACT_LIKE.test(text) ? ['contact details'] : []),
        ...(text.includes(CARD_BASIC) ? ["the card processor's HTTP Basic credentials"] : []),
        // In values only: a key such as "password" (with "[redacted]") is the redaction working.
        ...Object.entries(SANDBOX_SECRETS)
          .filter(([, secret]) => stringsIn(line).some((v) => v.includes(secret)))
          .map(([name]) => `the ${name} secret`),
      ];
      if (found.length) leaks.push(`${found.join(", ")}: ${text}`);
    }
    expect(leaks).toEqual([]);
  });

  it('still logs what an operator needs: the masked legacy failure with its last four digits and the request lines', () => {
    const text = lines.join('\n');
    expect(text).toContain('****1111');
    expect(text).toMatch(/"msg":"request"/);
    // The refused pushes are logged (with the reason, not the body or the token): the scan above covered them.
    expect(text).toContain('a pushed report was refused as malformed');
    expect(text).toContain('a pushed report without a valid token was refused');
    expect(text).toContain('a webhook without a valid X-SHA2-Signature was refused');
  });
});

describe('the logger scrubs every string it writes, under any key', () => {
  it('masks PANs, tokens and contact details in fields, nested fields, messages and errors; keeps ids and the redaction by path', () => {
    const out: string[] = [];
    const logger = createLogger('test', { write: (line: string) => void out.push(line) });
    logger.level = 'info';
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0LTAwMDEifQ.c2lnbmF0dXJl';
    logger.info(
      {
        requestId: 'req-1',
        journeyId: 'jrn_abc234',
        headers: { authorization: `Bearer ${jwt}` },
        reason: `payout refused for ${PAN}`,
        nested: { body: [`contact ${EMAIL} or ${PHONE}`, `token ${jwt}`] },
        err: new Error(`card ${PAN} declined`),
      },
      `legacy said: ${PAN}`,
    );
    const line = JSON.parse(out[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({
      requestId: 'req-1',
      journeyId: 'jrn_abc234',
      headers: { authorization: '[redacted]' },
      reason: 'payout refused for ****1111',
      nested: { body: ['contact [redacted-email] or [redacted-phone]', 'token [redacted-jwt]'] },
      err: { message: 'card ****1111 declined' },
      msg: 'legacy said: ****1111',
    });
  });
});
