import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway } from '../../gateway/server.js';
import { accounts, accountsBeforeBranchHours, cards } from './fixtures.js';
import {
  AUTH,
  capturingLogger,
  composeSupergraph,
  eventually,
  post,
  startStack,
  startSubgraph,
  tokenFor,
  type Stack,
} from './helpers.js';

// One graphql instance, as in production (see the note in helpers.ts).

const { logger, lines } = capturingLogger();
let stack: Stack;
let token: string;
beforeAll(async () => {
  // The accounts subgraph already serves `branchHours`; the first supergraph does not know it yet.
  [stack, token] = await Promise.all([
    startStack({ fixtures: [accounts, cards], composeWith: [accountsBeforeBranchHours, cards], logger }),
    tokenFor({ customer: 'cust-0001' }),
  ]);
});
afterAll(() => stack?.stop());

const BRANCH_HOURS = { query: '{ branchHours cardCount }' };

describe('supergraph reload', () => {
  it('keeps serving the old schema when the new file does not build, and says so in the log', async () => {
    const before = await post(stack.gateway.url, BRANCH_HOURS, { token });
    expect(before.status).toBe(400);
    expect(before.body.errors?.[0]?.message).toMatch(/Cannot query field "branchHours"/);

    await writeFile(stack.supergraphPath, 'this is not a supergraph {');
    await eventually(async () => lines.some((l) => l.msg === 'new supergraph refused; keeping the previous supergraph'));

    const still = await post(stack.gateway.url, { query: '{ cardCount }' }, { token });
    expect(still.body).toEqual({ data: { cardCount: 2 } });
  });

  it('picks up a new supergraph file within moments: the new field answers', async () => {
    // Written elsewhere and renamed over, as a deploy would: the watcher follows the directory, not the inode.
    const next = `${stack.supergraphPath}.next`;
    await writeFile(next, composeSupergraph([accounts, cards]));
    await rename(next, stack.supergraphPath);

    await eventually(async () => (await post(stack.gateway.url, BRANCH_HOURS, { token })).status === 200);
    const after = await post(stack.gateway.url, BRANCH_HOURS, { token });
    expect(after.body).toEqual({ data: { branchHours: 'Mon-Fri 09:00-17:00', cardCount: 2 } });
    expect(lines.some((l) => l.msg === 'supergraph reloaded')).toBe(true);

    // The old fields and cross-subgraph plans still work on the new schema.
    const me = await post(stack.gateway.url, { query: '{ me { id cards { last4 } } }' }, { token });
    expect(me.body).toEqual({ data: { me: { id: 'cust-0001', cards: [{ last4: '4242' }, { last4: '1881' }] } } });
  });
});

describe('supergraph reload from a Kubernetes ConfigMap volume', () => {
  // A ConfigMap volume: supergraph.graphql -> ..data/supergraph.graphql, ..data -> ..<timestamp>/. An update writes a
  // new timestamped directory and swaps ..data by renaming a fresh symlink over it: no event ever names
  // supergraph.graphql itself.
  it('picks up the new supergraph when the ..data symlink is swapped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bankgraph-configmap-'));
    const subgraphs = await Promise.all([startSubgraph(accounts), startSubgraph(cards)]);
    const { logger, lines } = capturingLogger();
    const publish = async (version: string, sdl: string) => {
      await mkdir(join(dir, version));
      await writeFile(join(dir, version, 'supergraph.graphql'), sdl);
    };
    await publish('..2026_01_01_00_00_00.1', composeSupergraph([accountsBeforeBranchHours, cards]));
    await symlink('..2026_01_01_00_00_00.1', join(dir, '..data'));
    await symlink(join('..data', 'supergraph.graphql'), join(dir, 'supergraph.graphql'));
    const gateway = await createGateway({
      supergraphPath: join(dir, 'supergraph.graphql'),
      subgraphUrls: Object.fromEntries(subgraphs.map((s) => [s.name, s.url])),
      auth: AUTH,
      logger,
      port: 0,
    });
    try {
      const token = await tokenFor({ customer: 'cust-0001' });
      expect((await post(gateway.url, BRANCH_HOURS, { token })).status).toBe(400);

      await publish('..2026_01_02_00_00_00.2', composeSupergraph([accounts, cards]));
      await symlink('..2026_01_02_00_00_00.2', join(dir, '..data_tmp'));
      await rename(join(dir, '..data_tmp'), join(dir, '..data'));

      await eventually(async () => (await post(gateway.url, BRANCH_HOURS, { token })).status === 200);
      expect((await post(gateway.url, BRANCH_HOURS, { token })).body).toEqual({ data: { branchHours: 'Mon-Fri 09:00-17:00', cardCount: 2 } });
      expect(lines.filter((l) => l.msg === 'supergraph reloaded')).toHaveLength(1);
    } finally {
      await gateway.stop();
      await Promise.all(subgraphs.map((s) => s.stop()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
