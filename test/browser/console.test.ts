import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDecimalString } from '../../lib/money.js';
import { mintSandboxToken } from '../../lib/tokens.js';
import { eventually, paymentInput, railBook } from '../journeys/support.js';
import { journeyOperation } from '../support/operations.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The operations console (/console) in a real browser through a whole case, two people in two browser contexts of
 * Debian's Chromium (/usr/bin/chromium, driven by playwright-core; nothing is downloaded):
 *   an international payment is parked (NEEDS_ATTENTION) because the rail's answer was lost: the rail accepted the
 *   payout, the answer never came back, and its status route was down too, so nobody knew whether the money went;
 *   the faults clear; ops-alice finds it in the work queue, opens its timeline and requests RETRY_STEP with a reason;
 *   her own approval is refused (four-eyes); ops-bob approves while the rail is slow, so the approval answers with the
 *   journey RUNNING again; his page follows it over /graphql/stream (no re-reading on a timer) until it completes, and
 *   the money moved once.
 * And a second parked payment: ops-alice asks to resolve it as undone, ops-bob (signed in with a pasted token)
 * declines with a reason; nothing is refunded and it stays parked. Then ops-alice asks to retry that one, and ops-bob,
 * whose network refuses the event stream, approves: his page reads the journey once, says live updates stopped, and
 * asks nothing more on its own.
 * Every request either page makes goes to the gateway. Screenshot: test-artifacts/console.png (full page).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/console.png';
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium is required by the browser tests and is missing at ${CHROMIUM}: apt-get install -y chromium (npm test does it as root), or set CHROMIUM_PATH.`);
}
const SEND = journeyOperation('SendInternationalPayment');

/** A request a page made to /graphql or /graphql/stream: which of the console's operations, and when. */
interface Call {
  path: string;
  operationName: string | undefined;
  at: number;
}

interface Person {
  context: BrowserContext;
  page: Page;
  requested: string[];
  calls: Call[];
  blocked: string[];
  pageErrors: string[];
}

describe('operations console in Chromium', () => {
  let stack: Stack;
  let browser: Browser;
  const people: Person[] = [];

  /** The parked payments, by amount: each test works one of them. */
  const parked = new Map<string, { id: string; idempotencyKey: string; input: ReturnType<typeof paymentInput> }>();
  let customer: string;

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
    customer = await stack.customerToken('cust-0001');

    // --- two payments are parked: the rail books each payout, its answer is lost, and asking the rail fails too.
    // Each payout is held a moment before it is booked (and its answer dropped), so the status route can be taken
    // down after the rail was chosen (choosing it asks the same route) and before the journey asks what became of it.
    const amounts = ['31.40', '27.15'];
    stack.fault('payment-rail', { route: 'POST /instant/pacs.008', latencyMs: 1_500, lostResponseRate: 1 });
    const sent = amounts.map((amount, i) => {
      const input = paymentInput({ amount });
      const idempotencyKey = `console-${Date.now()}-${i}`;
      return stack.graphql(SEND, { idempotencyKey, input }, customer).then((answer) => ({ amount, answer, input, idempotencyKey }));
    });
    await eventually('both payouts to reach the rail', async () => ((await stack.stats())['payment-rail'].routes['POST /instant/pacs.008'] ?? 0) >= amounts.length || undefined);
    stack.fault('payment-rail', { route: 'POST /instant/pacs.028', down: true });
    for (const { amount, answer, input, idempotencyKey } of await Promise.all(sent)) {
      expect(answer.body.errors).toBeUndefined();
      const id = (answer.body.data?.sendInternationalPayment as { journey: { id: string } }).journey.id;
      parked.set(amount, { id, idempotencyKey, input });
    }
    for (const [amount, { id }] of parked) {
      const record = await eventually(`journey ${id} to end`, async () => {
        const r = await stack.journeys.engine.get(id);
        return r && r.status !== 'RUNNING' ? r : undefined;
      }, 60_000);
      expect(record.status).toBe('NEEDS_ATTENTION');
      expect(record.steps.find((s) => s.name === 'payOut')?.status).toBe('FAILED');
      // The rail did book it: only the answer was lost.
      expect((await railBook(stack, 'instant')).filter((p) => p.value === amount)).toHaveLength(1);
    }
    stack.clearFaults();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(people.map((p) => p.context.close()));
    await browser?.close();
    await stack?.stop();
  });

  /**
   * A person at the console in a browser context of their own (own sessionStorage): signed in to the sandbox by
   * staff id, or with a pasted token.
   */
  async function signedIn(staffId: string, how: 'sandbox' | { token: string } = 'sandbox'): Promise<Person> {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    const person: Person = { context, page, requested: [], calls: [], blocked: [], pageErrors: [] };
    page.on('request', (request) => {
      person.requested.push(request.url());
      const { pathname } = new URL(request.url());
      if (request.method() !== 'POST' || !pathname.startsWith('/graphql')) return;
      const body = request.postDataJSON() as { operationName?: string } | null;
      person.calls.push({ path: pathname, operationName: body?.operationName, at: Date.now() });
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Trusted Type/i.test(message.text())) person.blocked.push(message.text());
    });
    page.on('pageerror', (err) => person.pageErrors.push(err.message));
    people.push(person);
    const response = await page.goto(`${stack.gateway.origin}/console`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    if (how === 'sandbox') {
      await page.locator('#sandbox-staff-id').fill(staffId);
      await page.locator('#sandbox-sign-in').click();
    } else {
      await page.locator('#token-input').fill(`Bearer ${how.token}`);
      await page.locator('#token-form button[type="submit"]').click();
    }
    await expect.poll(() => page.locator('#who-staff').textContent()).toBe(staffId);
    // sessionStorage only: nothing of the sign-in outlives the tab.
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    const kept = await page.evaluate(() => sessionStorage.getItem('bankgraph.console.token'));
    expect(typeof kept).toBe('string');
    if (how !== 'sandbox') expect(kept).toBe(how.token);
    return person;
  }

  /** Finds the journey in the person's queue, opens its timeline, and waits for its pending action (when asked to). */
  async function openFromQueue(person: Person, id: string, pending = false): Promise<Locator> {
    const row = person.page.locator(`#queue-rows tr[data-journey-id="${id}"]`);
    await shown(person, row);
    await row.click();
    await shown(person, person.page.locator(`#journey[data-journey-id="${id}"]`));
    const action = person.page.locator('#actions li[data-status="AWAITING_APPROVAL"]');
    if (pending) await shown(person, action);
    return action;
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

  it('a payment parked because the rail’s answer was lost: one person asks to retry it, her own approval is refused, another approves; it completes, paid once', async () => {
    const { id, idempotencyKey, input } = parked.get('31.40')!;
    const mine = people.length;

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
    const bobsPending = await openFromQueue(bob, id, true);
    await bobsPending.locator('input.decision-input').fill('Checked the rail desk ticket myself: go ahead');
    // The rail answers the retry slower than the approval waits for the journey (journeyWaitMs, 1 s) but within the
    // connector's 2 s timeout: the approval answers with the journey RUNNING, and the page follows it to COMPLETED.
    for (const route of ['POST /instant/pacs.008', 'POST /instant/pacs.028']) stack.fault('payment-rail', { route, latencyMs: 1_500 });
    const sinceApproval = bob.calls.length;
    await bobsPending.locator('button.approve').click();
    await shown(bob, bob.page.locator('#alert[data-kind="notice"]', { hasText: 'the journey is RUNNING' }));
    await shown(bob, bob.page.locator('#journey-live'));
    const done = bob.page.locator(`#journey[data-journey-id="${id}"][data-status="COMPLETED"]`);
    await shown(bob, done, 45_000);
    stack.clearFaults();
    await shown(bob, bob.page.locator('#alert[data-kind="notice"]', { hasText: `Journey ${id} is now COMPLETED.` }));
    expect(await bob.page.locator('#journey-live').isHidden()).toBe(true);
    // Followed, not polled: after the approval, one read of the timeline (its answer still RUNNING) and one stream,
    // which brought COMPLETED; a one-second timer would have read it again at least once while the rail was slow.
    const afterApproval = bob.calls.slice(sinceApproval);
    expect(afterApproval.filter((c) => c.path === '/graphql/stream').map((c) => c.operationName)).toEqual(['ConsoleJourneyUpdated']);
    expect(afterApproval.filter((c) => c.operationName === 'ConsoleJourney')).toHaveLength(1);
    expect(afterApproval.filter((c) => c.path === '/graphql').map((c) => c.operationName)).toEqual(
      expect.arrayContaining(['ConsoleApproveAction', 'ConsoleJourney']),
    );
    const applied = bob.page.locator('#actions li[data-status="APPLIED"]');
    await shown(bob, applied);
    expect(await applied.locator('.requested-by').textContent()).toBe('ops-alice');
    expect(await applied.locator('.decided-by').textContent()).toBe('ops-bob');
    const bobsPayOut = bob.page.locator('#steps details[data-step="payOut"]');
    expect(await bobsPayOut.getAttribute('data-status')).toBe('SUCCEEDED');
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
    expectOnlyTheGateway(people.slice(mine));
  }, 120_000);

  it('another person declines a requested resolution with a reason: nothing is undone, the journey stays parked', async () => {
    const { id } = parked.get('27.15')!;
    const mine = people.length;

    // ops-alice asks to close it as undone out of band (RESOLVE, outcome UNDONE)
    const alice = await signedIn('ops-alice');
    await openFromQueue(alice, id);
    await alice.page.locator('#action-kind').selectOption('RESOLVE');
    await shown(alice, alice.page.locator('#action-resolution-label'));
    await alice.page.locator('#action-resolution').selectOption('UNDONE');
    await alice.page.locator('#action-reason').fill('Core banking ops say they refunded it by hand (ticket 4471)');
    await alice.page.locator('#action-submit').click();
    const pending = alice.page.locator('#actions li[data-status="AWAITING_APPROVAL"]');
    await shown(alice, pending);
    expect(await pending.locator('.action-head strong').textContent()).toBe('RESOLVE as UNDONE');

    // ops-bob signs in with a token he pasted, and declines: first without a reason (the page asks for one)
    const bob = await signedIn('ops-bob', { token: await mintSandboxToken({ staff: 'operations', staffId: 'ops-bob' }) });
    const bobsPending = await openFromQueue(bob, id, true);
    await bobsPending.locator('button.decline').click();
    await shown(bob, bob.page.locator('#alert[data-kind="error"][data-code="BAD_USER_INPUT"]'));
    const why = 'No refund is booked on acc-5001: the rail holds the payout, ask the rail desk first';
    await bobsPending.locator('input.decision-input').fill(why);
    await bobsPending.locator('button.decline').click();
    const declined = bob.page.locator('#actions li[data-status="DECLINED"]');
    await shown(bob, declined);
    expect(await declined.locator('.decided-by').textContent()).toBe('ops-bob');
    expect(await declined.locator('blockquote.decision-reason').textContent()).toBe(why);
    // Still parked, and open to another action.
    expect(await bob.page.locator('#journey').getAttribute('data-status')).toBe('NEEDS_ATTENTION');
    await shown(bob, bob.page.locator('#action-form'));

    // Nothing was refunded or paid again.
    const { coreBanking } = stack.journeys.deps;
    expect(await coreBanking.findTransactionByReference('acc-5001', `${id}.debitSourceAccount.undo`)).toBeNull();
    expect((await railBook(stack, 'instant')).filter((p) => p.value === '27.15')).toHaveLength(1);
    expect((await stack.journeys.engine.get(id))?.status).toBe('NEEDS_ATTENTION');

    // Signing out forgets the token.
    await bob.page.locator('#sign-out').click();
    await shown(bob, bob.page.locator('#sign-in'));
    expect(await bob.page.evaluate(() => sessionStorage.getItem('bankgraph.console.token'))).toBeNull();
    expectOnlyTheGateway(people.slice(mine));
  }, 60_000);

  it('when the live stream cannot be had, the page reads the journey once, says so, and does not keep trying', async () => {
    const { id } = parked.get('27.15')!;
    const mine = people.length;
    const alice = await signedIn('ops-alice');
    await openFromQueue(alice, id);
    await alice.page.locator('#action-kind').selectOption('RETRY_STEP');
    await alice.page.locator('#action-reason').fill('The rail desk now confirms they hold this payout too');
    await alice.page.locator('#action-submit').click();
    await shown(alice, alice.page.locator('#actions li[data-status="AWAITING_APPROVAL"]'));

    // ops-bob's network refuses the stream (a proxy that drops event streams, say), and the rail is slow again.
    const bob = await signedIn('ops-bob');
    await bob.page.route('**/graphql/stream', (route) => route.abort('connectionfailed'));
    await shown(bob, bob.page.locator(`#queue-rows tr[data-journey-id="${id}"]`));
    await bob.page.locator(`#queue-rows tr[data-journey-id="${id}"]`).click();
    const pending = bob.page.locator('#actions li[data-status="AWAITING_APPROVAL"]');
    await shown(bob, pending);
    for (const route of ['POST /instant/pacs.008', 'POST /instant/pacs.028']) stack.fault('payment-rail', { route, latencyMs: 1_500 });
    const sinceApproval = bob.calls.length;
    await pending.locator('button.approve').click();
    await shown(bob, bob.page.locator('#alert[data-kind="notice"]', { hasText: /Live updates for journey .* stopped|is now COMPLETED/ }));
    // However the fallback read found it, nothing more is asked on its own: no timer, no new stream.
    await bob.page.waitForTimeout(3_000);
    stack.clearFaults();
    const afterApproval = bob.calls.slice(sinceApproval);
    expect(afterApproval.filter((c) => c.path === '/graphql/stream')).toHaveLength(1);
    // The read after the approval, and the one read when the stream failed.
    expect(afterApproval.filter((c) => c.operationName === 'ConsoleJourney')).toHaveLength(2);
    expect(await bob.page.locator('#journey-live').isHidden()).toBe(true);
    // Closing the journey empties the pane; the journey itself completes on the server all the same.
    await bob.page.locator('#journey-close').click();
    expect(await bob.page.locator('#journey').isHidden()).toBe(true);
    const record = await eventually(`journey ${id} to complete`, async () => {
      const r = await stack.journeys.engine.get(id);
      return r && r.status !== 'RUNNING' ? r : undefined;
    }, 30_000);
    expect(record.status).toBe('COMPLETED');
    expectOnlyTheGateway(people.slice(mine));
  }, 60_000);

  /** Each page talked to the gateway only, and nothing was blocked by its CSP or thrown in it. */
  function expectOnlyTheGateway(persons: Person[]): void {
    for (const person of persons) {
      expect(person.requested.length).toBeGreaterThan(0);
      expect(person.requested.filter((url) => !fromGateway(url)), 'requests to anywhere but the gateway').toEqual([]);
      expect(person.blocked, 'what the Content-Security-Policy refused').toEqual([]);
      expect(person.pageErrors, 'errors thrown in the page').toEqual([]);
    }
  }

  /** The gateway's own origin, or a document-local URL (data:, blob:, about:) that no network sees. */
  function fromGateway(raw: string): boolean {
    const url = new URL(raw);
    if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
    return url.origin === stack.gateway.origin;
  }
});
