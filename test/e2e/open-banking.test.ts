import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type RunningGateway } from '../../gateway/server.js';
import { configFromEnv } from '../../legacy/authorisation-server/config.js';
import { listenAuthorisationServer } from '../../legacy/authorisation-server/server.js';
import { MemoryAuditSink, type AuditEvent } from '../../lib/audit.js';
import { authConfig, SANDBOX_SECRETS } from '../../lib/config.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import { MemoryStore, RedisStore } from '../../lib/store/index.js';
import { browse, clientAssertion, CookieJar, formAction, partnerKey, pkce } from '../authorisation-server/support.js';
import { IBAN } from '../journeys/support.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * Open banking as a third party meets it (issue 13), end to end over HTTP: the sandbox authorisation server
 * (oidc-provider) on port 0, the whole stack with the consent registry on a real Redis, and two gateways that trust
 * the authorisation server's keys. The partner authenticates with private_key_jwt, creates a consent at the gateway,
 * the customer logs in and approves in Debian's Chromium, the partner exchanges the code and reads exactly what was
 * approved; the customer revokes in the graph and the partner's next request is refused. Then a payment consent spent
 * once, the frequency limit counted across both gateways, and every refusal of item 5 with its own code.
 * Screenshot of the approval page: test-artifacts/open-banking-approval.png.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/open-banking-approval.png';
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium is required by this test and is missing at ${CHROMIUM}: apt-get install -y chromium (npm test does it as root), or set CHROMIUM_PATH.`);
}

const BUDGET_REDIRECT = 'https://budget-app.example/callback';
const PAYROLL_REDIRECT = 'https://payroll-app.example/callback';
const DAY = 24 * 60 * 60 * 1000;

/** The id of a committed persisted operation, by manifest and operation name. */
function idOf(manifest: string, operation: string): string {
  const entries = Object.entries(JSON.parse(readFileSync(`${ROOT}schema/persisted/${manifest}.json`, 'utf8')) as Record<string, string>);
  const found = entries.find(([, doc]) => new RegExp(`^(query|mutation) ${operation}\\b`, 'm').test(doc));
  if (!found) throw new Error(`no operation ${operation} in schema/persisted/${manifest}.json`);
  return found[0];
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
}
const codes = (r: Reply) => (r.body.errors ?? []).map((e) => e.extensions?.code);

describe('open banking: a third party joins, reads, is revoked', () => {
  let stack: Stack;
  let redis: RedisStore;
  let as: { url: string; issuer: string; close(): Promise<void> };
  const gateways: RunningGateway[] = [];
  let browser: BrowserContext;
  let profile: string;
  const audit = new MemoryAuditSink();

  beforeAll(async () => {
    const redisUrl = await requireRedis();
    redis = new RedisStore(redisUrl, { prefix: uniquePrefix('open-banking') });
    stack = await startStack({ store: redis, audit });
    const journeysBase = new URL('/', stack.subgraphs.journeys.url).href.replace(/\/$/, '');
    const config = configFromEnv({ CONSENTS_URL: journeysBase, CONSENT_AUTHORISATION_TOKEN: SANDBOX_SECRETS.consentAuthorisationToken });
    const running = await listenAuthorisationServer({ ...config, issuer: undefined }, 0, '127.0.0.1');
    as = { url: running.url, issuer: running.provider.issuer, close: () => running.close() };
    // Two gateways, as behind a load balancer: each trusts the authorisation server's keys (its JWKS, fetched).
    for (let i = 0; i < 2; i++) {
      gateways.push(
        await createGateway({
          supergraphPath: `${ROOT}schema/supergraph.graphql`,
          subgraphUrls: Object.fromEntries(Object.entries(stack.subgraphs).map(([n, s]) => [n, s.url])),
          port: 0,
          auth: authConfig({ NODE_ENV: 'test', PARTNER_TOKEN_ISSUER: as.issuer, PARTNER_JWKS_URL: `${as.url}/jwks` }),
          audit,
          store: new MemoryStore(),
          rateLimit: false,
        }),
      );
    }
    profile = mkdtempSync(join(tmpdir(), 'bankgraph-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 900, height: 1000 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await Promise.all(gateways.map((g) => g.stop()));
    await as?.close();
    await stack?.stop();
    await redis?.close();
  });

  // ---------------------------------------------------------------------------------------------------------------
  // What a partner does, over HTTP

  async function token(params: Record<string, string>, clientId: string): Promise<string> {
    const res = await fetch(`${as.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        ...params,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: await clientAssertion(clientId, partnerKey(clientId), as.issuer),
      }),
    });
    const body = (await res.json()) as { access_token?: string };
    expect(res.status, JSON.stringify(body)).toBe(200);
    return String(body.access_token);
  }
  const clientToken = (clientId: string, scope: string) => token({ grant_type: 'client_credentials', scope }, clientId);

  async function ob(method: string, path: string, bearer: string, body?: unknown, gateway = 0): Promise<Reply> {
    const res = await fetch(`${gateways[gateway]!.url.replace(/\/graphql$/, '')}/open-banking/v4.0${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as Reply['body']) : {} };
  }

  async function graphql(bearer: string, payload: Record<string, unknown>, options: { gateway?: number; customerPresent?: boolean } = {}): Promise<Reply> {
    const res = await fetch(gateways[options.gateway ?? 0]!.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${bearer}`,
        ...(options.customerPresent ? { 'x-fapi-customer-ip-address': '198.51.100.7' } : {}),
      },
      body: JSON.stringify(payload),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Reply['body'] };
  }
  const persisted = (manifest: string, operation: string, variables: Record<string, unknown>) => ({
    variables,
    extensions: { persistedQuery: { version: 1, sha256Hash: idOf(manifest, operation) } },
  });
  const accountsOverview = (bearer: string, options?: { gateway?: number; customerPresent?: boolean }) =>
    graphql(bearer, persisted('budget-app', 'AccountsOverview', { customerId: 'cust-0001' }), options);
  const accountIdsOf = (r: Reply) => ((r.body.data?.customer as { accounts: { id: string }[] } | null)?.accounts ?? []).map((a) => a.id);

  async function accountAccessConsent(bearer: string, data: Record<string, unknown> = {}): Promise<string> {
    const created = await ob('POST', '/aisp/account-access-consents', bearer, {
      Data: { Permissions: ['ReadAccountsBasic', 'ReadBalances'], ExpirationDateTime: new Date(Date.now() + 30 * DAY).toISOString(), ...data },
      Risk: {},
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const consent = (created.body.Data as { ConsentId: string; Status: string });
    expect(consent.Status).toBe('AwaitingAuthorisation');
    return consent.ConsentId;
  }

  function authorisationUrl(clientId: string, consentId: string, challenge: string, scope: string, redirect: string): string {
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirect,
      scope,
      state: `state-${consentId}`,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      openbanking_intent_id: consentId,
    });
    return `${as.url}/auth?${q}`;
  }

  /** The customer's approval without a browser (the browser test below drives the same pages): the code's token. */
  async function approvedOverHttp(clientId: string, consentId: string, accountIds: string[], scope: string, redirect: string): Promise<string> {
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const login = await browse(as.url, jar, authorisationUrl(clientId, consentId, challenge, scope, redirect), redirect);
    const approval = await browse(as.url, jar, formAction(login.html), redirect, {
      method: 'POST',
      form: new URLSearchParams({ customer: 'cust-0001', password: 'sandbox-password-0001' }),
    });
    const form = new URLSearchParams({ decision: 'approve' });
    for (const id of accountIds) form.append('account', id);
    const back = await browse(as.url, jar, formAction(approval.html), redirect, { method: 'POST', form });
    const code = back.redirect?.searchParams.get('code');
    expect(code, back.html.slice(0, 300)).toBeTruthy();
    return token({ grant_type: 'authorization_code', code: String(code), code_verifier: verifier, redirect_uri: redirect }, clientId);
  }

  /** Writes core banking has seen (POSTs but its read batches: debits, credits, holds): what "nothing moved" counts. */
  const coreBankingWrites = async () =>
    Object.entries((await stack.stats())['core-banking'].routes)
      .filter(([route]) => route.startsWith('POST') && !route.includes('/batches'))
      .reduce((n, [, count]) => n + count, 0);

  const consentEvents = (id: string) =>
    audit.events.filter((e: AuditEvent) => e.kind === 'consent' && (e as AuditEvent & { consentId?: string }).consentId === id) as (AuditEvent & {
      previousStatus?: string;
    })[];

  // ---------------------------------------------------------------------------------------------------------------

  it('client credentials, a consent, the customer approves two of three accounts in Chromium, the partner reads exactly those, the customer revokes, the partner is refused', async () => {
    const setup = await clientToken('budget-app', 'accounts');
    expect(decodeJwt(setup)).toMatchObject({ client_id: 'budget-app', 'bankgraph:kind': 'partner' });
    const consentId = await accountAccessConsent(setup);
    expect((await ob('GET', `/aisp/account-access-consents/${consentId}`, setup)).body.Data).toMatchObject({ ConsentId: consentId, Status: 'AwaitingAuthorisation' });

    // The customer, sent to the bank by the partner, logs in and approves two of the three accounts.
    const { verifier, challenge } = pkce();
    const page = await browser.newPage();
    await page.route(`${BUDGET_REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'partner callback' }));
    await page.goto(authorisationUrl('budget-app', consentId, challenge, 'openid accounts', BUDGET_REDIRECT));
    await page.locator('#customer').fill('cust-0001');
    await page.locator('#password').fill('sandbox-password-0001');
    await page.locator('#login').click();
    await page.locator('#partner-name').waitFor();
    expect(await page.locator('#partner-name').innerText()).toBe('Budget App (sandbox)');
    expect(await page.locator('#permissions li').allInnerTexts()).toEqual([
      'List the consented accounts: id, product name, currency and status.',
      'Balances of the consented accounts.',
    ]);
    expect(await page.locator('#accounts input[type=checkbox]').count()).toBe(3);
    await page.locator('#account-acc-5001').check();
    await page.locator('#account-acc-5002').check();
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await page.locator('#approve').click();
    await page.waitForURL(`${BUDGET_REDIRECT}**`);
    const code = new URL(page.url()).searchParams.get('code');
    expect(code).toBeTruthy();
    await page.close();

    const bound = await token({ grant_type: 'authorization_code', code: String(code), code_verifier: verifier, redirect_uri: BUDGET_REDIRECT }, 'budget-app');
    expect(decodeJwt(bound)).toMatchObject({ sub: 'cust-0001', 'bankgraph:consent_id': consentId });
    expect((await ob('GET', `/aisp/account-access-consents/${consentId}`, setup)).body.Data).toMatchObject({ Status: 'Authorised' });

    // The partner reads exactly the two accounts, with balances, through either gateway.
    for (const gateway of [0, 1]) {
      const read = await accountsOverview(bound, { gateway, customerPresent: true });
      expect(read.status).toBe(200);
      expect(read.body.errors).toBeUndefined();
      expect(accountIdsOf(read)).toEqual(['acc-5001', 'acc-5002']);
      expect((read.body.data?.customer as { accounts: { balance: { amount: string } }[] }).accounts[0]?.balance.amount).toBe('2450.75');
    }

    // The customer sees the consent in the graph, with its use today, and revokes it.
    const customer = await mintSandboxToken({ customer: 'cust-0001' });
    const mine = await graphql(customer, {
      query: '{ me { consents { id status partner { clientId name } permissions accountIds accessesToday lastAccessAt expiresAt } } }',
    });
    const listed = ((mine.body.data?.me as { consents: Record<string, unknown>[] }).consents ?? []).find((c) => c.id === consentId);
    expect(listed).toMatchObject({
      status: 'AUTHORISED',
      partner: { clientId: 'budget-app', name: 'Budget App (sandbox)' },
      accountIds: ['acc-5001', 'acc-5002'],
      accessesToday: 2,
      lastAccessAt: expect.any(String),
    });
    const revoked = await graphql(customer, { query: 'mutation R($id: ID!) { revokeConsent(id: $id) { id status } }', variables: { id: consentId } });
    expect(revoked.body).toEqual({ data: { revokeConsent: { id: consentId, status: 'REVOKED' } } });

    // From the partner's next request on: refused, nothing read, on both gateways.
    for (const gateway of [0, 1]) {
      const refused = await accountsOverview(bound, { gateway, customerPresent: true });
      expect(refused.status).toBe(403);
      expect(codes(refused)).toEqual(['CONSENT_REVOKED']);
      expect(refused.body.data ?? null).toBeNull();
    }
    expect((await ob('GET', `/aisp/account-access-consents/${consentId}`, setup)).body.Data).toMatchObject({ Status: 'Revoked' });
    // Every change audited: who, from which state to which.
    expect(consentEvents(consentId).map((e) => [e.previousStatus ?? null, e.outcome, e.who])).toEqual([
      [null, 'AwaitingAuthorisation', 'partner:budget-app'],
      ['AwaitingAuthorisation', 'Authorised', expect.stringContaining('cust-0001')],
      ['Authorised', 'Revoked', 'customer:cust-0001'],
    ]);
  });

  it('a payment consent: approved by the customer, spent once by the payment; the replay is the same journey, a second payment is refused', async () => {
    const setup = await clientToken('payroll-app', 'payments');
    const created = await ob('POST', '/pisp/domestic-payment-consents', setup, {
      Data: {
        Initiation: {
          InstructedAmount: { Amount: '42.00', Currency: 'EUR' },
          CreditorAccount: { SchemeName: 'UK.OBIE.IBAN', Identification: IBAN.DE, Name: 'Jana Employee' },
          RemittanceInformation: { Reference: 'salary 2026-12' },
          DebtorAccount: { Identification: 'acc-5001' },
        },
      },
      Risk: {},
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const consentId = (created.body.Data as { ConsentId: string }).ConsentId;
    const bound = await approvedOverHttp('payroll-app', consentId, ['acc-5001'], 'openid payments', PAYROLL_REDIRECT);
    expect(decodeJwt(bound)).toMatchObject({ 'bankgraph:consent_id': consentId, scope: expect.stringContaining('payments:initiate') });

    const input = (over: Record<string, unknown> = {}) => ({
      sourceAccountId: 'acc-5001',
      amount: { amount: '42.00', currency: 'EUR' },
      beneficiary: { name: 'Jana Employee', iban: IBAN.DE, bic: 'DEUTDEFF', country: 'DE' },
      remittance: 'salary 2026-12',
      consentId,
      ...over,
    });
    const pay = (key: string, paid: Record<string, unknown>) =>
      graphql(bound, persisted('payroll-app', 'PayEmployee', { idempotencyKey: key, input: paid }), { customerPresent: true });
    const before = await coreBankingWrites();

    // A payment that differs from the consent moves nothing and spends nothing.
    const differs = await pay(`pay-${consentId}-x`, input({ amount: { amount: '420.00', currency: 'EUR' } }));
    expect(codes(differs)).toEqual(['CONSENT_PAYMENT_MISMATCH']);
    expect((await coreBankingWrites())).toBe(before);

    const paid = await pay(`pay-${consentId}-1`, input());
    expect(paid.body.errors, JSON.stringify(paid.body.errors)).toBeUndefined();
    const journey = (paid.body.data?.sendInternationalPayment as { journey: { id: string; status: string } }).journey;
    expect(journey.status).toBe('COMPLETED');
    expect((await ob('GET', `/pisp/domestic-payment-consents/${consentId}`, setup)).body.Data).toMatchObject({ Status: 'Consumed' });

    const replay = await pay(`pay-${consentId}-1`, input());
    expect(replay.body.errors).toBeUndefined();
    expect((replay.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id).toBe(journey.id);
    const afterFirst = await coreBankingWrites();

    const second = await pay(`pay-${consentId}-2`, input());
    expect(codes(second)).toEqual(['CONSENT_CONSUMED']);
    expect(second.body.data?.sendInternationalPayment ?? null).toBeNull();
    // Nothing moved for the replay or the refused second payment.
    expect((await coreBankingWrites())).toBe(afterFirst);
  });

  it('limits access without the customer present to frequencyPerDay per consent, one count across both gateways on one Redis (429 CONSENT_ACCESS_LIMIT)', async () => {
    const setup = await clientToken('budget-app', 'accounts');
    const consentId = await accountAccessConsent(setup, { FrequencyPerDay: 3 });
    const bound = await approvedOverHttp('budget-app', consentId, ['acc-5001'], 'openid accounts', BUDGET_REDIRECT);
    const unattended = [];
    for (const gateway of [0, 1, 0, 1]) unattended.push(await accountsOverview(bound, { gateway }));
    expect(unattended.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    const limited = unattended[3]!;
    expect(codes(limited)).toEqual(['CONSENT_ACCESS_LIMIT']);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited.body.data ?? null).toBeNull();
    expect(accountIdsOf(unattended[2]!)).toEqual(['acc-5001']);
    // With the customer present (x-fapi-customer-ip-address) the limit does not apply.
    const present = await accountsOverview(bound, { gateway: 1, customerPresent: true });
    expect(present.status).toBe(200);
    expect(accountIdsOf(present)).toEqual(['acc-5001']);
  });

  describe('refusals (item 5): each its own code, nothing read, nothing moved', () => {
    it("another partner's consent: not found through the consent routes, CONSENT_OTHER_PARTNER for a token bound to it", async () => {
      const budgetSetup = await clientToken('budget-app', 'accounts');
      const consentId = await accountAccessConsent(budgetSetup);
      const payrollSetup = await clientToken('payroll-app', 'payments');
      const peek = await ob('GET', `/aisp/account-access-consents/${consentId}`, payrollSetup);
      expect([peek.status, peek.body.code]).toEqual([404, 'CONSENT_NOT_FOUND']);
      const remove = await ob('DELETE', `/aisp/account-access-consents/${consentId}`, payrollSetup);
      expect([remove.status, remove.body.code]).toEqual([404, 'CONSENT_NOT_FOUND']);
      expect((await ob('GET', `/aisp/account-access-consents/${consentId}`, budgetSetup)).body.Data).toMatchObject({ Status: 'AwaitingAuthorisation' });
      // A (sandbox) payroll-app token bound to budget-app's sandbox consent.
      const foreign = await mintSandboxToken({ partner: 'payroll-app', scopes: ['accounts:basic'], consentId: 'consent-budget-cust-0001' });
      const answer = await graphql(foreign, persisted('payroll-app', 'PayrollAccounts', { customerId: 'cust-0001' }));
      expect([answer.status, codes(answer)]).toEqual([403, ['CONSENT_OTHER_PARTNER']]);
    });

    it('an unknown or tampered consent id: CONSENT_NOT_FOUND', async () => {
      const setup = await clientToken('budget-app', 'accounts');
      const consentId = await accountAccessConsent(setup);
      for (const id of [`${consentId.slice(0, -1)}${consentId.endsWith('0') ? '1' : '0'}`, 'aac-nobody-gave-this']) {
        const read = await ob('GET', `/aisp/account-access-consents/${id}`, setup);
        expect([read.status, read.body.code], id).toEqual([404, 'CONSENT_NOT_FOUND']);
        const bound = await mintSandboxToken({ partner: 'budget-app', scopes: ['accounts:basic', 'balances:read'], consentId: id });
        const answer = await accountsOverview(bound);
        expect([answer.status, codes(answer)], id).toEqual([404, ['CONSENT_NOT_FOUND']]);
      }
    });

    it('a consent awaiting authorisation, declined, or expired opens nothing: CONSENT_NOT_AUTHORISED, CONSENT_EXPIRED', async () => {
      const setup = await clientToken('budget-app', 'accounts');
      const awaiting = await accountAccessConsent(setup);
      const early = await accountsOverview(await mintSandboxToken({ partner: 'budget-app', scopes: ['accounts:basic'], consentId: awaiting }));
      expect([early.status, codes(early)]).toEqual([403, ['CONSENT_NOT_AUTHORISED']]);
      // Deleted by the partner while awaiting: Rejected for good, never authorised after.
      expect((await ob('DELETE', `/aisp/account-access-consents/${awaiting}`, setup)).status).toBe(204);
      expect((await ob('GET', `/aisp/account-access-consents/${awaiting}`, setup)).body.Data).toMatchObject({ Status: 'Rejected' });

      const shortLived = await accountAccessConsent(setup, { ExpirationDateTime: new Date(Date.now() + 2500).toISOString() });
      const bound = await approvedOverHttp('budget-app', shortLived, ['acc-5001'], 'openid accounts', BUDGET_REDIRECT);
      expect((await accountsOverview(bound, { customerPresent: true })).status).toBe(200);
      const expiresAt = Date.parse(String(((await ob('GET', `/aisp/account-access-consents/${shortLived}`, setup)).body.Data as { ExpirationDateTime: string }).ExpirationDateTime));
      await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now()) + 50));
      const expired = await accountsOverview(bound, { customerPresent: true });
      expect([expired.status, codes(expired)]).toEqual([403, ['CONSENT_EXPIRED']]);
      expect(expired.body.data ?? null).toBeNull();
    });

    it('a consent asking for what the partner was not granted: CONSENT_SCOPE_NOT_GRANTED, nothing created', async () => {
      const setup = await clientToken('payroll-app', 'accounts');
      const asked = await ob('POST', '/aisp/account-access-consents', setup, {
        Data: { Permissions: ['ReadAccountsBasic', 'ReadBalances'], ExpirationDateTime: new Date(Date.now() + DAY).toISOString() },
        Risk: {},
      });
      expect([asked.status, asked.body.code]).toEqual([403, 'CONSENT_SCOPE_NOT_GRANTED']);
      const unknown = await ob('POST', '/aisp/account-access-consents', setup, { Data: { Permissions: ['ReadEverything'] }, Risk: {} });
      expect([unknown.status, unknown.body.code]).toEqual([400, 'CONSENT_INVALID']);
    });

    it('a payment naming another consent than its token is bound to: CONSENT_TOKEN_MISMATCH, nothing moved', async () => {
      const setup = await clientToken('payroll-app', 'payments');
      const consent = async (amount: string) => {
        const created = await ob('POST', '/pisp/domestic-payment-consents', setup, {
          Data: { Initiation: { InstructedAmount: { Amount: amount, Currency: 'EUR' }, CreditorAccount: { SchemeName: 'UK.OBIE.IBAN', Identification: IBAN.DE, Name: 'Jana Employee' } } },
          Risk: {},
        });
        return (created.body.Data as { ConsentId: string }).ConsentId;
      };
      const [mine, other] = [await consent('5.00'), await consent('6.00')];
      const bound = await approvedOverHttp('payroll-app', mine, ['acc-5001'], 'openid payments', PAYROLL_REDIRECT);
      const before = await coreBankingWrites();
      const answer = await graphql(
        bound,
        persisted('payroll-app', 'PayEmployee', {
          idempotencyKey: `mismatch-${mine}`,
          input: { sourceAccountId: 'acc-5001', amount: { amount: '6.00', currency: 'EUR' }, beneficiary: { name: 'Jana Employee', iban: IBAN.DE, bic: 'DEUTDEFF', country: 'DE' }, consentId: other },
        }),
        { customerPresent: true },
      );
      expect(codes(answer)).toEqual(['CONSENT_TOKEN_MISMATCH']);
      expect((await coreBankingWrites())).toBe(before);
      expect((await ob('GET', `/pisp/domestic-payment-consents/${mine}`, setup)).body.Data).toMatchObject({ Status: 'Authorised' });
    });
  });
});
