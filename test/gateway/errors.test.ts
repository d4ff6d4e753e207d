import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, cards, slowHold } from './fixtures.js';
import { capturingLogger, post, request, startStack, tokenFor, type Stack } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const { logger, lines } = capturingLogger();
let stack: Stack;
let token: string;
beforeAll(async () => {
  [stack, token] = await Promise.all([startStack({
      fixtures: [accounts, cards],
      logger,
      // Accounts' deadline is shorter than the others', so the held resolver below costs the test less; not so short
      // that accounts' first answers, on a loaded machine, miss it.
      gateway: { subgraphTimeoutMs: (subgraph) => (subgraph === 'accounts' ? 1500 : 3000) },
    }), tokenFor({ customer: 'cust-0001' })]);
});
afterAll(() => stack?.stop());

describe('errors as clients see them', () => {
  it('an unexpected resolver error becomes "Unexpected error." with the request id; the legacy text appears nowhere', async () => {
    const reply = await post(stack.gateway.url, { query: '{ cardCount legacyFailure }' }, { token, headers: { 'x-request-id': 'ora-1' } });
    expect(reply.status).toBe(200);
    expect(reply.body.data).toEqual({ cardCount: 2, legacyFailure: null });
    expect(reply.body.errors).toEqual([
      {
        message: 'Unexpected error.',
        path: ['legacyFailure'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'ora-1' },
      },
    ]);
    for (const secret of ['ORA-00942', '/legacy/stack', 'CoreBanking.java', 'stacktrace', 'exception', 'serviceName']) {
      expect(reply.text).not.toContain(secret);
    }
    // The original is in the log, under the same request id, for whoever investigates.
    const logged = lines.find((l) => l.requestId === 'ora-1' && l.msg === 'unexpected error (masked for the client)');
    expect(logged).toMatchObject({ service: 'accounts', path: 'legacyFailure' });
    expect(JSON.stringify(logged)).toContain('ORA-00942');
  });

  it('a BankError from a subgraph arrives intact: message, code and the legacy service it names', async () => {
    const reply = await post(stack.gateway.url, { query: '{ coreBankingDown }' }, { token });
    expect(reply.body.data).toEqual({ coreBankingDown: null });
    expect(reply.body.errors).toEqual([
      {
        message: 'Core banking is unavailable.',
        path: ['coreBankingDown'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'core-banking' },
      },
    ]);
    expect(reply.text).not.toContain('ECONNREFUSED');
    expect(reply.text).not.toContain('fineract');
  });

  it('a subgraph slower than its deadline is UPSTREAM_TIMEOUT naming it', async () => {
    // The accounts resolver is held until the test has the answer: an answer at all is the gateway's 1500 ms
    // deadline for accounts giving up on it (one that waited for accounts would wait for ever).
    let release!: () => void;
    slowHold.until = new Promise<void>((r) => (release = r));
    try {
      const reply = await post(stack.gateway.url, { query: '{ slow(ms: 0) cardCount }' }, { token });
      expect(reply.body.data).toEqual({ slow: null, cardCount: 2 });
      expect(reply.body.errors).toEqual([
        { message: 'The accounts service did not answer in time.', extensions: { code: 'UPSTREAM_TIMEOUT', service: 'accounts' } },
      ]);
    } finally {
      release();
      delete slowHold.until;
    }
  });

  it('a stopped subgraph costs only its own fields: UPSTREAM_UNAVAILABLE naming it, the rest still answers', async () => {
    await stack.subgraphs.cards!.stop();

    const reply = await post(stack.gateway.url, { query: '{ me { id name cards { last4 } } cardCount echo(text: "hi") }' }, { token });
    expect(reply.status).toBe(200);
    expect(reply.body.data).toEqual({ me: { id: 'cust-0001', name: 'Ada Lovelace', cards: null }, cardCount: null, echo: 'hi' });
    expect(reply.body.errors).toEqual([
      { message: 'The cards service is unavailable.', extensions: { code: 'UPSTREAM_UNAVAILABLE', service: 'cards' } },
    ]);
  });

  it('/ready stays 200 with a subgraph down (no cascade); ?verbose and /metrics name the stopped one', async () => {
    // One dead subgraph costs its own fields (above), not this gateway's place in the load balancer.
    const ready = await request(`${stack.gateway.origin}/ready`, {});
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', ready: true });

    const verbose = await request(`${stack.gateway.origin}/ready?verbose`, {});
    expect(verbose.status).toBe(200);
    expect(verbose.body).toMatchObject({
      status: 'ready',
      ready: true,
      dependencies: {
        ok: false,
        reason: 'subgraph not answering: cards',
        up: { 'subgraph:accounts': true, 'subgraph:cards': false },
        subgraphs: [
          { name: 'accounts', ok: true },
          { name: 'cards', ok: false, reason: 'unreachable' },
        ],
      },
    });
    const metrics = await fetch(`${stack.gateway.origin}/metrics`).then((r) => r.text());
    expect(metrics).toContain('bankgraph_dependency_up{dependency="subgraph:cards"} 0');
    expect(metrics).toContain('bankgraph_dependency_up{dependency="subgraph:accounts"} 1');
    expect((await request(`${stack.gateway.origin}/health`, {})).status).toBe(200);
  });
});
