import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, cards } from './fixtures.js';
import { post, request, startStack, tokenFor, type Stack } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

let stack: Stack;
let token: string;
beforeAll(async () => {
  [stack, token] = await Promise.all([
    // Production-like: no suggestions, no introspection.
    startStack({ fixtures: [accounts, cards], gateway: { hideSchemaSuggestions: true, introspection: false } }),
    tokenFor({ customer: 'cust-0001' }),
  ]);
});
afterAll(() => stack?.stop());

const auth = () => ({ authorization: `Bearer ${token}` });

async function stillServes() {
  const reply = await post(stack.gateway.url, { query: '{ echo(text: "still here") }' }, { token });
  expect(reply.status).toBe(200);
  expect(reply.body).toEqual({ data: { echo: 'still here' } });
}

describe('the HTTP edge', () => {
  it('GET /health is 200 and GET /ready is 200 while every subgraph answers', async () => {
    const health = await request(`${stack.gateway.origin}/health`, {});
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
    const ready = await request(`${stack.gateway.origin}/ready`, {});
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: 'ready', ready: true });
  });

  it('answers an unknown path with a JSON 404 and the request id', async () => {
    const reply = await request(`${stack.gateway.origin}/admin`, { headers: { 'x-request-id': 'probe-404' } });
    expect(reply.status).toBe(404);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(reply.headers.get('x-request-id')).toBe('probe-404');
  });

  it('replaces an unsafe client request id with a UUID', async () => {
    const reply = await post(stack.gateway.url, { query: '{ cardCount }' }, { token, headers: { 'x-request-id': 'a b<script>' } });
    expect(reply.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves queries over GET (with the CSRF-safe header)', async () => {
    const url = `${stack.gateway.url}?query=${encodeURIComponent('{ cardCount }')}`;
    const reply = await request(url, { headers: { ...auth(), 'apollo-require-preflight': 'true' } });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { cardCount: 2 } });
  });

  it('malformed JSON is a 400 BAD_REQUEST, and the gateway keeps serving', async () => {
    const reply = await request(stack.gateway.url, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json' },
      body: '{"query": "{ cardCount }"',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]).toEqual({ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } });
    await stillServes();
  });

  it('text/plain without the CSRF-safe headers is refused with 400 and says why', async () => {
    const reply = await request(stack.gateway.url, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ cardCount }' }),
    });
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/Cross-Site Request Forgery/);
    await stillServes();
  });

  it('an unknown field is a 400 GRAPHQL_VALIDATION_FAILED naming the field, without suggestions when hidden', async () => {
    const reply = await post(stack.gateway.url, { query: '{ cardCont }' }, { token });
    expect(reply.status).toBe(400);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.body.errors?.[0]?.message).toMatch(/Cannot query field "cardCont" on type "Query"/);
    expect(reply.text).not.toMatch(/Did you mean/);
    await stillServes();
  });

  it('introspection is refused when off (production)', async () => {
    const reply = await post(stack.gateway.url, { query: '{ __schema { types { name } } }' }, { token });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });

  it('a missing required variable is a 400 BAD_USER_INPUT naming the variable', async () => {
    const reply = await post(stack.gateway.url, { query: 'query Echo($text: String!) { echo(text: $text) }' }, { token });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(reply.body.errors?.[0]?.message).toMatch(/\$text/);
    await stillServes();
  });

  it('a body over 1 MiB is a 413, and the gateway keeps serving', async () => {
    const query = `{ echo(text: "${'x'.repeat(1024 * 1024 + 10)}") }`;
    const reply = await post(stack.gateway.url, { query }, { token });
    expect(reply.status).toBe(413);
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(reply.body.errors?.[0]?.message).toMatch(/larger than the limit/);
    await stillServes();
  });

  it('a body just under the limit is served', async () => {
    const text = 'y'.repeat(512 * 1024);
    const reply = await post(stack.gateway.url, { query: `{ echo(text: "${text}") }` }, { token });
    expect(reply.status).toBe(200);
    expect(reply.body.data?.echo).toBe(text);
  });

  it('other methods on /graphql are a 405 naming the allowed ones', async () => {
    const reply = await request(stack.gateway.url, { method: 'DELETE', headers: auth() });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('GET, POST');
  });
});
