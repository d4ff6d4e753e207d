import { generateKeyPair, exportJWK, createRemoteJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorisationUrl,
  BUDGET_REDIRECT,
  browse,
  clientAssertion,
  clientCredentials,
  CookieJar,
  formAction,
  loginAndReachApproval,
  partnerKey,
  pkce,
  startAS,
  tokenRequest,
  type TestAS,
} from './support.js';

let as: TestAS;
beforeAll(async () => {
  as = await startAS();
});
afterAll(async () => {
  await as?.close();
});

async function verify(token: string) {
  const discovery = (await (await fetch(`${as.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  // The JWKS as the gateway would fetch it: from discovery's jwks_uri (the issuer names localhost; same port).
  const jwks = createRemoteJWKSet(new URL(new URL(discovery.jwks_uri).pathname, as.url));
  return jwtVerify(token, jwks, { issuer: as.issuer, audience: 'bankgraph' });
}

describe('discovery and keys', () => {
  it('serves discovery with private_key_jwt only, PKCE S256, code and client credentials', async () => {
    const res = await fetch(`${as.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const d = (await res.json()) as Record<string, unknown>;
    expect(d.issuer).toBe(as.issuer);
    expect(d.token_endpoint_auth_methods_supported).toEqual(['private_key_jwt']);
    expect(d.code_challenge_methods_supported).toEqual(['S256']);
    expect(d.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'client_credentials']));
    expect(d.response_types_supported).toEqual(['code']);
    // Endpoint URLs follow the host the request came to; the issuer stays as configured.
    expect(d.jwks_uri).toBe(`${as.url}/jwks`);
  });

  it('publishes the public half of the signing key only', async () => {
    const { keys } = (await (await fetch(`${as.url}/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: 'bankgraph-sandbox-authorisation-server-1' });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('client credentials', () => {
  it('issues a JWT access token for the gateway with the claims of the contract', async () => {
    const { status, body } = await clientCredentials(as, 'budget-app', 'accounts');
    expect(status).toBe(200);
    expect(body.token_type).toBe('Bearer');
    const token = String(body.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', typ: 'at+jwt', kid: 'bankgraph-sandbox-authorisation-server-1' });
    const { payload } = await verify(token);
    expect(payload).toMatchObject({
      iss: as.issuer,
      aud: 'bankgraph',
      client_id: 'budget-app',
      sub: 'budget-app',
      scope: 'accounts',
      'bankgraph:kind': 'partner',
    });
    expect(payload).not.toHaveProperty('bankgraph:consent_id');
  });

  it("grants our scope names too, but only the partner's own", async () => {
    const ok = await clientCredentials(as, 'payroll-app', 'payments accounts:basic');
    expect(ok.status).toBe(200);
    expect((await verify(String(ok.body.access_token))).payload.scope).toBe('payments accounts:basic');
    // budget-app was never granted payments: its request is refused, not quietly narrowed to nothing.
    const refused = await clientCredentials(as, 'budget-app', 'payments');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_scope');
  });

  it('refuses an assertion signed with a key the partner did not register (invalid_client)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const stranger = { ...(await exportJWK(privateKey)), kid: 'budget-app-sandbox-1', alg: 'ES256' };
    const { status, body } = await clientCredentials(as, 'budget-app', 'accounts', stranger);
    expect(status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });

  it("refuses another partner's key, a replayed assertion and one for another audience", async () => {
    const other = await clientCredentials(as, 'budget-app', 'accounts', partnerKey('payroll-app'));
    expect(other.body.error).toBe('invalid_client');

    const assertion = await clientAssertion('budget-app', partnerKey('budget-app'), as.issuer);
    const params = {
      grant_type: 'client_credentials',
      scope: 'accounts',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    };
    expect((await tokenRequest(as, params)).status).toBe(200);
    const replay = await tokenRequest(as, params);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toBe('invalid_client');

    const elsewhere = await tokenRequest(as, { ...params, client_assertion: await clientAssertion('budget-app', partnerKey('budget-app'), 'https://other-bank.example') });
    expect(elsewhere.body.error).toBe('invalid_client');
  });

  it('refuses a client secret (private_key_jwt only)', async () => {
    const res = await fetch(`${as.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from('budget-app:secret').toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'accounts' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });
});

async function exchange(code: string, verifier: string) {
  return tokenRequest(as, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: BUDGET_REDIRECT,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await clientAssertion('budget-app', partnerKey('budget-app'), as.issuer),
  });
}

describe('authorization code with PKCE: the customer approves or declines', () => {
  it('approving two of three accounts tells the registry, and the code exchange gives a token bound to the consent', async () => {
    const consent = as.registry.add({ id: 'aac-approve-1', partner: 'budget-app', permissions: ['accounts:basic', 'balances:read'] });
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const state = 'state-approve-1';
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge, state }));
    expect(approval.status).toBe(200);
    expect(approval.html).toContain('id="partner-name">Budget App (sandbox)<');
    expect(approval.html).toContain('Balances of the consented accounts.');
    expect(approval.html).toContain('id="account-acc-5003"');
    // The server asked the registry for this customer's view of the consent before showing it.
    expect(as.registry.views).toContainEqual({ id: consent.id, customer: 'cust-0001' });

    const form = new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001'], ['account', 'acc-5002']]);
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form });
    expect(done.redirect, done.html).toBeDefined();
    expect(done.redirect?.searchParams.get('state')).toBe(state);
    expect(done.redirect?.searchParams.get('iss')).toBe(as.issuer);
    const code = done.redirect?.searchParams.get('code');
    expect(code).toBeTruthy();
    expect(as.registry.decisions).toContainEqual({ id: consent.id, customer: 'cust-0001', decision: 'approve', accountIds: ['acc-5001', 'acc-5002'] });

    // Without the verifier the code is worthless.
    const noVerifier = await exchange(String(code), pkce().verifier);
    expect(noVerifier.body.error).toBe('invalid_grant');
  });

  it('the exchanged token carries the customer, the consent id and the consent permissions', async () => {
    const consent = as.registry.add({ id: 'aac-approve-2', partner: 'budget-app', permissions: ['accounts:basic', 'balances:read'] });
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge }));
    const form = new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001'], ['account', 'acc-5003']]);
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form });
    const { status, body } = await exchange(String(done.redirect?.searchParams.get('code')), verifier);
    expect(status, JSON.stringify(body)).toBe(200);
    const { payload } = await verify(String(body.access_token));
    expect(payload).toMatchObject({
      iss: as.issuer,
      aud: 'bankgraph',
      client_id: 'budget-app',
      sub: 'cust-0001',
      'bankgraph:kind': 'partner',
      'bankgraph:consent_id': consent.id,
    });
    expect(String(payload.scope).split(' ').sort()).toEqual(['accounts:basic', 'balances:read']);
    expect(consent.status).toBe('Authorised');
  });

  it('refuses an authorisation request without PKCE (S256 required)', async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: 'budget-app', redirect_uri: BUDGET_REDIRECT, scope: 'openid accounts', openbanking_intent_id: 'aac-x' });
    const res = await fetch(`${as.url}/auth?${q}`, { redirect: 'manual' });
    const location = new URL(String(res.headers.get('location')));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses an authorisation request that names no consent', async () => {
    const res = await fetch(authorisationUrl(as, { challenge: pkce().challenge }), { redirect: 'manual' });
    const location = new URL(String(res.headers.get('location')));
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('error_description')).toMatch(/openbanking_intent_id/);
  });

  it('declining tells the registry and sends the partner access_denied', async () => {
    const consent = as.registry.add({ id: 'aac-decline-1', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge, state: 's-decline' }));
    expect(approval.status).toBe(200);
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams({ decision: 'decline' }) });
    expect(done.redirect?.searchParams.get('error')).toBe('access_denied');
    expect(done.redirect?.searchParams.get('state')).toBe('s-decline');
    expect(done.redirect?.searchParams.has('code')).toBe(false);
    expect(as.registry.decisions).toContainEqual({ id: consent.id, customer: 'cust-0001', decision: 'decline', accountIds: [] });
    expect(consent.status).toBe('Rejected');
  });

  it('an approval without any account is shown again, nothing decided', async () => {
    const consent = as.registry.add({ id: 'aac-none-chosen', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }));
    const again = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams({ decision: 'approve' }) });
    expect(again.status).toBe(400);
    expect(again.html).toContain('id="error"');
    expect(as.registry.decisions.filter((d) => d.id === consent.id)).toEqual([]);
  });

  it('refuses a wrong password with the login page again', async () => {
    const consent = as.registry.add({ id: 'aac-bad-password', partner: 'budget-app' });
    const jar = new CookieJar();
    const login = await browse(as.url, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }), BUDGET_REDIRECT);
    const refused = await browse(as.url, jar, formAction(login.html), BUDGET_REDIRECT, {
      method: 'POST',
      form: new URLSearchParams({ customer: 'cust-0001', password: 'sandbox-password-0002' }),
    });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('id="error"');
  });

  it("refuses another partner's consent, one not awaiting authorisation and an unknown one with an error page", async () => {
    as.registry.add({ id: 'aac-of-payroll', partner: 'payroll-app' });
    as.registry.add({ id: 'aac-already-authorised', partner: 'budget-app', status: 'Authorised' });
    for (const [consentId, status, code] of [
      ['aac-of-payroll', 403, 'CONSENT_OTHER_PARTNER'],
      ['aac-already-authorised', 409, 'CONSENT_STATE_CONFLICT'],
      ['aac-unknown', 404, 'CONSENT_NOT_FOUND'],
    ] as const) {
      const page = await loginAndReachApproval(as, new CookieJar(), authorisationUrl(as, { consentId, challenge: pkce().challenge }));
      expect(page.status, consentId).toBe(status);
      expect(page.html).toContain(`<span id="error-code">${code}</span>`);
      expect(page.html).not.toContain('id="approve"');
    }
    expect(as.registry.decisions.filter((d) => ['aac-of-payroll', 'aac-already-authorised'].includes(d.id))).toEqual([]);
  });

  it("refuses a decline posted straight to the decision route for another partner's consent (no page offered it)", async () => {
    const theirs = as.registry.add({ id: 'aac-payroll-pending', partner: 'payroll-app' });
    const jar = new CookieJar();
    // Started as budget-app, naming payroll-app's consent: the page after the login refuses it and offers no form...
    const page = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: theirs.id, challenge: pkce().challenge }));
    expect(page.status).toBe(403);
    // ...and a decline posted anyway, with the interaction's own cookie, is refused the same way.
    const uid = new URL(page.url).pathname.split('/')[2];
    const forced = await browse(as.url, jar, `/interaction/${uid}/decision`, BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams({ decision: 'decline' }) });
    expect(forced.status).toBe(403);
    expect(forced.html).toContain('<span id="error-code">CONSENT_OTHER_PARTNER</span>');
    expect(as.registry.decisions.filter((d) => d.id === theirs.id)).toEqual([]);
    expect(theirs.status).toBe('AwaitingAuthorisation');
  });

  it('refuses a decision posted without the interaction cookie (a cross-site form)', async () => {
    const consent = as.registry.add({ id: 'aac-csrf', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }));
    const forged = await browse(as.url, new CookieJar(), formAction(approval.html), BUDGET_REDIRECT, {
      method: 'POST',
      form: new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001']]),
    });
    expect(forged.status).toBe(400);
    expect(forged.html).toContain('SESSION_NOT_FOUND');
    expect(consent.status).toBe('AwaitingAuthorisation');
  });

  it('an account that is not the customer\'s is refused by the bank: the page again with the error, nothing decided', async () => {
    const consent = as.registry.add({ id: 'aac-foreign-account', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }));
    const form = new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001'], ['account', 'acc-9999']]);
    const again = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form });
    expect(again.status).toBe(400);
    expect(again.html).toContain('The bank refused that choice of accounts');
    expect(again.redirect).toBeUndefined();
    expect(consent.status).toBe('AwaitingAuthorisation');
  });

  it('a payment consent shows the payment, and its token carries payments:initiate bound to the consent', async () => {
    const redirect = 'https://payroll-app.example/callback';
    const consent = as.registry.add({
      id: 'pdc-payroll-1',
      kind: 'payment',
      partner: 'payroll-app',
      permissions: ['payments:initiate'],
      expiresAt: null,
      payment: { amount: '12.50', currency: 'EUR', creditorName: 'Jonas Becker', creditorAccount: 'DE75512108001245126199', reference: 'Salary', sourceAccountId: null },
    });
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { clientId: 'payroll-app', redirectUri: redirect, scope: 'openid payments', consentId: consent.id, challenge }), redirect);
    expect(approval.html).toMatch(/<p id="payment">A payment of <strong>12\.50 EUR<\/strong> to <strong>Jonas Becker<\/strong> \(DE75512108001245126199\)/);
    expect(approval.html).toContain('no end date');
    const done = await browse(as.url, jar, formAction(approval.html), redirect, { method: 'POST', form: new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001']]) });
    const { status, body } = await tokenRequest(as, {
      grant_type: 'authorization_code',
      code: String(done.redirect?.searchParams.get('code')),
      code_verifier: verifier,
      redirect_uri: redirect,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion('payroll-app', partnerKey('payroll-app'), as.issuer),
    });
    expect(status, JSON.stringify(body)).toBe(200);
    const { payload } = await verify(String(body.access_token));
    expect(payload).toMatchObject({ client_id: 'payroll-app', sub: 'cust-0001', scope: 'payments:initiate', 'bankgraph:consent_id': consent.id });
  });

  it("a code is the partner's own: another partner cannot exchange it", async () => {
    const consent = as.registry.add({ id: 'aac-stolen-code', partner: 'budget-app' });
    const { verifier, challenge } = pkce();
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge }));
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001']]) });
    const stolen = await tokenRequest(as, {
      grant_type: 'authorization_code',
      code: String(done.redirect?.searchParams.get('code')),
      code_verifier: verifier,
      redirect_uri: BUDGET_REDIRECT,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await clientAssertion('payroll-app', partnerKey('payroll-app'), as.issuer),
    });
    expect(stolen.body.error).toBe('invalid_grant');
  });

  it('asks the customer to log in for every consent, even with a session from the last one', async () => {
    const first = as.registry.add({ id: 'aac-session-1', partner: 'budget-app' });
    const second = as.registry.add({ id: 'aac-session-2', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: first.id, challenge: pkce().challenge }));
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001']]) });
    expect(done.redirect?.searchParams.get('code')).toBeTruthy();
    const next = await browse(as.url, jar, authorisationUrl(as, { consentId: second.id, challenge: pkce().challenge }), BUDGET_REDIRECT);
    expect(next.status).toBe(200);
    expect(next.html).toContain('id="login-form"');
    expect(next.html).not.toContain('id="approve"');
  });

  it("a request whose scope names none of the consent's permissions is sent back invalid_scope, the consent left awaiting", async () => {
    const consent = as.registry.add({ id: 'aac-openid-only', partner: 'budget-app' });
    const jar = new CookieJar();
    const approval = await loginAndReachApproval(as, jar, authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge, scope: 'openid' }));
    const done = await browse(as.url, jar, formAction(approval.html), BUDGET_REDIRECT, { method: 'POST', form: new URLSearchParams([['decision', 'approve'], ['account', 'acc-5001']]) });
    expect(done.redirect?.searchParams.get('error')).toBe('invalid_scope');
    expect(consent.status).toBe('AwaitingAuthorisation');
    expect(as.registry.decisions.filter((d) => d.id === consent.id)).toEqual([]);
  });

  it('escapes what it renders', async () => {
    const consent = as.registry.add({ id: 'aac-escape', partner: 'budget-app', permissions: ['<script>alert(1)</script>'] });
    const approval = await loginAndReachApproval(as, new CookieJar(), authorisationUrl(as, { consentId: consent.id, challenge: pkce().challenge }));
    expect(approval.html).not.toContain('<script>');
    expect(approval.html).toContain('&#60;script&#62;');
  });
});

describe('a registry that refuses the authorisation server itself', () => {
  let misconfigured: TestAS;
  beforeAll(async () => {
    misconfigured = await startAS({ registryToken: 'not-the-registry-token' });
  });
  afterAll(async () => {
    await misconfigured?.close();
  });

  it("is the bank's trouble, not the customer's: 502 UPSTREAM_UNAVAILABLE, no approval page", async () => {
    const consent = misconfigured.registry.add({ id: 'aac-misconfigured', partner: 'budget-app' });
    const page = await loginAndReachApproval(misconfigured, new CookieJar(), authorisationUrl(misconfigured, { consentId: consent.id, challenge: pkce().challenge }));
    expect(page.status).toBe(502);
    expect(page.html).toContain('<span id="error-code">UPSTREAM_UNAVAILABLE</span>');
    expect(page.html).not.toContain('id="approve"');
  });
});
