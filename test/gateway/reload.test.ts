import { rename, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accounts, accountsBeforeBranchHours, cards } from './fixtures.js';
import { capturingLogger, composeSupergraph, eventually, post, startStack, tokenFor, type Stack } from './helpers.js';

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
