import { connect } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gql } from 'graphql-tag';
import { GraphQLError } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { CoreBankingConnector } from '../../connectors/core-banking/index.js';
import { authConfig, contextPublicKeys } from '../../lib/config.js';
import { CONTEXT_HEADER, ContextSigner, ContextVerifier } from '../../lib/context.js';
import { BankError, ErrorCode } from '../../lib/errors.js';
import { createLogger, type Logger } from '../../lib/log.js';
import { allow, definePermissions } from '../../lib/permissions.js';
import type { Principal } from '../../lib/principal.js';
import { createSubgraphServer, type RunningSubgraph } from '../../lib/subgraph-server.js';
import { createAccountsSubgraph } from '../../subgraphs/accounts/server.js';
import { withoutUuids } from '../support/uuids.js';

/**
 * lib/subgraph-server.ts on its own: tiny subgraphs built by createSubgraphServer, called as the gateway would (with
 * a signed context and a request id), their log captured.
 */

const AUTH = authConfig({});
const signer = new ContextSigner(AUTH.internalContextKey);
const verifier = new ContextVerifier(contextPublicKeys({}));
const STAFF: Principal = { kind: 'staff', staffId: 's-1', role: 'operations' };

type Line = Record<string, any>; // any: log lines are arbitrary JSON; a wrong guess fails the assertion anyway

/** A logger writing JSON lines into `lines`, at debug level whatever LOG_LEVEL says. */
function capturingLogger(name: string): { logger: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Line);
      done();
    },
  });
  const previous = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'debug';
  try {
    return { logger: createLogger(name, sink), lines };
  } finally {
    if (previous === undefined) delete process.env.LOG_LEVEL;
    else process.env.LOG_LEVEL = previous;
  }
}

/** Asks as the gateway would: with a context signed for `audience` (the subgraph's name), alive for 10 s. */
async function ask(url: string, query: string, requestId: string, principal: Principal = STAFF, audience = 'tiny') {
  const context = await signer.sign({ principal, requestId }, { audience, expiresAtMs: Date.now() + 10_000 });
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTEXT_HEADER]: context },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

const running: RunningSubgraph[] = [];
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(running.map((r) => r.stop()));
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const typeDefs = gql`
  type Query {
    boom: String
    dressedUp: String
    refused: String
    slow(ms: Int!): String
  }
`;

async function tinySubgraph(
  logger: Logger,
  options: { drainTimeoutMs?: number; onSlow?: () => void; /** `slow` waits for this instead of its ms. */ hold?: Promise<void> } = {},
): Promise<RunningSubgraph> {
  const server = await createSubgraphServer({
    name: 'tiny',
    typeDefs,
    resolvers: {
      Query: {
        boom: () => {
          throw new Error('ORA-00942: table or view does not exist (db01.internal:1521)');
        },
        // A plain Error with one of our codes copied onto it is still not a deliberate error.
        dressedUp: () => {
          throw Object.assign(new Error('ORA-01017 invalid username/password on db01.internal'), { extensions: { code: 'FORBIDDEN' } });
        },
        refused: () => {
          throw new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to see this.');
        },
        slow: async (_p: unknown, { ms }: { ms: number }) => {
          options.onSlow?.();
          await (options.hold ?? new Promise((r) => setTimeout(r, ms)));
          return 'finally';
        },
      },
    },
    permissions: definePermissions({ Query: { boom: allow, dressedUp: allow, refused: allow, slow: allow } }),
    createContext: (base) => base,
    verifier,
    logger,
    ...(options.drainTimeoutMs !== undefined ? { drainTimeoutMs: options.drainTimeoutMs } : {}),
  });
  const r = await server.listen(0);
  running.push(r);
  return r;
}

describe('the signed context a subgraph accepts', () => {
  it("refuses with 401 a context the gateway signed for another subgraph, and takes one signed for its own name", async () => {
    const sub = await tinySubgraph(createLogger('subgraph-tiny'));
    const forCards = await ask(sub.url, '{ refused }', 'req-for-cards', STAFF, 'cards');
    expect(forCards.status).toBe(401);
    expect(forCards.body.errors?.[0]).toEqual({ message: 'signed context is for another subgraph', extensions: { code: ErrorCode.UNAUTHENTICATED } });
    const forTiny = await ask(sub.url, '{ refused }', 'req-for-tiny');
    expect(forTiny.status).toBe(200);
    expect(forTiny.body.errors?.[0]?.extensions?.code).toBe(ErrorCode.FORBIDDEN);
  });
});

describe('a connection that ends before its body is read', () => {
  it('is an info line, never an error-level one, and the subgraph keeps serving', async () => {
    const { logger, lines } = capturingLogger('subgraph-tiny');
    const sub = await tinySubgraph(logger);
    const context = await signer.sign({ principal: STAFF, requestId: 'hang-up' }, { audience: 'tiny', expiresAtMs: Date.now() + 10_000 });
    const port = Number(new URL(sub.url).port);
    // The gateway's side of a fetch it gave up on: headers and half a body, then the socket closes.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`POST /graphql HTTP/1.1\r\nHost: tiny\r\nContent-Type: application/json\r\nContent-Length: 100\r\n${CONTEXT_HEADER}: ${context}\r\n\r\n{"query": "{`, () => socket.end()),
      );
      socket.on('close', () => resolve());
      socket.on('error', reject);
      socket.resume(); // read what the server says, so its close reaches us
    });
    const said = () => lines.filter((l) => l.level !== 'debug' && l.level !== 20 && l.msg !== 'request');
    for (let i = 0; i < 100 && said().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(said()).toEqual([expect.objectContaining({ msg: 'the connection closed before the request body was read' })]);
    expect(said().every((l) => l.level === 'info' || l.level === 30)).toBe(true);
    expect((await ask(sub.url, '{ refused }', 'after-hang-up')).status).toBe(200);
  });
});

describe('subgraph error masking', () => {
  it('masks an unexpected error as "Unexpected error." and logs the original with the request id', async () => {
    const { logger, lines } = capturingLogger('subgraph-tiny');
    const sub = await tinySubgraph(logger);
    const answer = await ask(sub.url, '{ boom }', 'req-ora-1');
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]).toMatchObject({ message: 'Unexpected error.', path: ['boom'], extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
    expect(Object.keys(answer.body.errors?.[0]?.extensions ?? {})).toEqual(['code']);
    expect(answer.text).not.toMatch(/ORA-|db01/);
    const logged = lines.filter((l) => l.requestId === 'req-ora-1');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', subgraph: 'tiny', path: 'boom', err: { message: expect.stringContaining('ORA-00942') } });
  });

  it('masks a plain Error even when it carries one of our codes, and lets a BankError through as it is', async () => {
    const { logger, lines } = capturingLogger('subgraph-tiny');
    const sub = await tinySubgraph(logger);
    const dressed = await ask(sub.url, '{ dressedUp }', 'req-dressed');
    expect(dressed.body.errors?.[0]).toMatchObject({ message: 'Unexpected error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } });
    expect(dressed.text).not.toMatch(/ORA-|db01/);
    expect(lines.some((l) => l.requestId === 'req-dressed' && l.level === 'error')).toBe(true);

    const refused = await ask(sub.url, '{ refused }', 'req-refused');
    expect(refused.body.errors?.[0]).toMatchObject({ message: 'You are not allowed to see this.', extensions: { code: ErrorCode.FORBIDDEN } });
    expect(lines.some((l) => l.requestId === 'req-refused')).toBe(false);

    // GraphQL's own errors (Apollo adds the code) keep their message.
    const invalid = await ask(sub.url, '{ nothingHere }', 'req-invalid');
    expect(invalid.body.errors?.[0]).toMatchObject({ message: expect.stringContaining('nothingHere'), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(new GraphQLError('x').extensions.code).toBeUndefined();
  });
});

/** A core banking that fails every call with a 500 whose developer message quotes a card number. */
async function failingCoreBanking(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const message = 'Deadlock on SAVINGS_TXN while matching card 4111 1111 1111 1111 (also 5555555555554444)';
      const body = JSON.stringify({ developerMessage: message, httpStatusCode: '500', defaultUserMessage: message, userMessageGlobalisationCode: 'error.msg.platform.server.side.error', errors: [] });
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('subgraph logging of legacy failures', () => {
  it("logs core banking's 500 at warn with the route, status and request id, the card numbers scrubbed", async () => {
    const { logger, lines } = capturingLogger('subgraph-accounts');
    const coreBanking = new CoreBankingConnector({ baseUrl: await failingCoreBanking(), credentials: { user: 'u', password: 'p', tenant: 't' }, retry: { retries: 0 } });
    const server = await createAccountsSubgraph({ coreBanking, verifier, logger });
    const sub = await server.listen(0);
    running.push(sub);
    try {
      const answer = await ask(sub.url, '{ account(id: "acc-5001") { id } }', 'req-legacy-500', STAFF, 'accounts');
      expect(answer.body.errors?.[0]).toMatchObject({ extensions: { code: ErrorCode.UPSTREAM_UNAVAILABLE, service: 'core-banking' } });
      expect(answer.text).not.toMatch(/Deadlock|4111/);

      const logged = lines.filter((l) => l.requestId === 'req-legacy-500');
      expect(logged).toHaveLength(1);
      const [line] = logged;
      expect(line).toMatchObject({
        level: 'warn',
        msg: 'legacy call failed',
        subgraph: 'accounts',
        service: 'core-banking',
        err: {
          code: ErrorCode.UPSTREAM_UNAVAILABLE,
          detail: { route: expect.stringContaining('POST /batches'), status: 500, legacyCode: 'error.msg.platform.server.side.error' },
        },
      });
      expect(line!.err.detail.legacyMessage).toMatch(/Deadlock on SAVINGS_TXN while matching card \*\*\*\*1111 \(also \*\*\*\*4444\)/);
      const { time: _time, pid: _pid, ...rest } = line!; // a millisecond timestamp is 13 digits too
      expect(withoutUuids(JSON.stringify(rest))).not.toMatch(/(?:\d[ -]?){12,18}\d/);
    } finally {
      await coreBanking.http.close();
    }
  });
});

describe('subgraph shutdown', () => {
  it('lets a request in flight finish past 2 s before it stops (default drain deadline 15 s)', async () => {
    const { logger } = capturingLogger('subgraph-tiny');
    let started!: () => void;
    const atResolver = new Promise<void>((r) => (started = r));
    const sub = await tinySubgraph(logger, { onSlow: () => started() });
    const inFlight = ask(sub.url, '{ slow(ms: 2500) }', 'req-slow');
    await atResolver;
    const stopped = sub.stop();
    const answer = await inFlight;
    expect(answer.body).toEqual({ data: { slow: 'finally' } });
    await stopped;
    await expect(fetch(sub.url.replace('/graphql', '/health'))).rejects.toThrow();
  });

  it('cuts a request still in flight at drainTimeoutMs', async () => {
    const { logger } = capturingLogger('subgraph-tiny');
    let started!: () => void;
    const atResolver = new Promise<void>((r) => (started = r));
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const sub = await tinySubgraph(logger, { drainTimeoutMs: 100, onSlow: () => started(), hold });
    const inFlight = ask(sub.url, '{ slow(ms: 0) }', 'req-cut');
    await atResolver;
    // The resolver is held until stop() has returned: stop() returning at all is the drain deadline cutting it
    // (a drain that waited for it would wait for ever), and the client gets no answer.
    try {
      await sub.stop();
    } finally {
      release();
    }
    await expect(inFlight).rejects.toThrow();
  });
});
