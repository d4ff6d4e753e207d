import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, validate, specifiedRules } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authConfig, consoleEnabled } from '../../lib/config.js';
import { TokenVerifier } from '../../lib/tokens.js';
import { CONSOLE_DIR, CONSOLE_MODULES, consoleOperations, consoleRoute, sandboxLoginAllowed } from '../../gateway/plugins/console.js';
import { knownOperationTypes } from '../../gateway/plugins/known-operation-types.js';
import { DEFAULT_OPERATION_LIMITS, operationLimits } from '../../gateway/plugins/operation-limits.js';
import { prepareSubscription } from '../../gateway/subscriptions/document.js';
import { withSubscriptions } from '../../gateway/subscriptions/schema.js';
import { apiSchemaOf } from '../../scripts/schema-check.js';
import { accounts } from './fixtures.js';
import { AUTH, post, request, startStack, type Stack } from './helpers.js';

/**
 * The operations console's route (gateway/plugins/console.ts) over real HTTP: the page and its files under a strict
 * Content-Security-Policy, the sandbox login and every refusal of it, the console off; and its GraphQL documents
 * checked against the committed supergraph and the gateway's own limits, so they cannot drift from the API.
 * The page itself, in Chromium, through a whole case: test/browser/console.test.ts.
 */

const SUPERGRAPH = fileURLToPath(new URL('../../schema/supergraph.graphql', import.meta.url));
const OPERATIONS = readFileSync(`${CONSOLE_DIR}operations.graphql`, 'utf8');
/** Every script of the page, as one text (what the checks below look through). */
const SCRIPTS = CONSOLE_MODULES.map((name) => readFileSync(`${CONSOLE_DIR}${name}`, 'utf8')).join('\n');
const postJson = (url: string, body: unknown) =>
  request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the operations console route', () => {
  let stack: Stack;
  let other: Stack;
  let off: Stack;
  beforeAll(async () => {
    [stack, other, off] = await Promise.all([
      startStack({ fixtures: [accounts], gateway: { console: { enabled: true } } }),
      // A bank's own secret: sandbox tokens mean nothing here, so there is no sandbox login either.
      startStack({
        fixtures: [accounts],
        gateway: { console: { enabled: true }, auth: { ...AUTH, jwtSecret: 'a-bank-secret-that-is-long-enough-to-be-real-0123456789' } },
      }),
      startStack({ fixtures: [accounts], gateway: { console: { enabled: false } } }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([stack?.stop(), other?.stop(), off?.stop()]);
  });

  it('serves the page, its script modules and styles with a CSP that allows nothing but this gateway and no inline code', async () => {
    const modules = CONSOLE_MODULES.map((name) => `/console/${name}`);
    for (const path of ['/console', '/console/', ...modules, '/console/console.css', '/console/operations.json']) {
      const res = await fetch(`${stack.gateway.origin}${path}`);
      expect(res.status, path).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).toContain("require-trusted-types-for 'script'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      if (path.endsWith('.js')) expect(res.headers.get('content-type'), path).toBe('text/javascript; charset=utf-8');
      const text = await res.text();
      // Nothing from anywhere else: no absolute URL in any of the console's files.
      expect(text, path).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    }
    const html = await (await fetch(`${stack.gateway.origin}/console`)).text();
    expect(html).toContain('data-sandbox-login="true"');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).toContain('<script type="module" src="/console/console.js"></script>');
    expect(html).not.toMatch(/\son[a-z]+=/i); // no inline handlers
    expect(SCRIPTS).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|localStorage|new Function|eval\(/);
    // Each module imports only the console's own modules, by the paths the route serves.
    for (const [, target] of SCRIPTS.matchAll(/^import .* from '([^']+)';$/gm)) {
      expect(CONSOLE_MODULES.map((name) => `./${name}`), `import ${target}`).toContain(target);
    }
    const head = await fetch(`${stack.gateway.origin}/console`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('answers unknown console paths and other methods as the gateway does: JSON 404 and 405', async () => {
    const missing = await request(`${stack.gateway.origin}/console/../secrets`, {});
    expect(missing.status).toBe(404);
    const unknown = await request(`${stack.gateway.origin}/console/admin.js`, {});
    expect(unknown.status).toBe(404);
    // A file of the console's folder that is not one of the page's modules is not served either.
    expect((await request(`${stack.gateway.origin}/console/operations.graphql`, {})).status).toBe(404);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const put = await fetch(`${stack.gateway.origin}/console`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD');
  });

  it('signs a staff id in to the sandbox: an operations token the gateway accepts, for that staff id', async () => {
    const login = await postJson(`${stack.gateway.origin}/console/sandbox-login`, { staffId: 'ops-alice' });
    expect(login.status).toBe(200);
    expect(login.headers.get('cache-control')).toBe('no-store');
    const { token, staffId, role } = login.body as unknown as { token: string; staffId: string; role: string };
    expect({ staffId, role }).toEqual({ staffId: 'ops-alice', role: 'operations' });
    expect(await new TokenVerifier(AUTH).verify(token)).toEqual({ kind: 'staff', staffId: 'ops-alice', role: 'operations' });
    const me = await post(stack.gateway.url, { query: '{ me { id } }' }, { token });
    expect(me.body).toEqual({ data: { me: { id: 'ops-alice' } } });
  });

  it('refuses a sandbox login that is not JSON, has no usable staff id, or is not a POST', async () => {
    const url = `${stack.gateway.origin}/console/sandbox-login`;
    const form = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'staffId=ops-alice' });
    expect(form.status).toBe(415);
    for (const body of [{}, { staffId: '' }, { staffId: 'ops alice' }, { staffId: 'x'.repeat(65) }, { staffId: 7 }, { staffId: '<script>' }]) {
      const bad = await postJson(url, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const notJson = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    expect(notJson.status).toBe(400);
    const get = await fetch(url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('has no sandbox login where tokens are not the sandbox secret’s: 404, and the page does not offer it', async () => {
    const login = await postJson(`${other.gateway.origin}/console/sandbox-login`, { staffId: 'ops-alice' });
    expect(login.status).toBe(404);
    expect(login.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await (await fetch(`${other.gateway.origin}/console`)).text()).toContain('data-sandbox-login="false"');
  });

  it('is not served at all when it is off', async () => {
    for (const path of ['/console', '/console/console.js', '/console/sandbox-login']) {
      const res = await request(`${off.gateway.origin}${path}`, {});
      expect(res.status, path).toBe(404);
    }
  });
});

describe('the operations console settings', () => {
  it('is on outside production, off in production unless CONSOLE=true', () => {
    expect(consoleEnabled({})).toBe(true);
    expect(consoleEnabled({ NODE_ENV: 'test' })).toBe(true);
    expect(consoleEnabled({ NODE_ENV: 'production' })).toBe(false);
    expect(consoleEnabled({ NODE_ENV: 'production', CONSOLE: 'true' })).toBe(true);
    expect(consoleEnabled({ NODE_ENV: 'development', CONSOLE: 'false' })).toBe(false);
    expect(() => consoleEnabled({ CONSOLE: 'yes' })).toThrow('CONSOLE must be true or false, got "yes"');
    expect(consoleRoute(AUTH, { enabled: false })).toBeUndefined();
  });

  it('offers the sandbox login only with the published sandbox secret, no identity provider, outside production', () => {
    expect(sandboxLoginAllowed(authConfig({}), {})).toBe(true);
    expect(sandboxLoginAllowed(authConfig({}), { NODE_ENV: 'development' })).toBe(true);
    // Production refuses the sandbox secret at start anyway; the login is refused on its own account too.
    expect(sandboxLoginAllowed(AUTH, { NODE_ENV: 'production' })).toBe(false);
    expect(sandboxLoginAllowed(authConfig({ JWKS_URL: 'https://idp.example/jwks' }), {})).toBe(false);
    expect(sandboxLoginAllowed(authConfig({ JWT_SECRET: 'the-bank-own-secret-0123456789abcdef0123456789' }), {})).toBe(false);
  });
});

describe("the console's GraphQL documents", () => {
  // The committed supergraph with the Subscription type the gateway adds for /graphql/stream, checked with the rules
  // both /graphql and the stream apply (a subscription sent to /graphql is refused by knownOperationTypes there).
  const schema = withSubscriptions(apiSchemaOf(readFileSync(SUPERGRAPH, 'utf8')));
  const limits = operationLimits(DEFAULT_OPERATION_LIMITS);
  const operations = consoleOperations(OPERATIONS);

  it('are the operations the page sends, each with the fragments it spreads and no other', () => {
    expect(Object.keys(operations).sort()).toEqual(
      ['ConsoleApproveAction', 'ConsoleDeclineAction', 'ConsoleJourney', 'ConsoleJourneyUpdated', 'ConsoleQueue', 'ConsoleRequestAction', 'ConsoleStepAttempts'].sort(),
    );
    expect(operations.ConsoleQueue).not.toContain('fragment');
    for (const fragment of ['ConsoleTimeline', 'ConsoleJourneyHead', 'ConsoleAction', 'ConsoleStep', 'ConsoleAttempts']) {
      expect(operations.ConsoleJourney).toContain(`fragment ${fragment} on `);
    }
    expect(operations.ConsoleRequestAction).not.toContain('fragment ConsoleStep on ');
    // The live timeline carries the whole timeline, as ConsoleJourney does: each event is drawn as it comes.
    expect(operations.ConsoleJourneyUpdated).toMatch(/^subscription ConsoleJourneyUpdated\b/);
    expect(operations.ConsoleJourneyUpdated).toContain('fragment ConsoleTimeline on ');
    for (const name of Object.keys(operations)) expect(SCRIPTS, `the page sends ${name}`).toContain(`'${name}'`);
  });

  it.each(Object.keys(consoleOperations(OPERATIONS)))('%s is valid against the committed supergraph (with the gateway’s Subscription type) and within the gateway limits', (name) => {
    const document = parse(operations[name]!, { maxTokens: DEFAULT_OPERATION_LIMITS.maxTokens });
    const errors = validate(schema, document, [...specifiedRules, knownOperationTypes, ...limits.validationRules]);
    expect(errors.map((e) => e.message)).toEqual([]);
  });

  it('ConsoleJourneyUpdated is a subscription /graphql/stream takes, answered by journey(id) with the same selection', () => {
    const rules = { parseOptions: limits.parseOptions, validationRules: [knownOperationTypes, ...limits.validationRules], hideSchemaSuggestions: false };
    const prepared = prepareSubscription(schema, rules, { query: operations.ConsoleJourneyUpdated, variables: { id: 'jrn-1' }, operationName: 'ConsoleJourneyUpdated' });
    expect(prepared.ok ? prepared.subscription.field : prepared.errors).toBe('journeyUpdated');
  });
});
