import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, cards } from './fixtures.js';
import { composeSupergraph, eventually, post, startSubgraph, tokenFor, type RunningSubgraph } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

interface Spawned {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<number | null>;
  /** Resolves with the first match in stdout, or rejects when the process exits first. */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

describe('gateway/index.ts', () => {
  let subgraphs: RunningSubgraph[];
  let supergraphPath: string;

  beforeAll(async () => {
    subgraphs = await Promise.all([startSubgraph(accounts), startSubgraph(cards)]);
    cleanup.push(() => Promise.all(subgraphs.map((s) => s.stop())));
    const dir = await mkdtemp(join(tmpdir(), 'bankgraph-shutdown-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    supergraphPath = join(dir, 'supergraph.graphql');
    await writeFile(supergraphPath, composeSupergraph([accounts, cards]));
  });

  function spawnGateway(env: Record<string, string> = {}): Spawned {
    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        ...process.env,
        PORT: '0',
        SUPERGRAPH_PATH: supergraphPath,
        SUBGRAPH_ACCOUNTS_URL: subgraphs[0]!.url,
        SUBGRAPH_CARDS_URL: subgraphs[1]!.url,
        LOG_LEVEL: 'silent',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => child.exitCode === null && child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let out = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const waitFor = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolve, reject) => {
        const look = () => {
          const m = pattern.exec(out);
          if (m) {
            child.stdout.off('data', look);
            resolve(m);
          }
        };
        child.stdout.on('data', look);
        look();
        void exited.then(() => reject(new Error(`gateway exited before printing ${pattern}: ${stderr}`)));
      });
    return { child, exited, waitFor };
  }

  async function drainsWith(signals: NodeJS.Signals[]) {
    const gateway = spawnGateway();
    const url = (await gateway.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    const token = await tokenFor({ customer: 'cust-0001' });
    const before = subgraphs[0]!.received.length;
    const inFlight = post(url, { query: '{ slow(ms: 800) }' }, { token });
    await eventually(async () => subgraphs[0]!.received.length > before); // the request is at the subgraph
    for (const signal of signals) gateway.child.kill(signal);

    const reply = await inFlight;
    expect(reply.body).toEqual({ data: { slow: 'finally' } });
    expect(await gateway.exited).toBe(0);
    await expect(fetch(url.replace('/graphql', '/health'))).rejects.toThrow();
  }

  it('on SIGTERM finishes the request in flight, refuses new ones, and exits 0', async () => {
    await drainsWith(['SIGTERM']);
  });

  it('drains the same when one stop arrives as both SIGINT and SIGTERM (Ctrl-C on npm start)', async () => {
    // The terminal sends SIGINT to the whole process group, and scripts/start.ts sends SIGTERM to its children; sent
    // back to back, the process may handle them in either order (seen here: SIGTERM first).
    await drainsWith(['SIGINT', 'SIGTERM']);
  });

  it('exits 0 on a SIGTERM that comes while it is starting, instead of dying of the signal', async () => {
    const gateway = spawnGateway({ LOG_LEVEL: 'info' });
    await gateway.waitFor(/"msg":"gateway starting"/);
    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });
});
