import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { availableParallelism } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayWorkers } from '../../gateway/cluster.js';
import { requireRedis, uniquePrefix } from '../support/redis.js';

/**
 * Cluster mode (gateway/cluster.ts): `GATEWAY_WORKERS=2` runs two gateway workers on one port. Which worker holds
 * the server side of each TCP connection is read from /proc (the socket's inode in /proc/net/tcp, then the worker
 * whose file descriptors include it), so the test knows that both workers answered, not just that something did.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Gateway {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first line matching, as it arrives. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  readonly exited: Promise<number | null>;
}

function startGateway(env: Record<string, string>): Gateway {
  const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'silent', NODE_ENV: 'test', VITEST: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    for (const w of [...waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  };
  for (const stream of [child.stdout, child.stderr]) if (stream) createInterface({ input: stream }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitFor: (pattern) => {
      const seen = lines.map((l) => l.match(pattern)).find((m) => m);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`gateway exited (${code}) before printing ${pattern}:\n${lines.join('\n')}`)));
      });
    },
  };
}

/** A raw keep-alive connection that has had one GET /health answered; its local port names it in /proc/net/tcp. */
async function healthOver(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const answer = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (text.includes('"status":"ok"')) resolve(text);
    });
  });
  socket.write('GET /health HTTP/1.1\r\nhost: localhost\r\n\r\n');
  expect(await answer).toMatch(/^HTTP\/1\.1 200/);
  return socket;
}

/** The pid (among `pids`) holding the server side of the connection from `clientPort` to `serverPort`. */
function ownerOf(serverPort: number, clientPort: number, pids: readonly number[]): number | undefined {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  const row = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[1]?.endsWith(`:${hex(serverPort)}`) && f[2]?.endsWith(`:${hex(clientPort)}`));
  const inode = row?.[9];
  if (!inode) return undefined;
  return pids.find((pid) =>
    readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false; // closed meanwhile
      }
    }),
  );
}

describe('GATEWAY_WORKERS', () => {
  it('reads auto, a count, and refuses anything else', () => {
    expect(gatewayWorkers({})).toBe(1);
    expect(gatewayWorkers({ GATEWAY_WORKERS: '1' })).toBe(1);
    expect(gatewayWorkers({ GATEWAY_WORKERS: '3' })).toBe(3);
    expect(gatewayWorkers({ GATEWAY_WORKERS: 'auto' })).toBe(availableParallelism());
    expect(() => gatewayWorkers({ GATEWAY_WORKERS: 'two' })).toThrow('GATEWAY_WORKERS must be "auto" or an integer');
    expect(() => gatewayWorkers({ GATEWAY_WORKERS: '0' })).toThrow('GATEWAY_WORKERS must be');
  });

  it('exits 0 on SIGTERM while its workers are still starting: they had nothing to drain', async () => {
    const redisUrl = await requireRedis();
    const gateway = startGateway({ GATEWAY_WORKERS: '2', REDIS_URL: redisUrl, REDIS_PREFIX: uniquePrefix('cluster'), LOG_LEVEL: 'info' });
    // The primary has forked both workers; they are still loading, long before either listens.
    await gateway.waitFor(/"msg":"starting gateway workers"/);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
    expect(gateway.lines.join('\n')).not.toMatch(/worker \d+ \(pid \d+\) listening/);
  });

  it('writes each log line as one JSON object with unique keys (pino already carries pid: no second one)', async () => {
    const gateway = startGateway({ REDIS_URL: '', LOG_LEVEL: 'info' });
    const starting = await gateway.waitFor(/"msg":"gateway starting"/);
    gateway.child.kill('SIGTERM');
    await gateway.exited;
    const json = gateway.lines.filter((l) => l.startsWith('{'));
    expect(json.length).toBeGreaterThan(1);
    expect(json).toContain(starting.input);
    for (const line of json) {
      // JSON.parse would keep the last of two equal keys silently: count them in the raw text.
      const topLevelKeys = ['pid', 'hostname', 'level', 'time', 'msg', 'service'];
      for (const key of topLevelKeys) expect(line.split(`"${key}":`).length - 1, `${key} in ${line}`).toBeLessThanOrEqual(1);
      expect(JSON.parse(line)).toMatchObject({ pid: gateway.child.pid });
    }
  });

  it('refuses more than one worker without REDIS_URL: limits and consents must be shared', async () => {
    const gateway = startGateway({ GATEWAY_WORKERS: '2', REDIS_URL: '' });
    expect(await gateway.exited).toBe(1);
    expect(gateway.lines.join('\n')).toContain('GATEWAY_WORKERS=2 needs REDIS_URL');
  });
});

describe('a gateway with GATEWAY_WORKERS=2', () => {
  let gateway: Gateway;
  let port: number;
  let pids: number[];

  beforeAll(async () => {
    const redisUrl = await requireRedis();
    gateway = startGateway({ GATEWAY_WORKERS: '2', REDIS_URL: redisUrl, REDIS_PREFIX: uniquePrefix('cluster') });
    const listening = [await gateway.waitFor(/worker 1 \(pid (\d+)\) listening/), await gateway.waitFor(/worker 2 \(pid (\d+)\) listening/)];
    pids = listening.map((m) => Number(m[1]));
    port = Number((await gateway.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)\/graphql/))[1]);
  }, 60_000);

  afterAll(async () => {
    if (gateway && gateway.child.exitCode === null) {
      gateway.child.kill('SIGKILL');
      await gateway.exited;
    }
  });

  it('answers on one port from both workers', async () => {
    expect(new Set(pids).size).toBe(2);
    const sockets = await Promise.all(Array.from({ length: 6 }, () => healthOver(port)));
    const owners = sockets.map((s) => ownerOf(port, s.localPort as number, pids));
    for (const s of sockets) s.destroy();
    expect(owners.every((o) => o !== undefined)).toBe(true);
    expect(new Set(owners)).toEqual(new Set(pids));
  });

  it('replaces a worker that dies, keeps answering, and stops cleanly on SIGTERM', async () => {
    process.kill(pids[0] as number, 'SIGKILL');
    const replacement = await gateway.waitFor(/worker 3 \(pid (\d+)\) listening/);
    expect(pids).not.toContain(Number(replacement[1]));
    (await healthOver(port)).destroy();
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  }, 30_000);
});
