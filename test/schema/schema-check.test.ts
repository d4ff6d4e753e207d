import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { SubgraphName } from '../../lib/config.js';
import { composeSupergraph, subgraphSchemaPath } from '../../schema/compose.js';
import { checkSchema, knownOperations, RELEASED_PATH } from '../../scripts/schema-check.js';

/**
 * Schema governance on fixtures: the accounts subgraph's schema edited in memory, composed, and checked against a
 * release, with the committed operations (first-party and partners') as the clients.
 */
const ACCOUNTS = readFileSync(subgraphSchemaPath('accounts'), 'utf8');
const ACCOUNT_TYPE = /^type Account @key\(fields: "id"\) \{\n/m;

function supergraphWith(accounts: string): string {
  const schemaOf = (name: SubgraphName) => (name === 'accounts' ? accounts : readFileSync(subgraphSchemaPath(name), 'utf8'));
  return composeSupergraph(schemaOf).supergraphSdl;
}

function edit(sdl: string, pattern: RegExp, replacement: string): string {
  const edited = sdl.replace(pattern, replacement);
  expect(edited, `fixture: ${pattern} matched nothing in subgraphs/accounts/schema.graphql`).not.toBe(sdl);
  return edited;
}

const withFieldOnAccount = (field: string) => edit(ACCOUNTS, ACCOUNT_TYPE, `$&  ${field}\n`);

/** The SDL without the (first) field called `name`, and its description. */
function withoutField(sdl: string, name: string): string {
  const lines = sdl.split('\n');
  const at = lines.findIndex((l) => new RegExp(`^\\s+${name}[:(]`).test(l));
  expect(at, `fixture: no field ${name} in subgraphs/accounts/schema.graphql`).toBeGreaterThan(0);
  let from = at;
  const previous = lines[at - 1]?.trim() ?? '';
  if (previous === '"""') {
    from = at - 2;
    while (from > 0 && lines[from]?.trim() !== '"""') from--;
  } else if (previous.startsWith('"')) from = at - 1;
  lines.splice(from, at - from + 1);
  return lines.join('\n');
}
const current = supergraphWith(ACCOUNTS);
const operations = knownOperations();

describe('npm run schema:check', () => {
  it('fails when a field a partner operation uses is removed (Transaction.reversed, budget-app)', async () => {
    const proposed = supergraphWith(withoutField(ACCOUNTS, 'reversed'));
    const report = await checkSchema({ released: current, proposed, operations });
    expect(report.breaking.map((c) => c.path)).toContain('Transaction.reversed');
    expect(report.violations.join('\n')).toMatch(/RecentTransactions/);
  });

  it('fails when a field the first-party Dashboard uses is removed (Account.number)', async () => {
    const proposed = supergraphWith(withoutField(ACCOUNTS, 'number'));
    const report = await checkSchema({ released: current, proposed, operations });
    expect(report.violations.join('\n')).toMatch(/Dashboard/);
  });

  it('passes when a nullable field is added', async () => {
    const proposed = supergraphWith(withFieldOnAccount('nickname: String'));
    const report = await checkSchema({ released: current, proposed, operations });
    expect(report.violations).toEqual([]);
    expect(report.breaking).toEqual([]);
    expect(report.safe.map((c) => c.path)).toContain('Account.nickname');
  });

  it('passes when an unused field deprecated with a reason is removed', async () => {
    const released = supergraphWith(withFieldOnAccount('branchCode: String @deprecated(reason: "Use number.")'));
    const report = await checkSchema({ released, proposed: current, operations });
    expect(report.breaking.map((c) => c.path)).toContain('Account.branchCode');
    expect(report.violations).toEqual([]);
  });

  it('fails when an unused field is removed without being deprecated first (or with no reason)', async () => {
    for (const field of ['branchCode: String', 'branchCode: String @deprecated']) {
      const released = supergraphWith(withFieldOnAccount(field));
      const report = await checkSchema({ released, proposed: current, operations });
      expect(report.violations.join('\n'), field).toMatch(/Account\.branchCode was not first marked @deprecated/);
    }
  });

  it('passes for the subgraphs as committed against the committed release', async () => {
    const report = await checkSchema({ released: readFileSync(RELEASED_PATH, 'utf8'), proposed: current, operations });
    expect(report.violations).toEqual([]);
  });
});
