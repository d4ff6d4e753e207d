import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContextSigner } from '../../lib/context.js';
import { SignedContexts } from '../../gateway/datasource.js';
import { accounts, cards } from './fixtures.js';
import { AUTH, capturingLogger, post, startStack, tokenFor, type GraphQLReply, type Stack } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const { logger, lines: logLines } = capturingLogger();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ fixtures: [accounts, cards], logger });
});
afterAll(() => stack?.stop());

const ME = { query: 'query Me { me { id name cards { last4 } } }', operationName: 'Me' };

function expectRefused(reply: GraphQLReply, message: RegExp) {
  expect(reply.status).toBe(401);
  expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(reply.body.data).toBeUndefined();
  expect(reply.body.errors).toHaveLength(1);
  expect(reply.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  expect(reply.body.errors?.[0]?.message).toMatch(message);
}

describe('partner tokens at the gateway', () => {
  it('refuses a partner sending a document (PERSISTED_OPERATION_REQUIRED, 400) before any subgraph is asked, and logs who it was', async () => {
    const before = { accounts: stack.subgraphs.accounts!.received.length, cards: stack.subgraphs.cards!.received.length };
    const token = await tokenFor({ partner: 'budget-app', scopes: ['accounts:basic'], consentId: 'consent-budget-cust-0001' });
    const reply = await post(stack.gateway.url, ME, { token, headers: { 'x-request-id': 'partner-1' } });
    expect(reply.status).toBe(400);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors).toEqual([
      { message: expect.stringMatching(/^Partners run persisted operations only/), extensions: { code: 'PERSISTED_OPERATION_REQUIRED' } },
    ]);
    expect(stack.subgraphs.accounts!.received.length).toBe(before.accounts);
    expect(stack.subgraphs.cards!.received.length).toBe(before.cards);
    const line = logLines.find((l) => l.requestId === 'partner-1' && l.msg === 'request');
    expect(line).toMatchObject({ status: 400, principal: 'partner:budget-app', errorCodes: ['PERSISTED_OPERATION_REQUIRED'] });
  });

  it('refuses a partner that is not registered in schema/partners.json (FORBIDDEN, 403)', async () => {
    const token = await tokenFor({ partner: 'stranger-app', scopes: ['accounts:basic'] });
    const reply = await post(stack.gateway.url, ME, { token });
    expect(reply.status).toBe(403);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('authentication at the gateway', () => {
  it('serves a customer with a valid token; every subgraph received a signed context naming that customer', async () => {
    const before = { accounts: stack.subgraphs.accounts!.received.length, cards: stack.subgraphs.cards!.received.length };
    const token = await tokenFor({ customer: 'cust-0001' });
    const reply = await post(stack.gateway.url, ME, { token, headers: { 'x-request-id': 'client-req.42' } });

    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      data: { me: { id: 'cust-0001', name: 'Ada Lovelace', cards: [{ last4: '4242' }, { last4: '1881' }] } },
    });
    expect(reply.headers.get('x-request-id')).toBe('client-req.42');
    for (const name of ['accounts', 'cards'] as const) {
      const received = stack.subgraphs[name]!.received.slice(before[name]);
      expect(received).toEqual([{ principal: { kind: 'customer', customerId: 'cust-0001' }, requestId: 'client-req.42' }]);
    }

    // One log line for the request: id, who, operation; never the token.
    const line = logLines.find((l) => l.msg === 'request' && l.requestId === 'client-req.42');
    expect(line).toMatchObject({ principal: 'customer:cust-0001', operationName: 'Me', status: 200 });
    expect(line?.durationMs).toEqual(expect.any(Number));
    expect(JSON.stringify(logLines)).not.toContain(token);
  });

  it('signs the internal context once per request, however many subgraph fetches it fans out into', async () => {
    const signer = { calls: 0, sign: async () => `signed-${++signer.calls}` };
    const contexts = new SignedContexts(signer as unknown as ContextSigner, 60);
    const record = { requestId: 'r-1', startedAt: 0n, errorCodes: [] };
    const ctx = { requestId: 'r-1', principal: { kind: 'customer', customerId: 'c' } as const, record };
    expect(await Promise.all([contexts.of(ctx), contexts.of(ctx), contexts.of(ctx)])).toEqual(['signed-1', 'signed-1', 'signed-1']);
    expect(await contexts.of({ ...ctx })).toBe('signed-2'); // another request
  });

  it('a subgraph called directly, without the signed context, answers 401', async () => {
    const response = await fetch(stack.subgraphs.accounts!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor({ customer: 'cust-0001' })}` },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(response.status).toBe(401);
  });

  it('refuses a request without a token, with no data and before looking at the query', async () => {
    expectRefused(await post(stack.gateway.url, ME), /bearer token is required/);
    // Even an invalid query gets 401, not a validation error that would describe the schema.
    expectRefused(await post(stack.gateway.url, { query: '{ secretField }' }), /bearer token is required/);
  });

  it('refuses a malformed Authorization header', async () => {
    expectRefused(await post(stack.gateway.url, ME, { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), /Bearer <token>/);
  });

  it('refuses an expired token', async () => {
    const token = await tokenFor({ customer: 'cust-0001' }, { expiresIn: '-5m' });
    expectRefused(await post(stack.gateway.url, ME, { token }), /expired/);
  });

  it('refuses a forged signature', async () => {
    const token = await tokenFor({ customer: 'cust-0001' }, { secret: 'attacker-secret' });
    expectRefused(await post(stack.gateway.url, ME, { token }), /signature is invalid/);
  });

  it('refuses alg: none', async () => {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const claims = { sub: 'cust-0001', 'bankgraph:kind': 'customer', iss: AUTH.issuer, aud: AUTH.audience, exp };
    const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
    expectRefused(await post(stack.gateway.url, ME, { token }), /algorithm/);
  });

  it('refuses a token for another audience', async () => {
    const token = await tokenFor({ customer: 'cust-0001' }, { audience: 'another-service' });
    expectRefused(await post(stack.gateway.url, ME, { token }), /another audience/);
  });

  it('logs refusals too, with the code and without the token', async () => {
    const token = await tokenFor({ customer: 'cust-0001' }, { secret: 'attacker-secret' });
    await post(stack.gateway.url, ME, { token, headers: { 'x-request-id': 'forged-1' } });
    expect(logLines.find((l) => l.requestId === 'forged-1' && l.msg === 'request')).toMatchObject({
      status: 401,
      errorCodes: ['UNAUTHENTICATED'],
    });
    expect(JSON.stringify(logLines)).not.toContain(token);
  });
});
