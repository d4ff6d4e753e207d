import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authConfig } from '../../lib/config.js';
import { loadPartners } from '../../lib/consents.js';
import { accounts } from './fixtures.js';
import { request, startConsentRegistry, startStack, tokenFor, type ConsentRegistryStandIn, type GraphQLReply, type Stack } from './helpers.js';

// /open-banking/ at the gateway: a partner's token is verified (sandbox HS256 or the authorisation server's, through
// a real JWKS server here), then the request goes to the journeys subgraph's same path with the signed context, and
// the answer comes back. The journeys' side is a stand-in (a real HTTP server verifying the context with the real
// verifier and echoing it); the real routes are subgraphs/journeys/consents/.

const AS_ISSUER = 'http://authorisation-server.test';
const CONSENTS = '/open-banking/v4.0/aisp/account-access-consents';
const GRANTED = loadPartners().get('budget-app')!.scopes;

let registry: ConsentRegistryStandIn;
let stack: Stack;
let jwks: Server;
let asKey: CryptoKey;
let origin: string;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair('PS256');
  asKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: 'as-1', alg: 'PS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;
  registry = await startConsentRegistry();
  stack = await startStack({
    fixtures: [accounts],
    gateway: {
      auth: authConfig({ PARTNER_TOKEN_ISSUER: AS_ISSUER, PARTNER_JWKS_URL: jwksUrl }),
      consents: { url: registry.url },
      bodyLimitBytes: 4096,
    },
  });
  origin = stack.gateway.origin;
});
afterAll(async () => {
  await stack?.stop();
  await registry?.stop();
  await new Promise<void>((resolve) => jwks?.close(() => resolve()));
});
beforeEach(() => {
  registry.answer = undefined;
});

const budget = (consentId?: string) =>
  tokenFor({ partner: 'budget-app', scopes: ['accounts:basic', 'balances:read', 'payments:initiate'], ...(consentId ? { consentId } : {}) });

/** A client-credentials access token of the authorisation server. */
const asToken = (clientId = 'budget-app') =>
  new SignJWT({ client_id: clientId, scope: 'accounts accounts:basic', 'bankgraph:kind': 'partner' })
    .setProtectedHeader({ alg: 'PS256', kid: 'as-1', typ: 'at+jwt' })
    .setSubject(clientId)
    .setIssuer(AS_ISSUER)
    .setAudience('bankgraph')
    .setExpirationTime('5m')
    .sign(asKey);

function call(path: string, init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {}): Promise<GraphQLReply> {
  return request(`${origin}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
}

interface ObError {
  Code: string;
  Id: string;
  Message: string;
  Errors: { ErrorCode: string; Message: string }[];
  code: string;
}
const obError = (reply: GraphQLReply) => JSON.parse(reply.text) as ObError;

describe('/open-banking/ forwarding', () => {
  it('forwards a POST with its JSON body, the signed context for the partner (granted scopes, no consent), and relays the answer', async () => {
    registry.answer = () => ({
      status: 201,
      headers: {
        'content-type': 'application/json',
        location: `${CONSENTS}/aac-1`,
        'set-cookie': 'session=journeys-internal',
        'x-powered-by': 'journeys',
        'x-bankgraph-internal': 'secret',
      },
      body: JSON.stringify({ Data: { ConsentId: 'aac-1', Status: 'AwaitingAuthorisation' }, Links: { Self: `${CONSENTS}/aac-1` }, Meta: {} }),
    });
    const body = JSON.stringify({ Data: { Permissions: ['ReadAccountsBasic', 'ReadBalances'], ExpirationDateTime: '2027-01-01T00:00:00Z' } });
    const before = registry.forwarded.length;
    const calls = registry.accessCalls.length;
    // A token bound to a consent works too, and is not checked against it: consent resources are the partner's own.
    const reply = await call(`${CONSENTS}?x=1`, {
      method: 'POST',
      token: await budget('consent-budget-cust-0001'),
      body,
      headers: { 'x-fapi-interaction-id': '93bac548-d2de-4546-b106-880a5018460d', 'x-idempotency-key': 'idem-1', 'x-fapi-customer-ip-address': '198.51.100.7', cookie: 'a=b' },
    });
    expect(reply.status).toBe(201);
    expect(JSON.parse(reply.text)).toEqual({ Data: { ConsentId: 'aac-1', Status: 'AwaitingAuthorisation' }, Links: { Self: `${CONSENTS}/aac-1` }, Meta: {} });
    expect(reply.headers.get('location')).toBe(`${CONSENTS}/aac-1`);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-fapi-interaction-id')).toBe('93bac548-d2de-4546-b106-880a5018460d');
    expect(reply.headers.get('set-cookie')).toBeNull();
    expect(reply.headers.get('x-powered-by')).toBeNull();
    expect(reply.headers.get('x-bankgraph-internal')).toBeNull();
    expect(reply.headers.get('cache-control')).toBe('no-store');

    const forwarded = registry.forwarded.slice(before);
    expect(forwarded).toHaveLength(1);
    const [f] = forwarded;
    expect(f?.method).toBe('POST');
    expect(f?.path).toBe(`${CONSENTS}?x=1`);
    expect(f?.body).toBe(body);
    // The partner's grant (schema/partners.json), not the token's scopes; never a consent.
    expect(f?.internal.principal).toEqual({ kind: 'partner', clientId: 'budget-app', scopes: GRANTED, consent: null });
    expect(f?.internal.requestId).toBe(reply.headers.get('x-request-id'));
    expect(f?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-idempotency-key': 'idem-1',
      'x-fapi-customer-ip-address': '198.51.100.7',
      'x-fapi-interaction-id': '93bac548-d2de-4546-b106-880a5018460d',
    });
    // Never the partner's credentials or cookies.
    expect(f?.headers.authorization).toBeUndefined();
    expect(f?.headers.cookie).toBeUndefined();
    expect(registry.accessCalls.length).toBe(calls);
    expect(registry.refused).toEqual([]);
  });

  it('forwards GET and DELETE, and relays a 204 and the journeys\' own refusals as they are', async () => {
    const get = await call(`${CONSENTS}/aac-1`, { token: await budget() });
    expect(get.status).toBe(200);
    expect(JSON.parse(get.text)).toMatchObject({ echo: { method: 'GET', path: `${CONSENTS}/aac-1`, body: '' } });
    // Without one, the gateway gives an interaction id of its own.
    expect(get.headers.get('x-fapi-interaction-id')).toMatch(/^[0-9a-f-]{36}$/);

    // A Location on the journeys' own address comes back as a path: the journeys' address stays inside.
    registry.answer = () => ({ status: 201, headers: { 'content-type': 'application/json', location: `${registry.url}${CONSENTS}/aac-2` }, body: '{}' });
    const created = await call(CONSENTS, { method: 'POST', token: await budget(), body: '{}' });
    expect(created.headers.get('location')).toBe(`${CONSENTS}/aac-2`);

    registry.answer = () => ({ status: 204, headers: {} });
    const deleted = await call(`${CONSENTS}/aac-1`, { method: 'DELETE', token: await budget() });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expect(registry.forwarded.at(-1)).toMatchObject({ method: 'DELETE', path: `${CONSENTS}/aac-1` });

    registry.answer = () => ({ status: 404, body: JSON.stringify({ code: 'CONSENT_NOT_FOUND', Errors: [{ ErrorCode: 'CONSENT_NOT_FOUND' }] }) });
    const missing = await call(`${CONSENTS}/aac-unknown`, { token: await budget() });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text)).toMatchObject({ code: 'CONSENT_NOT_FOUND' });
  });

  it('counts its requests in /metrics by resource, method and status, never by consent id', async () => {
    const line = async (labels: string) => {
      const text = (await call('/metrics')).text;
      const found = text.split('\n').find((l) => l.startsWith(`bankgraph_gateway_open_banking_requests_total{${labels}}`));
      return found ? Number(found.split(' ').at(-1)) : 0;
    };
    const ok = 'resource="account-access-consents",method="GET",status="200"';
    const refused = 'resource="account-access-consents",method="GET",status="401"';
    const [okBefore, refusedBefore] = [await line(ok), await line(refused)];
    registry.answer = () => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect((await call(`${CONSENTS}/aac-metrics-1`, { token: await budget() })).status).toBe(200);
    expect((await call(`${CONSENTS}/aac-metrics-2`)).status).toBe(401);
    expect([await line(ok), await line(refused)]).toEqual([okBefore + 1, refusedBefore + 1]);
    expect((await call('/metrics')).text).not.toContain('aac-metrics');
  });

  it("accepts the authorisation server's tokens (PS256 through its JWKS)", async () => {
    const reply = await call(`${CONSENTS}/aac-1`, { token: await asToken() });
    expect(reply.status).toBe(200);
    // The token carries OB's `accounts` scope; what the partner was granted goes on.
    expect(JSON.parse(reply.text)).toMatchObject({ echo: { principal: { kind: 'partner', clientId: 'budget-app', scopes: GRANTED, consent: null } } });
  });

  it('answers 401 with WWW-Authenticate and an OB-shaped body without a valid token; 403 to customers, staff and unregistered partners', async () => {
    const before = registry.forwarded.length;
    for (const token of [undefined, 'not-a-token', await tokenFor({ partner: 'budget-app' }, { expiresIn: '-1h' })]) {
      const reply = await call(CONSENTS, { method: 'POST', body: '{}', ...(token ? { token } : {}) });
      expect(reply.status, String(token)).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="bankgraph"/);
      const error = obError(reply);
      expect(error).toMatchObject({ Code: '401 Unauthorized', code: 'UNAUTHENTICATED', Errors: [{ ErrorCode: 'UNAUTHENTICATED' }] });
      expect(error.Id).toBe(reply.headers.get('x-request-id'));
    }
    for (const token of [await tokenFor({ customer: 'cust-0001' }), await tokenFor({ staff: 'operations' }), await tokenFor({ partner: 'stranger-app' }), await asToken('stranger-app')]) {
      const reply = await call(CONSENTS, { token });
      expect(reply.status).toBe(403);
      expect(obError(reply)).toMatchObject({ code: 'FORBIDDEN', Errors: [{ ErrorCode: 'FORBIDDEN' }] });
    }
    expect(registry.forwarded.length).toBe(before);
  });

  it('refuses what it cannot forward: other methods, bodies too large, not JSON or on a GET; nothing reaches the journeys', async () => {
    const token = await budget();
    const before = registry.forwarded.length;
    const put = await call(CONSENTS, { method: 'PUT', token, body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST, DELETE');
    expect((await call(CONSENTS, { method: 'POST', token, body: JSON.stringify({ pad: 'x'.repeat(5000) }) })).status).toBe(413);
    const notJson = await call(CONSENTS, { method: 'POST', token, body: '{"Data":' });
    expect(notJson.status).toBe(400);
    expect(obError(notJson).code).toBe('BAD_REQUEST');
    expect((await call(CONSENTS, { method: 'POST', token, body: 'Data=1', headers: { 'content-type': 'text/plain' } })).status).toBe(415);
    expect((await call(`${CONSENTS}/aac-1`, { method: 'DELETE', token, body: '{}' })).status).toBe(400);
    // The URL is normalised before routing: a dot segment cannot reach the journeys' internal routes.
    // (Sent raw: fetch would normalise the URL itself.)
    for (const path of ['/open-banking/../internal/consents/x/access', '/open-banking/%2e%2e/internal/consents/x/access', '/open-banking/v4.0/..%2f..%2finternal/consents/x/access']) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${origin}/`, { method: 'POST', path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end('{}');
      });
      expect(status, path).not.toBe(200);
    }
    expect(registry.forwarded.length).toBe(before);
  });

  it('answers 502 for an answer that is not JSON, and 503 UPSTREAM_UNAVAILABLE when the journeys refuse the context or do not answer', async () => {
    registry.answer = () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>oops</html>' });
    const html = await call(CONSENTS, { token: await budget() });
    expect(html.status).toBe(502);
    expect(obError(html).code).toBe('UPSTREAM_BAD_RESPONSE');
    expect(html.text).not.toContain('oops');

    registry.answer = () => ({ status: 401, body: '{"code":"UNAUTHENTICATED"}' });
    const refused = await call(CONSENTS, { token: await budget() });
    expect(refused.status).toBe(503);
    expect(obError(refused).code).toBe('UPSTREAM_UNAVAILABLE');

    const gone = await startConsentRegistry();
    await gone.stop();
    const down = await startStack({ fixtures: [accounts], gateway: { consents: { url: gone.url } } });
    try {
      const reply = await request(`${down.gateway.origin}${CONSENTS}`, { headers: { authorization: `Bearer ${await budget()}` } });
      expect(reply.status).toBe(503);
      expect(obError(reply)).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', Errors: [{ ErrorCode: 'UPSTREAM_UNAVAILABLE' }] });
    } finally {
      await down.stop();
    }
  });

  it("spends the partner's one rate-limit budget: 429 RATE_LIMITED with Retry-After once it is empty, nothing forwarded", async () => {
    const limited = await startStack({
      fixtures: [accounts],
      gateway: {
        consents: { url: registry.url },
        rateLimit: { enabled: true, partners: { 'budget-app': { capacity: 2, refillPerSecond: 0.001 } } },
      },
    });
    try {
      const as = await budget();
      const statuses: number[] = [];
      const before = registry.forwarded.length;
      let last: GraphQLReply | undefined;
      for (let i = 0; i < 3; i++) {
        last = await request(`${limited.gateway.origin}${CONSENTS}/aac-1`, { headers: { authorization: `Bearer ${as}` } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(obError(last!).code).toBe('RATE_LIMITED');
      expect(registry.forwarded.length - before).toBe(2);
    } finally {
      await limited.stop();
    }
  });

  it('keeps other paths as they were: 404 outside /graphql and /open-banking/', async () => {
    const reply = await call('/open-bankingx/v4.0', { token: await budget() });
    expect(reply.status).toBe(404);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
