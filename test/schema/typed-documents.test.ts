import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { createContext, generate } from '@graphql-codegen/cli';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardDocument, type DashboardQuery } from '../../schema/__generated__/operations.js';
import { startStack, type Stack } from '../support/stack.js';

const GENERATED = 'schema/__generated__/operations.ts';
const OPERATIONS_DIR = fileURLToPath(new URL('../../schema/operations/', import.meta.url));

describe('typed documents (schema/__generated__/operations.ts)', () => {
  it('are what codegen.yml generates now from schema/operations/** (else: npm run codegen)', async () => {
    const context = await createContext({ config: 'codegen.yml' } as Parameters<typeof createContext>[0]);
    const outputs: { filename: string; content: string }[] = await generate(context, false);
    const typed = outputs.find((o) => relative(process.cwd(), o.filename) === GENERATED);
    expect(typed, `codegen.yml has no ${GENERATED} target`).toBeDefined();
    expect(readFileSync(GENERATED, 'utf8'), `${GENERATED} is stale: run npm run codegen`).toBe(typed?.content);
  }, 60_000);

  it('has a typed document for every committed operation, partners\' included', () => {
    const generated = readFileSync(GENERATED, 'utf8');
    const names = graphqlFiles(OPERATIONS_DIR).flatMap((file) =>
      parse(readFileSync(file, 'utf8')).definitions.flatMap((d) =>
        d.kind === 'OperationDefinition' && d.name ? [d.name.value] : [],
      ),
    );
    expect(names).toContain('Dashboard');
    for (const name of names) expect(generated, `no ${name}Document`).toContain(`export const ${name}Document =`);
  });
});

describe('a client using the typed Dashboard document', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  it('gets results whose shape the compiler knows', async () => {
    const token = await stack.customerToken('cust-0001');
    const { data, errors } = await execute(stack.gatewayUrl, DashboardDocument, { currency: 'EUR', transactions: 3 }, token);
    expect(errors).toBeUndefined();
    // Every access below is type-checked by `npm run typecheck` against the generated DashboardQuery.
    const me: DashboardQuery['me'] = data?.me ?? null;
    const name: string | undefined = me?.profile?.displayName;
    expect(name).toBe('Amelia Hartmann');
    const eur = me?.accounts?.find((a) => a.currency === 'EUR');
    const transactions: number | undefined = eur?.transactions?.nodes.length;
    expect(transactions).toBe(3);
    // @ts-expect-error: the Dashboard does not select a password, and the compiler says so.
    expect(me?.profile?.password).toBeUndefined();
    // @ts-expect-error: nor a variable that does not exist.
    await execute(stack.gatewayUrl, DashboardDocument, { currency: 'EUR', limit: 3 }, token);
  });
});

/** A minimal typed GraphQL client: the document's types decide the variables and the result. */
async function execute<Result, Variables>(
  url: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: NoInfer<Variables>,
  token: string,
): Promise<{ data?: Result | null; errors?: { message: string }[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return (await res.json()) as { data?: Result | null; errors?: { message: string }[] };
}

function graphqlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? graphqlFiles(join(dir, e.name)) : e.name.endsWith('.graphql') ? [join(dir, e.name)] : [],
  );
}
