import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { CONTEXT_HEADER, ContextSigner } from '../../lib/context.js';
import { SignedContexts } from '../../gateway/datasource.js';
import { accounts, cards } from './fixtures.js';
import { AUTH, capturingLogger, eventually, post, startStack, tokenFor, type GraphQLReply, type Stack } from './helpers.js';

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

  it('signs the internal context once per request and subgraph, however many fetches it sends there', async () => {
    const contexts = new SignedContexts(new ContextSigner(AUTH.internalContextKey));
    const record = { requestId: 'r-1', startedAt: 0n, errorCodes: [] };
    const ctx = { requestId: 'r-1', principal: { kind: 'customer', customerId: 'c' } as const, record };
    const [first, ...again] = await Promise.all([contexts.of(ctx, 'accounts', 3000), contexts.of(ctx, 'accounts', 3000), contexts.of(ctx, 'accounts', 3000)]);
    expect(again).toEqual([first, first]);
    const forCards = await contexts.of(ctx, 'cards', 3000);
    expect(decodeJwt(first!).aud).toBe('accounts');
    expect(decodeJwt(forCards).aud).toBe('cards');
    expect(await contexts.of({ ...ctx }, 'accounts', 3000)).not.toBe(first); // another request
  });

  /** The contexts the gateway sent to each subgraph for one request of cust-0001's (ME fetches from both). */
  async function contextsOfOneRequest(): Promise<Record<'accounts' | 'cards', { context: string; atMs: number }>> {
    const before = { accounts: stack.subgraphs.accounts!.arrived.length, cards: stack.subgraphs.cards!.arrived.length };
    const reply = await post(stack.gateway.url, ME, { token: await tokenFor({ customer: 'cust-0001' }) });
    expect(reply.status).toBe(200);
    const sent = (name: 'accounts' | 'cards') => {
      const arrived = stack.subgraphs[name]!.arrived.slice(before[name]);
      expect(arrived.length).toBeGreaterThan(0);
      return { context: String(arrived[0]!.context), atMs: arrived[0]!.atMs };
    };
    return { accounts: sent('accounts'), cards: sent('cards') };
  }

  async function replay(subgraph: 'accounts' | 'cards', context: string): Promise<GraphQLReply> {
    return post(stack.subgraphs[subgraph]!.url, { query: '{ __typename }' }, { headers: { [CONTEXT_HEADER]: context } });
  }

  it('signs a context for each subgraph alone: the one the gateway sent to cards is refused by accounts', async () => {
    const sent = await contextsOfOneRequest();
    expect(sent.cards.context).not.toBe(sent.accounts.context);
    const replayed = await replay('accounts', sent.cards.context);
    expect(replayed.status).toBe(401);
    expect(replayed.body.errors?.[0]?.message).toBe('signed context is for another subgraph');
    expect((await replay('cards', sent.cards.context)).status).toBe(200);
  });

  it("lets a context live no longer than the fetch's deadline (the stack's subgraph timeout, 3 s), then refuses a replay", async () => {
    const sent = await contextsOfOneRequest();
    for (const { context, atMs } of Object.values(sent)) {
      const expMs = (decodeJwt(context).exp ?? Infinity) * 1000;
      expect(expMs).toBeGreaterThan(atMs);
      expect(expMs).toBeLessThanOrEqual(atMs + 3000);
    }
    // A captured header is good only until then: wait for the refusal (before, it replayed for 60 s).
    await eventually(async () => (await replay('accounts', sent.accounts.context)).status === 401, { timeoutMs: 6000, everyMs: 250 });
    expect((await replay('accounts', sent.accounts.context)).body.errors?.[0]?.message).toBe('expired signed context');
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
