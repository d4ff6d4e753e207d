import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Supergraph } from '@apollo/federation-internals';
import {
  Kind,
  TypeInfo,
  parse,
  validate,
  visit,
  visitWithTypeInfo,
  type DefinitionNode,
  type DirectiveNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
} from 'graphql';
import { loadPartners, type PartnerRegistry } from '../lib/consents.js';

/**
 * Persisted-operation manifests: `npm run persisted` (also part of `npm run build`) turns the operations under
 * schema/operations/ into schema/persisted/<manifest>.json = { sha256(document): document }:
 *   schema/operations/*.graphql            -> first-party.json (the bank's own apps)
 *   schema/operations/<partner>/*.graphql  -> <partner>.json   (each partner of schema/partners.json)
 * Fragments defined in schema/operations/*.graphql (or in the partner's folder) are appended to the documents that
 * use them, so each manifest document stands alone.
 *
 * The build fails, naming the operation and the field, when an operation no longer validates against the
 * supergraph, or when a partner operation touches a field whose `@scopes(requires: [...])` the partner was not
 * granted. A field without @scopes is not reachable by partners at all: new fields are closed until someone says
 * which scope opens them. The gateway checks again at run time (only manifest ids, only the caller's manifest), and
 * the subgraphs check scopes and consent on every field.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export const FIRST_PARTY = 'first-party';

export interface BuildOptions {
  /** @default schema/operations */
  operationsDir?: string;
  /** @default the contents of schema/supergraph.graphql */
  supergraphSdl?: string;
  /** @default schema/partners.json */
  partners?: PartnerRegistry;
}

/** Manifest name (first-party or a partner's client id) -> { sha256 hex of the document: document }. */
export type Manifests = Record<string, Record<string, string>>;

export class ManifestBuildError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`persisted operations: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.name = 'ManifestBuildError';
  }
}

/** Builds every manifest in memory; throws ManifestBuildError listing every problem found. */
export function buildManifests(options: BuildOptions = {}): Manifests {
  const dir = options.operationsDir ?? join(ROOT, 'schema/operations');
  const sdl = options.supergraphSdl ?? readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8');
  const partners = options.partners ?? loadPartners();
  const schema = Supergraph.build(sdl).apiSchema().toGraphQLJSSchema();
  const scopes = scopesOfFields(parse(sdl));
  const problems: string[] = [];

  const shared = readOperations(dir);
  const manifests: Manifests = {
    [FIRST_PARTY]: manifestOf(FIRST_PARTY, shared, shared.fragments, schema, problems),
  };
  for (const entry of readdirSync(dir).sort()) {
    if (!statSync(join(dir, entry)).isDirectory()) continue;
    const partner = partners.get(entry);
    if (!partner) {
      problems.push(`schema/operations/${entry}/ is not a partner of schema/partners.json`);
      continue;
    }
    const own = readOperations(join(dir, entry));
    const fragments = new Map([...shared.fragments, ...own.fragments]);
    const granted = new Set<string>(partner.scopes);
    manifests[entry] = manifestOf(entry, own, fragments, schema, problems, (name, doc) =>
      fieldsOf(schema, scopes, doc)
        .filter((f) => f.requires === null || !f.requires.every((s) => granted.has(s)))
        .map((f) =>
          f.requires === null
            ? `${entry}/${name}: field ${f.field} declares no @scopes, so no partner may reach it`
            : `${entry}/${name}: field ${f.field} requires ${f.requires.join(' + ')}, but ${entry} is granted only ${partner.scopes.join(' ') || 'nothing'}`,
        ),
    );
  }
  if (problems.length > 0) throw new ManifestBuildError(problems);
  return manifests;
}

/** Writes each manifest to `<outDir>/<name>.json`. */
export function writeManifests(manifests: Manifests, outDir = join(ROOT, 'schema/persisted')): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(manifests).map(([name, manifest]) => {
    const path = join(outDir, `${name}.json`);
    writeFileSync(path, serialiseManifest(manifest));
    return path;
  });
}

export function serialiseManifest(manifest: Record<string, string>): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export function operationId(document: string): string {
  return createHash('sha256').update(document).digest('hex');
}

// -- private ------------------------------------------------------------------------------------------------------

interface OperationFile {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly doc: DocumentNode;
}

interface OperationSet {
  readonly operations: OperationFile[];
  /** Fragment name -> its source text. */
  readonly fragments: Map<string, { text: string; node: FragmentDefinitionNode }>;
}

function readOperations(dir: string): OperationSet {
  const operations: OperationFile[] = [];
  const fragments = new Map<string, { text: string; node: FragmentDefinitionNode }>();
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.graphql')).sort() : [];
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    const doc = parse(text);
    const ops = doc.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
    for (const d of doc.definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION && d.loc) fragments.set(d.name.value, { text: text.slice(d.loc.start, d.loc.end), node: d });
    }
    if (ops.length === 0) continue; // a fragment library
    const name = ops.length === 1 && ops[0]?.kind === Kind.OPERATION_DEFINITION ? ops[0].name?.value : undefined;
    if (!name) throw new ManifestBuildError([`${join(dir, file)}: expected exactly one named operation`]);
    operations.push({ name, file, text, doc });
  }
  return { operations, fragments };
}

function manifestOf(
  manifestName: string,
  set: OperationSet,
  fragments: OperationSet['fragments'],
  schema: GraphQLSchema,
  problems: string[],
  check?: (name: string, doc: DocumentNode) => string[],
): Record<string, string> {
  const manifest: Record<string, string> = {};
  for (const op of set.operations) {
    const document = withFragments(op, fragments);
    const doc = parse(document);
    const errors = validate(schema, doc);
    if (errors.length > 0) {
      problems.push(
        ...errors.map((e) => `${manifestName}/${op.name}: no longer validates against schema/supergraph.graphql: ${e.message}`),
      );
      continue;
    }
    const scoped = check?.(op.name, doc) ?? [];
    if (scoped.length > 0) {
      problems.push(...scoped);
      continue;
    }
    manifest[operationId(document)] = document;
  }
  return manifest;
}

/** The operation's own text, then every fragment it uses (transitively) that it does not define itself. */
function withFragments(op: OperationFile, fragments: OperationSet['fragments']): string {
  const defined = new Set(op.doc.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [d.name.value] : [])));
  const needed: string[] = [];
  const visitSpreads = (node: DefinitionNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        if (defined.has(name) || needed.includes(name)) return;
        const fragment = fragments.get(name);
        if (!fragment) return; // validation reports the unknown fragment
        needed.push(name);
        visitSpreads(fragment.node);
      },
    });
  op.doc.definitions.forEach(visitSpreads);
  const appended = needed.map((n) => fragments.get(n)?.text ?? '');
  return [op.text.trimEnd(), ...appended].join('\n\n') + '\n';
}

/** "Type.field" -> the scopes its @scopes(requires:) lists (fields of a type with @scopes inherit the type's). */
function scopesOfFields(supergraph: DocumentNode): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const d of supergraph.definitions) {
    if (
      d.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      d.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      d.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      d.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    const ofType = requiresOf(d.directives);
    for (const f of d.fields ?? []) {
      const own = requiresOf(f.directives) ?? ofType;
      if (own) map.set(`${d.name.value}.${f.name.value}`, own);
    }
  }
  return map;
}

function requiresOf(directives: readonly DirectiveNode[] | undefined): string[] | undefined {
  const directive = directives?.find((d) => d.name.value === 'scopes');
  if (!directive) return undefined;
  const arg = directive.arguments?.find((a) => a.name.value === 'requires');
  if (!arg) return [];
  const value = arg.value;
  if (value.kind === Kind.LIST) return value.values.flatMap((v) => (v.kind === Kind.STRING || v.kind === Kind.ENUM ? [v.value] : []));
  if (value.kind === Kind.STRING || value.kind === Kind.ENUM) return [value.value];
  return [];
}

interface ScopedField {
  /** "Type.field" */
  readonly field: string;
  /** What the field requires; null when it declares no @scopes. */
  readonly requires: string[] | null;
}

/** Every field the operation selects, with what it requires (only __typename is free). */
function fieldsOf(schema: GraphQLSchema, scopes: Map<string, string[]>, doc: DocumentNode): ScopedField[] {
  const typeInfo = new TypeInfo(schema);
  const found = new Map<string, ScopedField>();
  visit(
    doc,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || node.name.value === '__typename') return;
        const field = `${parent.name}.${node.name.value}`;
        found.set(field, { field, requires: scopes.get(field) ?? null });
      },
    }),
  );
  return [...found.values()];
}

// -- the script -----------------------------------------------------------------------------------------------------

/**
 * Runs the script; returns the exit code (1 when any operation fails its checks: nothing is written then).
 * `--operations <dir> --out <dir> --partners <file> --supergraph <file>` replace the defaults (tests use fixtures).
 */
export function main(
  argv: string[] = [],
  out = (l: string) => process.stdout.write(`${l}\n`),
  err = (l: string) => process.stderr.write(`${l}\n`),
): number {
  try {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: { operations: { type: 'string' }, out: { type: 'string' }, partners: { type: 'string' }, supergraph: { type: 'string' } },
    });
    const manifests = buildManifests({
      ...(values.operations ? { operationsDir: values.operations } : {}),
      ...(values.supergraph ? { supergraphSdl: readFileSync(values.supergraph, 'utf8') } : {}),
      ...(values.partners ? { partners: loadPartners(values.partners) } : {}),
    });
    for (const path of writeManifests(manifests, values.out)) out(`persisted: wrote ${path.startsWith(ROOT) ? path.slice(ROOT.length) : path}`);
    return 0;
  } catch (e) {
    err(e instanceof ManifestBuildError ? e.message : `persisted: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
