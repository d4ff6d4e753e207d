import { beforeAll, describe, expect, it } from 'vitest';
import type { Exchange, Violation } from '../../conformance/exchange.js';
import { FineractChecker } from '../../conformance/fineract.js';
import { OpenApiChecker } from '../../conformance/openapi.js';
import { REPO_SPECS, SPEC_FILES } from '../../conformance/specs.js';
import { validateIso20022, validateIso20022All } from '../../conformance/xsd.js';

/**
 * The conformance checks themselves: each passes an exchange its vendor's specification allows and flags one it
 * does not, so `npm run conformance` can fail (the findings it reports today are the issue-12 table, shown here
 * on one exchange each).
 */

const basic = `Basic ${Buffer.from('user:secret').toString('base64')}`;
function exchange(system: string, over: Partial<Exchange>): Exchange {
  return { system, method: 'GET', url: '/', requestHeaders: {}, requestBody: '', status: 200, responseHeaders: {}, responseBody: '', ...over };
}
const messages = (violations: Violation[]) => violations.map((v) => `${v.part}: ${v.message}`);

describe('Fineract, as its source defines its API', () => {
  const fineract = new FineractChecker();
  const headers = { authorization: basic, 'fineract-platform-tenantid': 'default' };
  const fx = (over: Partial<Exchange>) => fineract.check(exchange('core-banking', { requestHeaders: headers, ...over }));

  it('passes a batch of reads CommandStrategyProvider runs, and flags one it answers 501', () => {
    const batch = (relativeUrl: string) =>
      fx({ method: 'POST', url: '/fineract-provider/api/v1/batches', requestBody: JSON.stringify([{ requestId: 1, method: 'GET', relativeUrl }]) });
    expect(batch('v1/savingsaccounts/5001')).toEqual([]);
    expect(messages(batch('v1/clients/external-id/cust-0001'))).toEqual([expect.stringMatching(/not a relative URL CommandStrategyProvider runs \(Fineract answers 501\)/)]);
  });

  it("flags a deposit parameter Fineract's validator refuses (externalId), and passes its own", () => {
    const deposit = (body: Record<string, unknown>) =>
      fx({ method: 'POST', url: '/fineract-provider/api/v1/savingsaccounts/5001/transactions?command=deposit', requestBody: JSON.stringify(body) });
    const own = { locale: 'en', dateFormat: 'yyyy-MM-dd', transactionDate: '2026-12-02', transactionAmount: '10.00', paymentTypeId: 1 };
    expect(deposit(own)).toEqual([]);
    expect(messages(deposit({ ...own, externalId: 'jrn.debit' }))).toEqual([expect.stringMatching(/does not accept externalId/)]);
  });

  it('flags a route Fineract does not have, a command the route does not take, and missing tenant or credentials', () => {
    expect(messages(fx({ url: '/fineract-provider/api/v1/savingsaccounts/5001/transactions/external-id/x' }))).toEqual([expect.stringMatching(/^route: Fineract has no route/)]);
    expect(messages(fx({ method: 'POST', url: '/fineract-provider/api/v1/savingsaccounts/5001?command=explode' }))).toEqual([expect.stringMatching(/takes the commands .*approve.*not "explode"/)]);
    expect(messages(fineract.check(exchange('core-banking', { url: '/fineract-provider/api/v1/savingsaccounts/5001' })))).toEqual([
      'auth: Fineract wants HTTP Basic credentials',
      'auth: Fineract wants the Fineract-Platform-TenantId header',
    ]);
  });

  it("holds the transaction search's answer to {total, content}", () => {
    const search = (body: unknown) =>
      fx({ url: '/fineract-provider/api/v1/savingsaccounts/5001/transactions/search?offset=0&limit=5', responseBody: JSON.stringify(body) });
    expect(search({ total: 1, content: [] })).toEqual([]);
    expect(messages(search({ totalFilteredRecords: 1, pageItems: [] }))).toEqual([
      expect.stringMatching(/missing total, content/),
      expect.stringMatching(/fields Fineract's does not: totalFilteredRecords, pageItems/),
    ]);
  });
});

describe("Marqeta's published Core API v3", () => {
  let marqeta: OpenApiChecker;
  beforeAll(async () => {
    marqeta = await OpenApiChecker.load({
      system: 'card-processor',
      file: SPEC_FILES.marqeta,
      apiRoot: '/v3',
      credentials: (h) => (/^Basic /.test(h.authorization ?? '') ? undefined : 'Marqeta wants HTTP Basic'),
    });
  }, 60_000);

  it('passes a card transition it documents, and flags a wrong state in the answer', () => {
    const transition = { card_token: 'crd_1', state: 'SUSPENDED', channel: 'API', reason_code: '01' };
    const answer = { token: 'tr_1', card_token: 'crd_1', user_token: 'usr_1', state: 'SUSPENDED', state_reason: 'frozen', reason_code: '01', channel: 'API', fulfillment_status: 'ISSUED', type: 'state.suspended', created_time: '2026-12-02T10:00:00Z', last_four: '1234', pan: '411111______1234', expiration: '1229', expiration_time: '2029-12-31T23:59:59Z', barcode: 'b', pin_is_set: false, card_product_token: 'cp_1' };
    const post = (body: unknown) =>
      marqeta.check(exchange('card-processor', { method: 'POST', url: '/v3/cardtransitions', requestHeaders: { authorization: basic, 'content-type': 'application/json' }, requestBody: JSON.stringify(transition), status: 201, responseBody: JSON.stringify(body) }));
    expect(post(answer)).toEqual([]);
    expect(messages(post({ ...answer, state: 'FROZEN' }))).toEqual([expect.stringMatching(/^response: .*\/state must be equal to one of the allowed values/)]);
  });

  it("flags a path of today's dialect and a call without HTTP Basic", () => {
    expect(messages(marqeta.check(exchange('card-processor', { url: '/v2/cards?customer_refs=cust-0001', requestHeaders: { authorization: basic } })))).toEqual([
      'route: the card-processor API has no operation GET /v2/cards',
    ]);
    expect(messages(marqeta.check(exchange('card-processor', { url: '/v3/cards/user/usr_1', requestHeaders: { 'x-api-key': 'k' }, status: 200, responseBody: '' })))).toContain(
      'auth: Marqeta wants HTTP Basic',
    );
  });
});

describe("Onfido's published API v3.6", () => {
  let onfido: OpenApiChecker;
  beforeAll(async () => {
    onfido = await OpenApiChecker.load({ system: 'kyc-provider', file: SPEC_FILES.onfido, apiRoot: '/v3.6' });
  }, 60_000);

  it('passes an applicant it documents, with its token credentials, and flags the call without them', () => {
    const call = (headers: Record<string, string>) =>
      onfido.check(exchange('kyc-provider', {
        method: 'POST',
        url: '/v3.6/applicants',
        requestHeaders: { 'content-type': 'application/json', ...headers },
        requestBody: JSON.stringify({ first_name: 'Noah', last_name: 'Keller' }),
        status: 201,
        responseBody: JSON.stringify({ id: '6f1c0f6e-9b8e-4a55-9a8e-1c2b3d4e5f60', first_name: 'Noah', last_name: 'Keller', created_at: '2026-12-02T10:00:00Z', href: '/v3.6/applicants/6f1c0f6e-9b8e-4a55-9a8e-1c2b3d4e5f60' }),
      }));
    expect(call({ authorization: 'Token token=sandbox_token' })).toEqual([]);
    expect(messages(call({}))).toEqual([expect.stringMatching(/^auth: the request does not carry the credentials/)]);
  });

  it("flags the paths of today's dialect", () => {
    expect(messages(onfido.check(exchange('kyc-provider', { url: '/v3/applicants/app_1/risk_score', requestHeaders: { authorization: 'Token token=t' } })))).toEqual([
      'route: the kyc-provider API has no operation GET /v3/applicants/app_1/risk_score',
    ]);
  });
});

describe("ISO 20022 messages against ISO's XSDs", () => {
  const statusRequest = (extra = '') =>
    `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pacs.028.001.04"><FIToFIPmtStsReq><GrpHdr><MsgId>M1</MsgId><CreDtTm>2026-12-02T10:00:00Z</CreDtTm>${extra}</GrpHdr><TxInf><OrgnlEndToEndId>E2E1</OrgnlEndToEndId></TxInf></FIToFIPmtStsReq></Document>`;

  it('passes a pacs.028 status request, and flags an element ISO does not have', async () => {
    expect(await validateIso20022(statusRequest())).toEqual({ message: 'pacs.028.001.04', errors: [] });
    const bad = await validateIso20022(statusRequest('<SttlmDt>2026-12-02</SttlmDt>'));
    expect(bad.errors).toEqual([expect.stringMatching(/SttlmDt.*This element is not expected/)]);
  });

  it('flags JSON, and a version whose schema is not published here', async () => {
    expect((await validateIso20022('{"MsgId":"M1"}')).errors).toEqual([expect.stringMatching(/not an ISO 20022 Document/)]);
    const other = await validateIso20022(statusRequest().replace('pacs.028.001.04', 'pacs.028.001.05'));
    expect(other.errors).toEqual([expect.stringMatching(/pacs.028.001.05 is not one of the versions/)]);
  });

  it('validates many documents at once, each finding on its own document', async () => {
    const results = await validateIso20022All([statusRequest(), statusRequest('<SttlmDt>2026-12-02</SttlmDt>'), statusRequest(), '{}']);
    expect(results.map((r) => r.errors.length)).toEqual([0, 1, 0, 1]);
    expect(results[1]!.errors).toEqual([expect.stringMatching(/SttlmDt.*This element is not expected/)]);
  });
});

describe('our own OpenAPI 3.1 documents (schema/legacy-apis/): the FX wallet and the notifier', () => {
  let wallet: OpenApiChecker;
  let notifier: OpenApiChecker;
  beforeAll(async () => {
    wallet = await OpenApiChecker.load({ system: 'fx-wallet', path: REPO_SPECS.fxWallet, apiRoot: '/' });
    notifier = await OpenApiChecker.load({ system: 'notifier', path: REPO_SPECS.notifier, apiRoot: '/' });
  });
  const json = { 'content-type': 'application/json', accept: 'application/json' };

  const conversion = {
    conversion_id: 'cv_000001',
    status: 'completed',
    client_ref: 'jrn-1.convert',
    quote_id: 'qt_000001',
    wallet_id: 'wal_0001',
    sell: { ccy: 'EUR', amount: '10.00' },
    buy: { ccy: 'JPY', amount: '1608' },
    rate: '160.8',
    created_at: 1796205600,
    reversal: null,
  };
  const convert = (answer: unknown, status = 201) =>
    wallet.check(exchange('fx-wallet', {
      method: 'POST',
      url: '/api/conversions',
      requestHeaders: json,
      requestBody: JSON.stringify({ quote_id: 'qt_000001', wallet_id: 'wal_0001', client_ref: 'jrn-1.convert' }),
      status,
      responseBody: JSON.stringify(answer),
    }));

  it('passes a conversion the wallet documents, its replay and its error body', () => {
    expect(convert(conversion)).toEqual([]);
    expect(convert({ ...conversion, status: 'reversed', reversal: { client_ref: 'jrn-1.undo', reversed_at: 1796205660 } }, 200)).toEqual([]);
    expect(convert({ code: 'QUOTE_EXPIRED', detail: 'quote qt_000001 expired at 1796205630' }, 409)).toEqual([]);
  });

  it('flags a wrong type (an amount as a JSON number, a JPY amount with places), an unknown field and an unknown code', () => {
    expect(messages(convert({ ...conversion, sell: { ccy: 'EUR', amount: 10 } }))).toEqual([expect.stringMatching(/^response: convert 201: \/sell\/amount must be string/)]);
    expect(messages(convert({ ...conversion, buy: { ccy: 'JPY', amount: '1608.00' } }))).toContainEqual(expect.stringMatching(/^response: convert 201: \/buy\/amount must match pattern "\^\\d\+\$"/));
    expect(messages(convert({ ...conversion, fee: '0.10' }))).toEqual([expect.stringMatching(/must NOT have additional properties/)]);
    expect(messages(convert({ code: 'EXPIRED', detail: 'x' }, 409))).toEqual([expect.stringMatching(/\/code must be equal to one of the allowed values/)]);
  });

  it("flags a quote's amount with other places than its currency has, and a reversed conversion without its reversal", () => {
    const quote = { quote_id: 'qt_1', sell_ccy: 'EUR', buy_ccy: 'JPY', sell_amount: '10.00', buy_amount: '1608', rate: '160.8', expires_at: 1796205630, client_ref: null, conversion_id: null };
    const get = (body: unknown) => wallet.check(exchange('fx-wallet', { url: '/api/quotes/qt_1', responseBody: JSON.stringify(body) }));
    expect(get(quote)).toEqual([]);
    expect(messages(get({ ...quote, sell_amount: '10.5' }))).toContainEqual(expect.stringMatching(/\/sell_amount must match pattern/));
    expect(messages(get({ ...quote, buy_amount: '1608.00' }))).toContainEqual(expect.stringMatching(/\/buy_amount must match pattern "\^\\d\+\$"/));
    expect(messages(convert({ ...conversion, status: 'reversed' }, 200))).toContainEqual(expect.stringMatching(/\/reversal must be object/));
  });

  it('flags a quote asking for both amounts, and a path the wallet does not have', () => {
    const quote = (body: unknown) => wallet.check(exchange('fx-wallet', { method: 'POST', url: '/api/quotes', requestHeaders: json, requestBody: JSON.stringify(body), status: 422, responseBody: JSON.stringify({ code: 'VALIDATION', detail: 'd' }) }));
    expect(quote({ sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '10.00', client_ref: 'r1' })).toEqual([]);
    expect(messages(quote({ sell_ccy: 'EUR', buy_ccy: 'USD', sell_amount: '10.00', buy_amount: '11.00' }))).toContainEqual('request: createQuote: /requestBody must match exactly one schema in oneOf');
    expect(messages(wallet.check(exchange('fx-wallet', { url: '/api/v2/wallets?owner_ids=cust-0001' })))).toEqual(['route: the fx-wallet API has no operation GET /api/v2/wallets']);
  });

  it('holds a batch read to at most 100 owners, and describes the reference rates as text/xml only', () => {
    const owners = (n: number) => Array.from({ length: n }, (_, i) => `cust-${i}`).join(',');
    const read = (n: number) => wallet.check(exchange('fx-wallet', { url: `/api/wallets?owner_ids=${owners(n)}`, responseBody: JSON.stringify({ wallets: [{ wallet_id: 'wal_0001', owner_id: 'cust-0001', status: 'active', pockets: [{ ccy: 'EUR', bal: '1500.0000' }] }] }) }));
    expect(read(100)).toEqual([]);
    expect(messages(read(101))).toEqual([expect.stringMatching(/^request: listWallets: \/query\/owner_ids must NOT have more than 100 items/)]);
    expect(wallet.check(exchange('fx-wallet', { url: '/api/rates/eurofxref-daily.xml', responseHeaders: { 'content-type': 'text/xml' }, responseBody: '<gesmes:Envelope/>' }))).toEqual([]);
  });

  const send = (body: Record<string, unknown>, status: number, answer: unknown) =>
    notifier.check(exchange('notifier', { method: 'POST', url: '/v1/messages', requestHeaders: json, requestBody: JSON.stringify(body), status, responseBody: JSON.stringify(answer) }));
  const email = { channel: 'email', to: 'noah.keller@example.com', template: 'payment_sent', params: { amount: '25.00 EUR' }, idempotency_key: 'jrn-1.notify' };

  it('passes a send the notifier documents, its replay and its 503', () => {
    expect(send(email, 202, { message_id: 'msg_00000001', status: 'queued' })).toEqual([]);
    expect(send(email, 200, { message_id: 'msg_00000001', status: 'delivered' })).toEqual([]);
    expect(send(email, 503, { error: 'temporarily unavailable' })).toEqual([]);
  });

  it('flags a wrong type (params not strings, an SMS to an email address), an unknown status and an unknown path', () => {
    expect(messages(send({ ...email, params: { amount: 25 } }, 202, { message_id: 'msg_1', status: 'queued' }))).toEqual([expect.stringMatching(/^request: sendMessage: \/requestBody\/params\/amount must be string/)]);
    expect(messages(send({ ...email, channel: 'sms' }, 202, { message_id: 'msg_1', status: 'queued' }))).toContainEqual(expect.stringMatching(/^request: sendMessage: \/requestBody\/to must match pattern "\^\\\+/));
    expect(messages(send(email, 202, { message_id: 'msg_1', status: 'sent' }))).toEqual([expect.stringMatching(/^response: sendMessage 202: \/status must be equal to one of the allowed values/)]);
    expect(messages(notifier.check(exchange('notifier', { method: 'POST', url: '/v1/notifications', requestHeaders: json, requestBody: JSON.stringify(email), status: 202 })))).toEqual([
      'route: the notifier API has no operation POST /v1/notifications',
    ]);
  });
});

describe("the vendors' documents as ajv reads them", () => {
  it("rewrites draft 4's boolean exclusive bounds (Marqeta's velocity controls) into the numeric form", async () => {
    const { numericExclusiveBounds } = await import('../../conformance/openapi.js');
    expect(numericExclusiveBounds({ properties: { a: { type: 'number', minimum: 0, exclusiveMinimum: true }, b: { maximum: 5, exclusiveMaximum: false } } })).toEqual({
      properties: { a: { type: 'number', exclusiveMinimum: 0 }, b: { maximum: 5 } },
    });
  });
});
