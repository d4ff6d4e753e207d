import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authConfig } from '../../lib/config.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { operationId } from '../../scripts/persisted.js';
import { secondsToNextUtcDay } from '../../gateway/plugins/partner-access.js';
import { accounts, cards } from './fixtures.js';
import { request, startConsentRegistry, startStack, tokenFor, type ConsentRegistryStandIn, type GraphQLReply, type Stack } from './helpers.js';

// Consent enforcement at the gateway: every request of a partner whose token is bound to a consent asks the consent
// registry (here a stand-in for the journeys' POST /internal/consents/{id}/access, a real HTTP server that verifies the
// gateway's signed context) and is refused, before anything is fetched, unless the consent is live.

const ME_CARDS = 'query MeCards {\n  me {\n    id\n    cards {\n      last4\n    }\n  }\n}\n';
const BY_ID = { extensions: { persistedQuery: { version: 1, sha256Hash: operationId(ME_CARDS) } } };
const HOUR = 3_600_000;

let registry: ConsentRegistryStandIn;
let stack: Stack;
let dir: string;

const consent = (id: string, permissions: string[] = ['accounts:basic', 'balances:read']) => ({
  id,
  kind: 'account-access',
  customerId: 'cust-0001',
  accountIds: ['acc-5001'],
  expiresAt: new Date(Date.now() + HOUR).toISOString(),
  permissions,
  transactionFrom: '2026-01-01T00:00:00.000Z',
  transactionTo: null,
  payment: null,
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bankgraph-consents-'));
  await writeFile(join(dir, 'budget-app.json'), JSON.stringify({ [operationId(ME_CARDS)]: ME_CARDS }));
  await writeFile(join(dir, 'first-party.json'), '{}');
  registry = await startConsentRegistry();
  stack = await startStack({ fixtures: [accounts, cards], gateway: { persistedDir: dir, consents: { url: registry.url, timeoutMs: 2000 } } });
});
afterAll(async () => {
  await stack?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  registry.accessFailure = undefined;
});

const token = (consentId: string | undefined, scopes = ['accounts:basic', 'balances:read', 'transactions:read']) =>
  tokenFor({ partner: 'budget-app', scopes, ...(consentId ? { consentId } : {}) });

async function run(as: string, headers: Record<string, string> = {}): Promise<{ reply: GraphQLReply; fetched: number }> {
  const before = stack.subgraphs.accounts!.received.length + stack.subgraphs.cards!.received.length;
  const reply = await request(stack.gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${as}`, ...headers },
    body: JSON.stringify(BY_ID),
  });
  return { reply, fetched: stack.subgraphs.accounts!.received.length + stack.subgraphs.cards!.received.length - before };
}

describe('consent enforcement at the gateway', () => {
  it('lets a live consent in: the principal carries the consent the registry gave, scopes = token ∩ granted ∩ consent', async () => {
    const live = consent('aac-live');
    registry.consents.set('aac-live', { partner: 'budget-app', consent: live, frequencyPerDay: 100 });
    const calls = registry.accessCalls.length;
    const { reply } = await run(await token('aac-live'), { 'x-fapi-customer-ip-address': '198.51.100.7' });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { me: { id: 'budget-app', cards: [] } } });
    const principal = stack.subgraphs.accounts!.received.at(-1)?.principal;
    // transactions:read is in the token and the grant, not in the consent.
    expect(principal).toEqual({ kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic', 'balances:read'], consent: live });
    // One access check, signed for the journeys, for the partner as its token says, without a consent.
    const call = registry.accessCalls.slice(calls);
    expect(call).toHaveLength(1);
    expect(call[0]).toMatchObject({
      id: 'aac-live',
      customerPresent: true,
      internal: { principal: { kind: 'partner', clientId: 'budget-app', scopes: ['accounts:basic', 'balances:read', 'transactions:read'], consent: null } },
    });
    expect(call[0]?.internal.requestId).toBe(reply.headers.get('x-request-id'));
    expect(registry.refused).toEqual([]);
  });

  it('tells the registry the customer is absent without x-fapi-customer-ip-address, and refuses past frequencyPerDay with 429 and Retry-After', async () => {
    registry.consents.set('aac-limited', { partner: 'budget-app', consent: consent('aac-limited'), frequencyPerDay: 2 });
    const as = await token('aac-limited');
    const calls = registry.accessCalls.length;
    expect((await run(as)).reply.status).toBe(200);
    expect((await run(as)).reply.status).toBe(200);
    const { reply, fetched } = await run(as);
    expect(reply.status).toBe(429);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors?.map((e) => e.extensions?.code)).toEqual(['CONSENT_ACCESS_LIMIT']);
    const retryAfter = Number(reply.headers.get('retry-after'));
    expect(retryAfter).toBe(reply.body.errors?.[0]?.extensions?.retryAfterSeconds);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(fetched).toBe(0);
    expect(registry.accessCalls.slice(calls).map((c) => c.customerPresent)).toEqual([false, false, false]);
    // With the customer present it is not limited.
    expect((await run(as, { 'x-fapi-customer-ip-address': '198.51.100.7' })).reply.status).toBe(200);
  });

  it('refuses every standing that is not live with its own code and status, nothing fetched from any subgraph', async () => {
    const cases = [
      ['awaiting-authorisation', 'CONSENT_NOT_AUTHORISED', 403],
      ['rejected', 'CONSENT_NOT_AUTHORISED', 403],
      ['revoked', 'CONSENT_REVOKED', 403],
      ['expired', 'CONSENT_EXPIRED', 403],
      ['consumed', 'CONSENT_CONSUMED', 403],
    ] as const;
    for (const [standing, code, status] of cases) {
      registry.consents.set(`aac-${standing}`, { partner: 'budget-app', standing, consent: consent(`aac-${standing}`) });
      const { reply, fetched } = await run(await token(`aac-${standing}`));
      expect(reply.status, standing).toBe(status);
      expect(reply.body.data, standing).toBeUndefined();
      expect(reply.body.errors?.map((e) => e.extensions?.code), standing).toEqual([code]);
      expect(fetched, standing).toBe(0);
    }
    registry.consents.set('aac-payroll', { partner: 'payroll-app', consent: consent('aac-payroll') });
    const other = await run(await token('aac-payroll'));
    expect(other.reply.status).toBe(403);
    expect(other.reply.body.errors?.map((e) => e.extensions?.code)).toEqual(['CONSENT_OTHER_PARTNER']);
    const unknown = await run(await token('aac-nobody-gave'));
    expect(unknown.reply.status).toBe(404);
    expect(unknown.reply.body.errors?.map((e) => e.extensions?.code)).toEqual(['CONSENT_NOT_FOUND']);
    expect(other.fetched + unknown.fetched).toBe(0);
  });

  it('answers 503 UPSTREAM_UNAVAILABLE when the registry fails or gives an unusable answer (our side, not the partner\'s)', async () => {
    registry.consents.set('aac-up', { partner: 'budget-app', consent: consent('aac-up'), frequencyPerDay: 100 });
    const as = await token('aac-up');
    for (const failure of [
      { status: 500, body: '{"code":"INTERNAL_SERVER_ERROR"}' },
      { status: 401, body: '{"code":"UNAUTHENTICATED"}' },
      { status: 200, body: '{"standing":"maybe"}' },
      { status: 200, body: '{"standing":"live","consent":{"id":"aac-another","customerId":"cust-0001","accountIds":[],"expiresAt":null,"permissions":[]}}' },
      { status: 200, body: 'not json' },
    ]) {
      registry.accessFailure = failure;
      const { reply, fetched } = await run(as);
      const label = JSON.stringify(failure);
      expect(reply.status, label).toBe(503);
      expect(reply.body.errors?.[0]?.extensions, label).toMatchObject({ service: 'journeys' });
      expect(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE']).toContain(reply.body.errors?.[0]?.extensions?.code);
      expect(fetched, label).toBe(0);
    }
  });

  it('does not ask the registry for a partner token without a consent, nor for customers', async () => {
    const calls = registry.accessCalls.length;
    const { reply } = await run(await token(undefined));
    expect(reply.status).toBe(200);
    expect(stack.subgraphs.accounts!.received.at(-1)?.principal).toMatchObject({ kind: 'partner', consent: null });
    const customer = await request(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor({ customer: 'cust-0001' })}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(customer.body).toEqual({ data: { me: { id: 'cust-0001' } } });
    // A request refused for its operation costs the consent no access.
    registry.consents.set('aac-doc', { partner: 'budget-app', consent: consent('aac-doc') });
    const document = await request(stack.gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('aac-doc')}` },
      body: JSON.stringify({ query: ME_CARDS }),
    });
    expect(document.body.errors?.map((e) => e.extensions?.code)).toEqual(['PERSISTED_OPERATION_REQUIRED']);
    expect(registry.accessCalls.length).toBe(calls);
  });
});

describe('consent enforcement: the registry refusing the id', () => {
  it('answers CONSENT_NOT_FOUND (404) when the registry refuses the id with a code of ours, 503 for any other refusal', async () => {
    const as = await token('not-an-id-the-registry-takes');
    for (const [failure, status, code] of [
      [{ status: 404, body: '{"code":"CONSENT_NOT_FOUND"}' }, 404, 'CONSENT_NOT_FOUND'],
      [{ status: 400, body: '{"Errors":[{"ErrorCode":"CONSENT_INVALID"}]}' }, 404, 'CONSENT_NOT_FOUND'],
      [{ status: 400, body: '{"errors":[{"extensions":{"code":"CONSENT_INVALID"}}]}' }, 404, 'CONSENT_NOT_FOUND'],
      // A journeys without the route: our side.
      [{ status: 404, body: '{"errors":[{"extensions":{"code":"NOT_FOUND"}}]}' }, 503, 'UPSTREAM_UNAVAILABLE'],
    ] as const) {
      registry.accessFailure = failure;
      const { reply, fetched } = await run(as);
      expect(reply.status, failure.body).toBe(status);
      expect(reply.body.errors?.map((e) => e.extensions?.code), failure.body).toEqual([code]);
      expect(fetched).toBe(0);
    }
    registry.accessFailure = undefined;
  });
});

describe('consent enforcement: the registry down', () => {
  it('answers 503 UPSTREAM_UNAVAILABLE naming the journeys when nothing listens at the registry', async () => {
    const gone = await startConsentRegistry();
    await gone.stop();
    const down = await startStack({ fixtures: [accounts, cards], gateway: { persistedDir: dir, consents: { url: gone.url } } });
    try {
      registry.consents.set('aac-down', { partner: 'budget-app', consent: consent('aac-down') });
      const reply = await request(down.gateway.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await token('aac-down')}` },
        body: JSON.stringify(BY_ID),
      });
      expect(reply.status).toBe(503);
      expect(reply.body.data).toBeUndefined();
      expect(reply.body.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', service: 'journeys' });
      expect(down.subgraphs.accounts!.received).toEqual([]);
    } finally {
      await down.stop();
    }
  });
});

describe('secondsToNextUtcDay', () => {
  it('counts to the next midnight UTC, at least one second', () => {
    expect(secondsToNextUtcDay(Date.UTC(2026, 11, 3, 23, 59, 30))).toBe(30);
    expect(secondsToNextUtcDay(Date.UTC(2026, 11, 3, 0, 0, 0))).toBe(86_400);
    expect(secondsToNextUtcDay(Date.UTC(2026, 11, 31, 23, 59, 59, 900))).toBe(1);
  });
});

describe("consent enforcement: the authorisation server's tokens", () => {
  const AS_ISSUER = 'http://authorisation-server.test';
  let jwks: Server;
  let asKey: CryptoKey;
  let asStack: Stack;
  beforeAll(async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    asKey = privateKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'ES256' };
    jwks = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
    asStack = await startStack({
      fixtures: [accounts, cards],
      gateway: { auth: authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: jwksUrl }), persistedDir: dir, consents: { url: registry.url } },
    });
  });
  afterAll(async () => {
    await asStack?.stop();
    await new Promise<void>((resolve) => jwks?.close(() => resolve()));
  });

  /** An authorisation code token: sub the customer who approved, bound to the consent. */
  const codeToken = (consentId: string, customer: string) =>
    new SignJWT({ client_id: 'budget-app', scope: 'accounts:basic balances:read', 'bankgraph:kind': 'partner', 'bankgraph:consent_id': consentId })
      .setProtectedHeader({ alg: 'ES256', kid: 'as-1', typ: 'at+jwt' })
      .setSubject(customer)
      .setIssuer(AS_ISSUER)
      .setAudience('bankgraph')
      .setExpirationTime('5m')
      .sign(asKey);

  const runAs = (as: string) =>
    request(asStack.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` }, body: JSON.stringify(BY_ID) });

  it("lets a token in under its customer's live consent, and refuses one authorised by another customer (CONSENT_TOKEN_MISMATCH)", async () => {
    registry.consents.set('aac-code', { partner: 'budget-app', consent: consent('aac-code'), frequencyPerDay: 100 });
    const ok = await runAs(await codeToken('aac-code', 'cust-0001'));
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ data: { me: { id: 'budget-app', cards: [] } } });
    const before = asStack.subgraphs.accounts!.received.length;
    const crossed = await runAs(await codeToken('aac-code', 'cust-0002'));
    expect(crossed.status).toBe(403);
    expect(crossed.body.errors?.map((e) => e.extensions?.code)).toEqual(['CONSENT_TOKEN_MISMATCH']);
    expect(asStack.subgraphs.accounts!.received.length).toBe(before);
  });
});

describe('consent accesses and the rate limits', () => {
  let limited: Stack;
  beforeAll(async () => {
    limited = await startStack({
      fixtures: [accounts, cards],
      gateway: {
        persistedDir: dir,
        consents: { url: registry.url, timeoutMs: 2000 },
        // A bucket of two requests for budget-app that does not refill during the test.
        rateLimit: { enabled: true, partners: { 'budget-app': { capacity: 2, refillPerSecond: 0.001 } } },
      },
    });
  });
  afterAll(() => limited?.stop());

  it('asks the registry only for a request within the rate limits: a 429 RATE_LIMITED costs the consent no access', async () => {
    registry.consents.set('consent-rate-limited', { partner: 'budget-app', standing: 'live', consent: consent('consent-rate-limited') });
    const as = await token('consent-rate-limited');
    const calls = registry.accessCalls.length;
    const replies = [];
    for (let i = 0; i < 4; i++) {
      replies.push(
        await request(limited.gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${as}` }, body: JSON.stringify(BY_ID) }),
      );
    }
    expect(replies.map((r) => r.status)).toEqual([200, 200, 429, 429]);
    expect(replies[3]?.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    // Two accesses counted, for the two requests that were served.
    expect(registry.accessCalls.slice(calls).filter((c) => c.id === 'consent-rate-limited')).toHaveLength(2);
  });
});
