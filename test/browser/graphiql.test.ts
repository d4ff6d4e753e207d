import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphiqlEnabled, graphiqlRoute, operationTabs, DEFAULT_OPERATIONS_DIR } from '../../gateway/plugins/graphiql.js';
import { startStack, type Stack } from '../support/stack.js';

/**
 * The GraphiQL explorer in a real browser: Debian's Chromium (/usr/bin/chromium, `.ci/run` installs it) driven by
 * playwright-core. It proves the page works with nothing but the gateway: every request it makes goes to loopback.
 * Without Chromium this file fails, saying how to get it (`npm test` installs it first: scripts/test-tools.sh).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = 'test-artifacts/graphiql.png';
if (!existsSync(CHROMIUM)) {
  throw new Error(`Chromium is required by the browser tests and is missing at ${CHROMIUM}: apt-get install -y chromium (npm test does it as root), or set CHROMIUM_PATH.`);
}

describe('GraphiQL explorer in Chromium', () => {
  let stack: Stack;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    profile = mkdtempSync(join(tmpdir(), 'bankgraph-chromium-'));
    [stack, browser] = await Promise.all([
      startStack(),
      // A new empty profile each run (playwright passes it as --user-data-dir).
      chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM,
        headless: true,
        viewport: { width: 1440, height: 1000 },
        // Without these Chromium phones Google (updates, sync, field trials); this machine's network refuses them.
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('runs the Dashboard with a pasted token and loads nothing from outside the machine', async () => {
    const token = await stack.customerToken('cust-0001');
    const page = await browser.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const blocked: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    const response = await page.goto(`${stack.gateway.origin}/graphiql`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);

    // The Dashboard is the first tab, and the headers editor is open: replace the hint with a real token.
    const queryEditor = page.locator('.graphiql-query-editor');
    await expect.poll(() => textOf(queryEditor), { timeout: 15_000 }).toContain('query Dashboard');
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor:visible').last();
    await headersEditor.click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.press('Delete');
    // insertText, not type: Monaco would auto-close the braces and quotes of typed JSON.
    await page.keyboard.insertText(JSON.stringify({ authorization: `Bearer ${token}` }));

    await page.locator('.graphiql-execute-button').click();
    const result = page.locator('.graphiql-response');
    await expect.poll(() => textOf(result), { timeout: 15_000 }).toContain('Amelia Hartmann');

    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });

    expect(requested.length).toBeGreaterThan(0);
    const outside = requested.filter((url) => !isLocal(url));
    expect(outside, 'requests that left the machine').toEqual([]);
    expect(blocked, 'what the page tried and its Content-Security-Policy refused').toEqual([]);
  }, 30_000);

  it('is served at GET /graphql to a browser, and not to a GraphQL client', async () => {
    const html = await fetch(stack.gatewayUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('bankgraph explorer');

    const json = await fetch(stack.gatewayUrl, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).toMatch(/json/);
  });
});

describe('GraphiQL explorer settings', () => {
  it('is on outside production, off in production unless GRAPHIQL=true', () => {
    expect(graphiqlEnabled({})).toBe(true);
    expect(graphiqlEnabled({ NODE_ENV: 'test' })).toBe(true);
    expect(graphiqlEnabled({ NODE_ENV: 'production' })).toBe(false);
    expect(graphiqlEnabled({ NODE_ENV: 'production', GRAPHIQL: 'true' })).toBe(true);
    expect(graphiqlEnabled({ NODE_ENV: 'development', GRAPHIQL: 'false' })).toBe(false);
    expect(() => graphiqlEnabled({ NODE_ENV: 'production', GRAPHIQL: 'on' })).toThrow('GRAPHIQL must be true or false, got "on"');
    expect(graphiqlRoute({ enabled: false })).toBeUndefined();
  });

  it('opens the committed operations as tabs, Dashboard first, fragments appended where spread', () => {
    const tabs = operationTabs(DEFAULT_OPERATIONS_DIR);
    expect(tabs[0]?.query).toMatch(/query Dashboard\b/);
    const journey = tabs.find((t) => /query Journey\b/.test(t.query));
    expect(journey?.query).toMatch(/fragment JourneyFields on Journey/);
    expect(tabs.some((t) => /^fragment /m.test(t.query) && !/^(query|mutation) /m.test(t.query))).toBe(false);
  });
});

/** What an editor shows, with Monaco's non-breaking spaces as spaces. */
async function textOf(editor: Locator): Promise<string> {
  return (await editor.innerText()).replace(/\u00a0/g, ' ');
}

/** Loopback, or a document-local URL (data:, blob:, about:) that no network sees. */
function isLocal(raw: string): boolean {
  const url = new URL(raw);
  if (['data:', 'blob:', 'about:'].includes(url.protocol)) return true;
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}
