import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePartners } from '../../lib/consents.js';
import { FIRST_PARTY, ManifestBuildError, buildManifests, operationId, serialiseManifest } from '../../scripts/persisted.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PERSISTED = join(ROOT, 'schema/persisted');

const PARTNERS = parsePartners({
  'budget-app': { scopes: ['accounts:basic', 'balances:read'], rateLimit: { capacity: 10, refillPerSecond: 1 } },
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'bankgraph-operations-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A fixture operations folder: `files` maps relative paths to their text. */
async function fixture(name: string, files: Record<string, string>): Promise<string> {
  const root = join(dir, name);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

function problemsOf(build: () => unknown): string[] {
  try {
    build();
  } catch (err) {
    if (err instanceof ManifestBuildError) return [...err.problems];
    throw err;
  }
  throw new Error('expected the manifest build to fail');
}

const BALANCES = 'query Balances($id: ID!) {\n  account(id: $id) {\n    id\n    balance {\n      amount\n      currency\n    }\n  }\n}\n';

describe('persisted-operation manifests', () => {
  it('are committed and not stale: npm run persisted writes exactly these files', () => {
    const manifests = buildManifests();
    expect(readdirSync(PERSISTED).filter((f) => f.endsWith('.json')).sort()).toEqual(
      Object.keys(manifests).map((n) => `${n}.json`).sort(),
    );
    for (const [name, manifest] of Object.entries(manifests)) {
      const path = join(PERSISTED, `${name}.json`);
      expect(existsSync(path) ? readFileSync(path, 'utf8') : '', `schema/persisted/${name}.json is stale: run npm run persisted`).toBe(
        serialiseManifest(manifest),
      );
    }
  });

  it('key each document by its sha256, and append the shared fragments a document uses', () => {
    const manifests = buildManifests();
    for (const manifest of Object.values(manifests)) {
      for (const [id, document] of Object.entries(manifest)) expect(id).toBe(operationId(document));
    }
    const journey = Object.values(manifests[FIRST_PARTY] ?? {}).find((d) => d.includes('query Journey('));
    expect(journey).toMatch(/\.\.\.JourneyFields[\s\S]*fragment JourneyFields on Journey/);
    expect(Object.keys(manifests).sort()).toEqual(['budget-app', FIRST_PARTY, 'payroll-app']);
  });

  it('builds a partner operation within its scopes', async () => {
    const operationsDir = await fixture('ok', { 'budget-app/Balances.graphql': BALANCES });
    expect(buildManifests({ operationsDir, partners: PARTNERS })['budget-app']).toEqual({ [operationId(BALANCES)]: BALANCES });
  });

  it('fails, naming operation and field, when a partner operation reaches beyond its scopes', async () => {
    const operationsDir = await fixture('beyond-scopes', {
      'budget-app/Balances.graphql': BALANCES,
      'budget-app/Statement.graphql': 'query Statement($id: ID!) {\n  account(id: $id) {\n    number\n    openedOn\n  }\n}\n',
      'budget-app/Everything.graphql': 'query Everything {\n  customers(ids: ["cust-0001"]) {\n    id\n  }\n}\n',
    });
    expect(problemsOf(() => buildManifests({ operationsDir, partners: PARTNERS }))).toEqual([
      'budget-app/Everything: field Query.customers declares no @scopes, so no partner may reach it',
      'budget-app/Statement: field Account.number requires accounts:detail, but budget-app is granted only accounts:basic balances:read',
      'budget-app/Statement: field Account.openedOn requires accounts:detail, but budget-app is granted only accounts:basic balances:read',
    ]);
  });

  it('fails when an operation no longer validates against the supergraph', async () => {
    const operationsDir = await fixture('stale-operation', {
      'budget-app/Gone.graphql': 'query Gone($id: ID!) {\n  account(id: $id) {\n    iban\n  }\n}\n',
      'Mine.graphql': 'query Mine {\n  me {\n    nickname\n  }\n}\n',
    });
    expect(problemsOf(() => buildManifests({ operationsDir, partners: PARTNERS }))).toEqual([
      'first-party/Mine: no longer validates against schema/supergraph.graphql: Cannot query field "nickname" on type "Customer".',
      'budget-app/Gone: no longer validates against schema/supergraph.graphql: Cannot query field "iban" on type "Account".',
    ]);
  });

  it('npm run persisted exits 1 with the problems and writes nothing when a check fails', async () => {
    const operationsDir = await fixture('script', { 'budget-app/Gone.graphql': 'query Gone {\n  account(id: "acc-5001") {\n    iban\n  }\n}\n' });
    const out = join(dir, 'script-out');
    const result = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/persisted.ts', '--operations', operationsDir, '--out', out], {
      cwd: ROOT,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/budget-app\/Gone: no longer validates[^\n]*"iban"/);
    expect(existsSync(out)).toBe(false);
  });
});
