import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDecimalString } from '../../lib/money.js';
import { eventually, paymentInput, railBook } from '../journeys/support.js';
import { journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The operations console (/console) in a real browser through a whole case, two people in two browser contexts of
 * Debian's Chromium (/usr/bin/chromium, driven by playwright-core; nothing is downloaded):
 *   an international payment is parked (NEEDS_ATTENTION) because the rail's answer was lost: the rail accepted the
 *   payout, the answer never came back, and its status route was down too, so nobody knew whether the money went;
 *   the faults clear; ops-alice finds it in the work queue, opens its timeline and requests RETRY_STEP with a reason;
 *   her own approval is refused (four-eyes); ops-bob approves; the journey completes, and the money moved once.
 * Every request either page makes goes to the gateway. Screenshot: test-artifacts/console.png (full page).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/console.png';
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium is required by the browser tests and is missing at ${CHROMIUM}: apt-get install -y chromium (npm test does it as root), or set CHROMIUM_PATH.`);
}
const SEND = journeyOperation('SendInternationalPayment');

interface Person {
  context: BrowserContext;
  page: Page;
  requested: string[];
  blocked: string[];
  pageErrors: string[];
}

describe('operations console in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  const people: Person[] = [];

  beforeAll(async () => {
    [stack, browser] = await Promise.all([
      // No pushed rail reports: the journey learns of the payout only by asking the rail, which is what fails here.
      startStack({ railReports: false, journeyWaitMs: 1_000 }),
      chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        // Without these Chromium phones Google (updates, sync, field trials); this machine's network refuses them.
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });

  /** A person at the console in a browser context of their own (own sessionStorage), signed in to the sandbox. */
  async function signedIn(staffId: string): Promise<Person> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const person: Person = { context, page, requested: [], blocked: [], pageErrors: [] };
    page.on('request', (request) => person.requested.push(request.url()));
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text())) person.blocked.push(message.text());
    });
    page.on('pageerror', (err) => person.pageErrors.push(err.message));
    people.push(person);
    const response = await page.goto(`${stack.gateway.origin}/console`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.locator('#sandbox-staff-id').fill(staffId);
    await page.locator('#sandbox-sign-in').click();
    await expect.poll(() => page.locator('#who-staff').textContent()).toBe(staffId);
    // sessionStorage only: nothing of the sign-in outlives the tab.
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => typeof sessionStorage.getItem('bankgraph.console.token'))).toBe('string');
    return person;
  }

  /** Waits for `locator`; when it does not come, the error says what the page's alert showed (a refused request). */
  async function shown(person: Person, locator: Locator, timeout = 30_000): Promise<void> {
    try {
      await locator.waitFor({ timeout });
    } catch (err) {
      const alert = (await person.page.locator('#alert').isVisible()) ? await person.page.locator('#alert').textContent() : 'none';
      throw new Error(`${(err as Error).message}\nthe page's alert: ${alert}; errors thrown in it: ${person.pageErrors.join('; ') || 'none'}`);
    }
  }

  it('parks a payment whose rail answer was lost; one person asks to retry it, another approves; it completes once', async () => {
    // --- the payment is parked: the rail books the payout, its answer is lost, and asking the rail fails too
    const customer = await stack.customerToken('cust-0001');
    const input = paymentInput({ amount: '31.40' });
    const idempotencyKey = `console-${Date.now()}`;
    // The payout is held a moment before it is booked (and its answer dropped), so the status route can be taken
    // down after the rail was chosen (choosing it asks the same route) and before the journey asks what became of it.
    stack.fault('payment-rail', { route: 'POST /instant/pacs.008', latencyMs: 1_500, lostResponseRate: 1 });
    const sent = stack.graphql(SEND, { idempotencyKey, input }, customer);
    await eventually('the payout to reach the rail', async () => ((await stack.stats())['payment-rail'].routes['POST /instant/pacs.008'] ?? 0) > 0 || undefined);
    stack.fault('payment-rail', { route: 'POST /instant/pacs.028', down: true });
    const answer = await sent;
    expect(answer.body.errors).toBeUndefined();
    const id = (answer.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
    const parked = await eventually(`journey ${id} to be parked`, async () => {
      const r = await stack.journeys.engine.get(id);
      return r?.status === 'NEEDS_ATTENTION' ? r : r && r.status !== 'RUNNING' ? r : undefined;
    }, 60_000);
    expect(parked.status).toBe('NEEDS_ATTENTION');
    expect(parked.steps.find((s) => s.name === 'payOut')?.status).toBe('FAILED');
    // The rail did book it: only the answer was lost.
    expect((await railBook(stack, 'instant')).filter((p) => p.value === '31.40')).toHaveLength(1);
    stack.clearFaults();

    // --- ops-alice finds it in the work queue (parked journeys by default), with its age and reason
    const alice = await signedIn('ops-alice');
    const row = alice.page.locator(`#queue-rows tr[data-journey-id="${id}"]`);
    await shown(alice, row);
    expect(await row.getAttribute('data-status')).toBe('NEEDS_ATTENTION');
    expect(await row.locator('td.age').textContent()).toMatch(/^\d+ (s|min \d\d s)$/);
    expect(await row.locator('td.reason').textContent()).toContain('payOut');
    expect(Number(await alice.page.locator('#summary-parked strong').textContent())).toBeGreaterThanOrEqual(1);

    // --- opens its timeline: the stuck step, its attempts and last error
    await row.click();
    const journey = alice.page.locator(`#journey[data-journey-id="${id}"]`);
    await shown(alice, journey);
    expect(await journey.getAttribute('data-status')).toBe('NEEDS_ATTENTION');
    const payOut = alice.page.locator('#steps details[data-step="payOut"]');
    expect(await payOut.getAttribute('data-status')).toBe('FAILED');
    expect(await payOut.locator('code.last-error').textContent()).toMatch(/^[A-Z_]+$/);
    expect(await payOut.locator('table.attempts tbody tr').count()).toBeGreaterThan(0);

    // --- requests RETRY_STEP with a reason; the page shows it awaiting a second person
    const reason = 'Rail desk (J. Ortiz) confirms they hold the payout; their status service was down at 10:02 <b>not markup</b>';
    await alice.page.locator('#action-kind').selectOption('RETRY_STEP');
    await alice.page.locator('#action-reason').fill(reason);
    await alice.page.locator('#action-submit').click();
    const pending = alice.page.locator('#actions li[data-status="AWAITING_APPROVAL"]');
    await shown(alice, pending);
    expect(await pending.locator('.requested-by').textContent()).toBe('ops-alice');
    // Typed by a person, shown as text: the tag is not markup.
    expect(await pending.locator('blockquote.action-reason').textContent()).toBe(reason);
    expect(await pending.locator('blockquote.action-reason b').count()).toBe(0);

    // --- her own approval is refused by the server (four-eyes), and the page says so with the code
    await pending.locator('button.approve').click();
    const alert = alice.page.locator('#alert[data-kind="error"]');
    await shown(alice, alert);
    expect(await alert.getAttribute('data-code')).toBe('FOUR_EYES_REQUIRED');
    expect((await alice.page.locator('#alert-text').textContent())?.length).toBeGreaterThan(0);
    expect(await alice.page.locator('#actions li[data-status="AWAITING_APPROVAL"]').count()).toBe(1);

    // --- ops-bob, in another browser context, approves: the journey runs again and completes
    const bob = await signedIn('ops-bob');
    const bobsRow = bob.page.locator(`#queue-rows tr[data-journey-id="${id}"]`);
    await shown(bob, bobsRow);
    await bobsRow.click();
    const bobsPending = bob.page.locator('#actions li[data-status="AWAITING_APPROVAL"]');
    await shown(bob, bobsPending);
    await bobsPending.locator('input.decision-input').fill('Checked the rail desk ticket myself: go ahead');
    await bobsPending.locator('button.approve').click();
    const done = bob.page.locator(`#journey[data-journey-id="${id}"][data-status="COMPLETED"]`);
    await shown(bob, done, 45_000);
    const applied = bob.page.locator('#actions li[data-status="APPLIED"]');
    await shown(bob, applied);
    expect(await applied.locator('.requested-by').textContent()).toBe('ops-alice');
    expect(await applied.locator('.decided-by').textContent()).toBe('ops-bob');
    const bobsPayOut = bob.page.locator('#steps details[data-step="payOut"]');
    expect(await bobsPayOut.getAttribute('data-status')).toBe('SUCCEEDED');
    await shown(bob, bob.page.locator('#alert[data-kind="notice"]', { hasText: 'is now COMPLETED' }));
    // The payOut step's attempts come a page at a time: its lost answer, the failed questions, the retry.
    const attempts = bobsPayOut.locator('table.attempts tbody tr');
    const firstPage = await attempts.count();
    expect(firstPage).toBe(5);
    await bobsPayOut.locator('button.more-attempts').click();
    await expect.poll(() => attempts.count()).toBeGreaterThan(firstPage);
    mkdirSync('test-artifacts', { recursive: true });
    await bob.page.screenshot({ path: SCREENSHOT, fullPage: true });

    // --- the money moved once: one payout on the rail, settled; one debit, never refunded
    const replay = await stack.graphql(SEND, { idempotencyKey, input }, customer);
    const payload = replay.body.data?.sendInternationalPayment as { journey: { status: string }; endToEndId: string | null };
    expect(payload.journey.status).toBe('COMPLETED');
    const book = (await railBook(stack, 'instant')).filter((p) => p.EndToEndId === payload.endToEndId);
    expect(book).toEqual([expect.objectContaining({ Ccy: 'EUR', value: '31.40', TxSts: 'ACSC' })]);
    expect(await railBook(stack, 'correspondent')).not.toContainEqual(expect.objectContaining({ EndToEndId: payload.endToEndId }));
    const { coreBanking } = stack.journeys.deps;
    const debit = await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount`);
    expect(debit && toDecimalString(debit.amount)).toBe('31.40');
    expect(await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount.undo`)).toBeNull();

    // --- both pages talked to the gateway only, and nothing was blocked or thrown
    for (const person of people) {
      expect(person.requested.length).toBeGreaterThan(0);
      expect(person.requested.filter((url) => !fromGateway(url)), 'requests to anywhere but the gateway').toEqual([]);
      expect(person.blocked, 'what the Content-Security-Policy refused').toEqual([]);
      expect(person.pageErrors, 'errors thrown in the page').toEqual([]);
    }
  }, 150_000);

  /** The gateway's own origin, or a document-local URL (data:, blob:, about:) that no network sees. */
  function fromGateway(raw: string): boolean {
    const url = new URL(raw);
    if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
    return url.origin === stack.gateway.origin;
  }
});
