import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';

describe('bad requests get a clear 400-class answer and the server keeps serving', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    token = await stack.customerToken('cust-0001');
  });
  afterAll(() => stack?.stop());

  const post = (body: string, contentType = 'application/json') =>
    fetch(stack.gatewayUrl, { method: 'POST', headers: { 'content-type': contentType, authorization: `Bearer ${token}` }, body });

  async function stillServes() {
    const answer = await stack.graphql('{ me { id } }', {}, token);
    expect(answer.body).toEqual({ data: { me: { id: 'cust-0001' } } });
  }

  it('malformed JSON', async () => {
    const res = await post('{"query": "{ me { id } }"');
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/JSON/i);
    await stillServes();
  });

  it('a content type that is not JSON', async () => {
    const res = await post('{ me { id } }', 'text/plain');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    await stillServes();
  });

  it('an unknown field', async () => {
    const res = await post(JSON.stringify({ query: '{ me { id pinCode } }' }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]?.message).toMatch(/pinCode/);
    expect(body.errors[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await stillServes();
  });

  it('a missing required variable', async () => {
    const res = await post(JSON.stringify({ query: 'query($id: ID!) { account(id: $id) { id } }', variables: {} }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]?.message).toMatch(/\$id/);
    await stillServes();
  });

  it('an operationName the document does not define, or several operations and none named: 400, never 500', async () => {
    const cases = [
      [{ query: 'query Mine { me { id } }', operationName: 'Nope' }, 'The document has no operation named "Nope" (it has: Mine).'],
      [{ query: 'query A { me { id } } query B { me { id } }' }, 'The document has 2 operations (A, B): say which one to run with operationName.'],
      [{ query: 'query A { me { id } } query B { me { id } }', operationName: 'C' }, 'The document has no operation named "C" (it has: A, B).'],
      [{ query: '{ me { id } }', operationName: 'Named' }, 'The document has no operation named "Named" (it has: (anonymous)).'],
    ] as const;
    for (const [body, message] of cases) {
      const res = await post(JSON.stringify(body));
      expect(res.status).toBe(400);
      const answer = (await res.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(answer.data).toBeUndefined();
      expect(answer.errors).toEqual([{ message, extensions: expect.objectContaining({ code: 'OPERATION_RESOLUTION_FAILURE' }) }]);
    }
    // Naming one of several runs it.
    const chosen = await post(JSON.stringify({ query: 'query A { me { id } } query B { me { who: id } }', operationName: 'B' }));
    expect(await chosen.json()).toEqual({ data: { me: { who: 'cust-0001' } } });
    await stillServes();
  });

  it('a subscription (the schema has none): 400 GRAPHQL_VALIDATION_FAILED, not the query planner\'s 500', async () => {
    const res = await post(JSON.stringify({ query: 'subscription Feed { me { id } }' }));
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
    expect(answer.data).toBeUndefined();
    expect(answer.errors).toEqual([
      expect.objectContaining({
        message: 'The schema has no subscription type: it answers query and mutation operations.',
        extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }),
      }),
    ]);
    await stillServes();
  });

  it('bad user input names the field', async () => {
    const answer = await stack.graphql('{ me { wallet { total(currency: "XXX") { amount } } } }', {}, token);
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'currency' });
    const page = await stack.graphql('{ me { accounts { transactions(first: 1000) { totalCount } } } }', {}, token);
    expect(page.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'first' });
  });
});
