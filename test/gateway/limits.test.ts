import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, cards } from './fixtures.js';
import { post, request, startStack, tokenFor, type GraphQLReply, type Stack } from './helpers.js';

/**
 * Operation limits and the abuse they stop. Each bomb is answered with its documented code, HTTP 400 (413 for the
 * body), no `data`, nothing sent to a subgraph, and the gateway keeps serving after it.
 */

let stack: Stack;
let token: string;
beforeAll(async () => {
  [stack, token] = await Promise.all([
    startStack({
      fixtures: [accounts, cards],
      // Spelled out so the test reads on its own (the defaults but for the cost: 10000).
      gateway: {
        operationLimits: { maxDepth: 12, maxAliases: 15, maxTokens: 2000, maxDirectives: 50, maxCost: 5000 },
        rateLimit: false,
      },
    }),
    tokenFor({ customer: 'cust-0001' }),
  ]);
});
afterAll(() => stack?.stop());

function subgraphCalls(): number {
  return Object.values(stack.subgraphs).reduce((n, s) => n + s.received.length, 0);
}

/** Sends the abuse, checks the refusal, checks that nothing ran and that the gateway still serves. */
async function refused(send: () => Promise<GraphQLReply>, expected: { status: number; code: string; message: RegExp; limit?: string }) {
  const before = subgraphCalls();
  const reply = await send();
  expect(reply.status).toBe(expected.status);
  expect(reply.body.data).toBeUndefined();
  expect(reply.body.errors?.length).toBeGreaterThan(0);
  // Other limits or rules may also report on the same document: the one under test must be among them.
  const error = reply.body.errors!.find((e) => expected.message.test(e.message));
  expect(error, JSON.stringify(reply.body.errors)).toBeDefined();
  expect(error?.extensions?.code).toBe(expected.code);
  if (expected.limit) expect(error?.extensions?.limit).toBe(expected.limit);
  expect(subgraphCalls()).toBe(before);
  const still = await post(stack.gateway.url, { query: '{ echo(text: "still here") }' }, { token });
  expect(still.body).toEqual({ data: { echo: 'still here' } });
}

/**
 * `{ me { me { ... id } } }`, `levels` deep. The fixture schema is flat (Customer has no `me`), which does not matter:
 * the limits run with graphql's own rules and the client hears about the limit whatever else is wrong.
 */
function nested(levels: number): string {
  let selection = 'id';
  for (let i = 0; i < levels; i++) selection = `me { ${selection} }`;
  return `{ ${selection} }`;
}

describe('operation limits', () => {
  it('a document within every limit is served', async () => {
    const reply = await post(stack.gateway.url, { query: '{ me { id name cards { last4 } } cardCount }' }, { token });
    expect(reply.body.data).toEqual({ me: { id: 'cust-0001', name: 'Ada Lovelace', cards: [{ last4: '4242' }, { last4: '1881' }] }, cardCount: 2 });
  });

  it('depth bomb: GRAPHQL_VALIDATION_FAILED naming the depth limit', async () => {
    await refused(() => post(stack.gateway.url, { query: nested(200) }, { token }), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: /depth limit of 12 exceeded/i,
      limit: 'maxDepth',
    });
    // One level too deep is enough.
    await refused(() => post(stack.gateway.url, { query: nested(13) }, { token }), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: /depth limit of 12 exceeded/i,
      limit: 'maxDepth',
    });
  });

  it('alias bomb (500 aliases): GRAPHQL_VALIDATION_FAILED naming the alias limit', async () => {
    // __typename keeps it under the token limit: 500 aliases in 1,500 tokens.
    const aliases = Array.from({ length: 500 }, (_, i) => `a${i}: __typename`).join(' ');
    await refused(() => post(stack.gateway.url, { query: `{ ${aliases} }` }, { token }), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: /aliases limit of 15 exceeded/i,
      limit: 'maxAliases',
    });
  });

  it('16 aliases are refused, 15 are served', async () => {
    const aliases = (n: number) => Array.from({ length: n }, (_, i) => `a${i}: echo(text: "${i}")`).join(' ');
    const ok = await post(stack.gateway.url, { query: `{ ${aliases(15)} }` }, { token });
    expect(ok.status).toBe(200);
    expect(ok.body.data?.a14).toBe('14');
    const tooMany = await post(stack.gateway.url, { query: `{ ${aliases(16)} }` }, { token });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors?.[0]?.extensions?.limit).toBe('maxAliases');
  });

  it('token bomb: GRAPHQL_PARSE_FAILED, parsing stops at the token limit', async () => {
    const fields = Array.from({ length: 5000 }, () => '__typename').join(' ');
    await refused(() => post(stack.gateway.url, { query: `{ ${fields} }` }, { token }), {
      status: 400,
      code: 'GRAPHQL_PARSE_FAILED',
      message: /Document contains more tha[nt] 2000 tokens/, // graphql's own wording ("more that")
    });
  });

  it('directive bomb: GRAPHQL_VALIDATION_FAILED naming the directive limit', async () => {
    const directives = Array.from({ length: 200 }, () => '@include(if: true)').join(' ');
    await refused(() => post(stack.gateway.url, { query: `{ echo(text: "x") ${directives} }` }, { token }), {
      status: 400,
      code: 'GRAPHQL_VALIDATION_FAILED',
      message: /directives limit of 50 exceeded/i,
      limit: 'maxDirectives',
    });
  });

  it('cost bomb: GRAPHQL_VALIDATION_FAILED naming the cost limit', async () => {
    // Within depth, aliases and tokens, but each fragment spread multiplies the cost of the one below.
    const fragments = ['fragment F0 on Customer { id name cards { last4 } }'];
    for (let i = 1; i < 8; i++) fragments.push(`fragment F${i} on Customer { ...F${i - 1} cards { last4 } ...F${i - 1} }`);
    const query = `{ me { ...F7 } } ${fragments.join(' ')}`;
    const reply = await post(stack.gateway.url, { query }, { token });
    // Whichever limit trips first, it is a named validation limit and nothing runs.
    expect(reply.status).toBe(400);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors?.map((e) => e.extensions?.limit)).toContain('maxCost');
    expect(reply.body.errors?.[0]?.message).toMatch(/cost limit of 5000 exceeded/i);
  });

  it('oversized body: 413 BAD_REQUEST, and the gateway keeps serving', async () => {
    await refused(
      () => post(stack.gateway.url, { query: `{ echo(text: "${'x'.repeat(1024 * 1024 + 10)}") }` }, { token }),
      { status: 413, code: 'BAD_REQUEST', message: /larger than the limit of 1048576 bytes/ },
    );
  });

  it('batch abuse: an array body is refused (batching is off), and the gateway keeps serving', async () => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ query: `{ echo(text: "${i}") }` }));
    await refused(
      () =>
        request(stack.gateway.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(batch),
        }),
      { status: 400, code: 'BAD_REQUEST', message: /batching/i },
    );
  });
});

describe('in production (NODE_ENV=production, the defaults)', () => {
  let production: Stack;
  beforeAll(async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      production = await startStack({ fixtures: [accounts, cards], gateway: { rateLimit: false } });
    } finally {
      process.env.NODE_ENV = previous;
    }
  });
  afterAll(() => production?.stop());

  it('introspection is off', async () => {
    const reply = await post(production.gateway.url, { query: '{ __schema { types { name } } }' }, { token });
    expect(reply.status).toBe(400);
    expect(reply.body.data).toBeUndefined();
    expect(reply.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(reply.body.errors?.[0]?.message).toMatch(/introspection is not allowed/i);
  });

  it('validation errors carry no field suggestions', async () => {
    const reply = await post(production.gateway.url, { query: '{ ech(text: "x") }' }, { token });
    expect(reply.status).toBe(400);
    expect(reply.body.errors?.[0]?.message).toMatch(/Cannot query field "ech"/);
    expect(reply.text).not.toMatch(/Did you mean/);
  });

  it('CSRF prevention is on: a GET without a preflight-forcing header is refused', async () => {
    const reply = await request(`${production.gateway.url}?query=${encodeURIComponent('{ echo(text: "x") }')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(reply.status).toBe(400);
    expect(reply.text).toMatch(/CSRF/);
    const allowed = await request(`${production.gateway.url}?query=${encodeURIComponent('{ echo(text: "x") }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    expect(allowed.body).toEqual({ data: { echo: 'x' } });
  });
});
