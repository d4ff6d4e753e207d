import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accounts, cards } from './fixtures.js';
import { composeSupergraph, eventually, post, startSubgraph, tokenFor, type RunningSubgraph } from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
});

describe('gateway/index.ts', () => {
  it('on SIGTERM finishes the request in flight, refuses new ones, and exits 0', async () => {
    const subgraphs: RunningSubgraph[] = await Promise.all([startSubgraph(accounts), startSubgraph(cards)]);
    cleanup.push(() => Promise.all(subgraphs.map((s) => s.stop())));
    const dir = await mkdtemp(join(tmpdir(), 'bankgraph-shutdown-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const supergraphPath = join(dir, 'supergraph.graphql');
    await writeFile(supergraphPath, composeSupergraph([accounts, cards]));

    const child = spawn(process.execPath, ['--import', 'tsx', 'gateway/index.ts'], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: {
        ...process.env,
        PORT: '0',
        SUPERGRAPH_PATH: supergraphPath,
        SUBGRAPH_ACCOUNTS_URL: subgraphs[0]!.url,
        SUBGRAPH_CARDS_URL: subgraphs[1]!.url,
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanup.push(async () => child.exitCode === null && child.kill('SIGKILL'));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m?.[1]) resolve(m[1]);
      });
      void exited.then(() => reject(new Error(`gateway exited before listening: ${stderr}`)));
    });

    const token = await tokenFor({ customer: 'cust-0001' });
    const inFlight = post(url, { query: '{ slow(ms: 800) }' }, { token });
    await eventually(async () => subgraphs[0]!.received.length > 0); // the request is at the subgraph
    child.kill('SIGTERM');

    const reply = await inFlight;
    expect(reply.body).toEqual({ data: { slow: 'finally' } });
    expect(await exited).toBe(0);
    await expect(fetch(url.replace('/graphql', '/health'))).rejects.toThrow();
  });
});
