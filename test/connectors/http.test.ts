import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LegacyHttpClient, retryAfterOf, type LegacyClientOptions } from '../../connectors/http.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';

/** LegacyHttpClient against a stub whose answers each test scripts. */
let answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
let calls = 0;
let server: Server;
let baseUrl: string;
const clients: LegacyHttpClient[] = [];

function client(options: Partial<LegacyClientOptions> = {}): LegacyHttpClient {
  const c = new LegacyHttpClient({ system: 'stub', baseUrl, retry: { retries: 2, baseDelayMs: 1 }, ...options });
  clients.push(c);
  return c;
}

async function failure(promise: Promise<unknown>): Promise<UpstreamError> {
  const err = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

beforeAll(async () => {
  server = createServer((req, res) => {
    calls++;
    req.resume();
    req.on('end', () => answer(req, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  calls = 0;
});

const READ = { method: 'GET', path: '/things', route: 'GET /things', idempotent: true } as const;

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates', () => {
    const now = Date.parse('2026-11-20T12:00:00Z');
    expect(retryAfterOf('2', now)).toBe(2000);
    expect(retryAfterOf(['0'], now)).toBe(0);
    expect(retryAfterOf('Fri, 20 Nov 2026 12:00:03 GMT', now)).toBe(3000);
    expect(retryAfterOf('Fri, 20 Nov 2026 11:59:00 GMT', now)).toBe(0);
    expect(retryAfterOf(undefined, now)).toBeUndefined();
    expect(retryAfterOf('soon', now)).toBeUndefined();
  });

  it('waits a Retry-After in full when it fits maxRetryAfterMs, beyond maxDelayMs too', async () => {
    // A stub that means its Retry-After: busy until 950 ms after it said "1 s", so a retry that waited less (the
    // 10 ms of maxDelayMs) is refused again and counted. Its timer is set before the client, which hears the 503
    // later, starts its wait of 1000 ms: it fires first whenever that wait ends, so this does not race.
    let busy = true;
    let timer: NodeJS.Timeout | undefined;
    answer = (_req, res) => {
      if (busy) {
        timer ??= setTimeout(() => (busy = false), 950);
        res.writeHead(503, { 'retry-after': '1' });
        res.end('busy');
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
      }
    };
    expect(await client({ retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 10 } }).json(READ)).toEqual({ ok: true });
    expect(calls).toBe(2);
  });

  it('fails at once when the Retry-After is longer than maxRetryAfterMs', async () => {
    // An hour: a client that waited it would never get to the assertions (and one retrying early would be counted).
    answer = (_req, res) => {
      res.writeHead(503, { 'retry-after': '3600' });
      res.end('come back later');
    };
    const err = await failure(client().call(READ));
    expect(err.detail).toMatchObject({ status: 503, retryAfterMs: 3_600_000 });
    expect(calls).toBe(1);
  });

  it('retries a 429 without Retry-After with its usual backoff, and never counts a 429 towards the breaker', async () => {
    answer = (_req, res) => {
      res.writeHead(429);
      res.end();
    };
    const c = client({ breaker: { threshold: 2, halfOpenAfterMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await failure(c.call(READ))).isRateLimited).toBe(true);
    expect(calls).toBe(9);
    expect(c.breakerState).toBe('closed');
  });
});

describe('retryable: false', () => {
  it('is tried once, whatever the code', async () => {
    answer = (_req, res) => {
      res.writeHead(401);
      res.end();
    };
    const c = client({
      mapError: (response, call) =>
        new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, 'stub', 'stub is unavailable', { route: call.route, status: response.status, retryable: false }),
    });
    expect((await failure(c.call(READ))).code).toBe(ErrorCode.UPSTREAM_UNAVAILABLE);
    expect(calls).toBe(1);
  });
});

describe('check', () => {
  it('turns a 2xx into a failure inside the attempt: retried, and counted towards the breaker', async () => {
    answer = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"parts":[{"status":500}]}');
    };
    const c = client({ breaker: { threshold: 3, halfOpenAfterMs: 60_000 } });
    const check = (response: { json: unknown }) => {
      const parts = (response.json as { parts: { status: number }[] }).parts;
      if (parts.some((p) => p.status >= 500)) {
        throw new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, 'stub', 'stub is unavailable', { route: 'GET /things > part', status: 500 });
      }
    };
    const err = await failure(c.call({ ...READ, check }));
    expect(err.detail.route).toBe('GET /things > part');
    expect(calls).toBe(3);
    expect(c.breakerState).toBe('open');
    expect((await failure(c.call(READ))).detail.legacyCode).toBe('BREAKER_OPEN');
    expect(calls).toBe(3);
  });
});
