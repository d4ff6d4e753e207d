import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorisationUrl, BUDGET_REDIRECT, clientAssertion, partnerKey, pkce, startAS, tokenRequest, type TestAS } from './support.js';

/**
 * The login and approval pages in a real browser (Debian's Chromium, driven by playwright-core, launched as
 * test/browser/graphiql.test.ts does): a customer logs in, sees the partner and the permissions in plain words,
 * shares two of three accounts and approves; the partner's callback (intercepted: it is the partner's site, not
 * ours) receives a code whose token is bound to the consent. Screenshot: test-artifacts/authorisation-approval.png.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/authorisation-approval.png';
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium is required by the browser tests and is missing at ${CHROMIUM}: apt-get install -y chromium (npm test does it as root), or set CHROMIUM_PATH.`);
}

describe('approval page in Chromium', () => {
  let as: TestAS;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'bankgraph-chromium-'));
    [as, browser] = await Promise.all([
      startAS(),
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 900, height: 1000 },
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await as?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('logs in, shares two of three accounts and approves; the partner gets a code bound to the consent', async () => {
    const consent = as.registry.add({
      id: 'aac-browser-1',
      partner: 'budget-app',
      permissions: ['accounts:basic', 'balances:read', 'transactions:read'],
      expiresAt: '2027-03-01T00:00:00.000Z',
    });
    const { verifier, challenge } = pkce();
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.route(`${BUDGET_REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'partner callback' }));

    await page.goto(authorisationUrl(as, { consentId: consent.id, challenge, state: 'browser-state' }));
    await page.locator('#customer').fill('cust-0001');
    await page.locator('#password').fill('sandbox-password-0001');
    await page.locator('#login').click();

    await page.locator('#partner-name').waitFor();
    expect(await page.locator('#partner-name').innerText()).toBe('Budget App (sandbox)');
    expect(await page.locator('#customer-name').innerText()).toBe('Amelia Hartmann');
    expect(await page.locator('#permissions li').allInnerTexts()).toEqual([
      'List the consented accounts: id, product name, currency and status.',
      'Balances of the consented accounts.',
      'Transactions of the consented accounts.',
    ]);
    expect(await page.locator('#expiry').innerText()).toContain('2027-03-01 00:00 UTC');
    expect(await page.locator('#accounts input[type=checkbox]').count()).toBe(3);
    await page.getByLabel(/Everyday Current/).check();
    await page.getByLabel(/Easy Saver/).check();
    expect(await page.locator('#account-acc-5003').isChecked()).toBe(false);

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.locator('#approve').click();
    await page.waitForURL(`${BUDGET_REDIRECT}**`);
    const callback = new URL(page.url());
    expect(callback.searchParams.get('state')).toBe('browser-state');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(as.registry.decisions).toContainEqual({ id: consent.id, customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001', 'acc-5002'] });

    const { status, body } = await tokenRequest(as, {
      grant_type: 'authorization_code',
      code: String(code),
      code_verifier: verifier,
      redirect_uri: BUDGET_REDIRECT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion('budget-app', partnerKey('budget-app'), as.issuer),
    });
    expect(status).toBe(200);
    expect(decodeJwt(String(body.access_token))).toMatchObject({ sub: 'cust-0001', 'bankgraph:consent_id': consent.id });

    // Nothing but this server and the partner's (intercepted) callback: no CDN, no script from anywhere.
    const elsewhere = requested.filter((url) => !url.startsWith(as.url) && !url.startsWith(BUDGET_REDIRECT));
    expect(elsewhere).toEqual([]);
  });

  it('declining in the browser sends the partner access_denied', async () => {
    const consent = as.registry.add({ id: 'aac-browser-2', partner: 'budget-app' });
    const page = await browser.newPage();
    await page.route(`${BUDGET_REDIRECT}**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'partner callback' }));
    // The same browser as the first test, its session still standing: the login page again all the same.
    await page.goto(authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }));
    await page.locator('#customer').fill('cust-0001');
    await page.locator('#password').fill('sandbox-password-0001');
    await page.locator('#login').click();
    await page.locator('#decline').click();
    await page.waitForURL(`${BUDGET_REDIRECT}**`);
    expect(new URL(page.url()).searchParams.get('error')).toBe('access_denied');
    expect(consent.status).toBe('Rejected');
  });
});
