/**
 * `npm run schema:check`: may the subgraphs' schemas, as they are now, replace the released contract?
 * Composes subgraphs/<name>/schema.graphql (schema/compose.ts), compares the clients' view of it (the API schema of
 * the supergraph) with schema/released/supergraph.graphql using @graphql-inspector/core, prints every breaking,
 * dangerous and safe change, and exits 1 when
 *   - a breaking change touches something a committed operation uses (schema/operations/**, first-party and
 *     partners', and the persisted manifests in schema/persisted/), or an operation no longer validates; or
 *   - a field or enum value is removed without first being marked @deprecated(reason: "...") in the release.
 * Other breaking changes (to something no known operation uses) are printed and allowed.
 * `npm run schema:release` (scripts/schema-release.ts) makes the current supergraph the released one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Supergraph } from '@apollo/federation-internals';
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  parse,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { composeSupergraph } from '../schema/compose.js';

export const RELEASED_PATH = fileURLToPath(new URL('../schema/released/supergraph.graphql', import.meta.url));
export const OPERATIONS_DIR = fileURLToPath(new URL('../schema/operations/', import.meta.url));
export const PERSISTED_DIR = fileURLToPath(new URL('../schema/persisted/', import.meta.url));

/** One document a client sends: `source` says where it is committed (file, or manifest and hash). */
export interface KnownOperation {
  source: string;
  document: string;
}

export interface SchemaCheckReport {
  breaking: Change[];
  dangerous: Change[];
  safe: Change[];
  /** Why the check fails; empty when the new schema may be released. */
  violations: string[];
}

/** Compares two supergraph SDLs as clients see them (API schemas) against the operations clients send. */
export async function checkSchema(input: {
  released: string;
  proposed: string;
  operations: readonly KnownOperation[];
}): Promise<SchemaCheckReport> {
  const released = apiSchemaOf(input.released);
  const proposed = apiSchemaOf(input.proposed);
  const changes = await diff(released, proposed);
  const of = (level: CriticalityLevel) => changes.filter((c) => c.criticality.level === level);
  const breaking = of(CriticalityLevel.Breaking);
  const violations: string[] = [];

  // Fragments are committed in their own files: every operation is checked together with all of them.
  const documents = input.operations.map((op) => ({ ...op, ast: parse(op.document) }));
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of documents.flatMap((doc) => doc.ast.definitions)) {
    if (d.kind === 'FragmentDefinition' && !fragments.has(d.name.value)) fragments.set(d.name.value, d);
  }
  const usage = new Map<string, Set<string>>(); // schema coordinate -> operations using it
  for (const op of documents) {
    if (!op.ast.definitions.some((d) => d.kind === 'OperationDefinition')) continue;
    const full = withSpreadFragments(op.ast, fragments);
    const name = operationName(op.ast) ?? op.source;
    for (const coordinate of coordinatesUsed(released, full)) {
      (usage.get(coordinate) ?? usage.set(coordinate, new Set()).get(coordinate)!).add(name);
    }
    // Validation against the new schema catches what a diff path alone cannot name (a new required argument...).
    const errors = validate(proposed, full);
    for (const error of errors) violations.push(`${name} (${op.source}) no longer validates: ${error.message}`);
  }

  for (const change of breaking) {
    const users = usersOf(change, usage);
    if (users.size) violations.push(`breaking change used by ${[...users].sort().join(', ')}: ${change.message}`);
  }
  for (const change of changes) {
    const removed = removedMember(change);
    if (!removed) continue;
    const reason = deprecationReasonOf(released, removed);
    if (!reason) {
      violations.push(`${change.message}: ${removed} was not first marked @deprecated(reason: "...") in the release`);
    }
  }
  return { breaking, dangerous: of(CriticalityLevel.Dangerous), safe: of(CriticalityLevel.NonBreaking), violations: [...new Set(violations)] };
}

/** The schema clients see: the supergraph without federation's join__/link__ machinery and @inaccessible parts. */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** Every committed operation and fragment: schema/operations/** and the documents of schema/persisted/*.json. */
export function knownOperations(operationsDir = OPERATIONS_DIR, persistedDir = PERSISTED_DIR): KnownOperation[] {
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.graphql') ? [join(dir, e.name)] : [],
    );
  const committed = files(operationsDir).map((file) => ({ source: file, document: readFileSync(file, 'utf8') }));
  const persisted = existsSync(persistedDir)
    ? readdirSync(persistedDir)
        .filter((f) => f.endsWith('.json'))
        .flatMap((f) => {
          const manifest = JSON.parse(readFileSync(join(persistedDir, f), 'utf8')) as Record<string, unknown>;
          return Object.entries(manifest).flatMap(([hash, document]) =>
            typeof document === 'string' ? [{ source: `${join(persistedDir, f)}#${hash}`, document }] : [],
          );
        })
    : [];
  return [...committed, ...persisted];
}

/** The document plus the committed fragments it spreads (transitively) and does not define itself. */
function withSpreadFragments(document: DocumentNode, fragments: Map<string, FragmentDefinitionNode>): DocumentNode {
  const defined = new Set(document.definitions.flatMap((d) => (d.kind === 'FragmentDefinition' ? [d.name.value] : [])));
  const added: FragmentDefinitionNode[] = [];
  const addSpreads = (node: ASTNode) =>
    visit(node, {
      FragmentSpread(spread) {
        const name = spread.name.value;
        const fragment = fragments.get(name);
        if (defined.has(name) || !fragment) return;
        defined.add(name);
        added.push(fragment);
        addSpreads(fragment);
      },
    });
  addSpreads(document);
  return { ...document, definitions: [...document.definitions, ...added] };
}

/** Type, Type.field, Type.field.argument, and the fields and values of every input and enum type reached. */
function coordinatesUsed(schema: GraphQLSchema, document: DocumentNode): Set<string> {
  const used = new Set<string>();
  const addType = (type: GraphQLNamedType | undefined) => {
    if (!type || used.has(type.name)) return;
    used.add(type.name);
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        used.add(`${type.name}.${field.name}`);
        addType(getNamedType(field.type));
      }
    }
    if (isEnumType(type)) for (const value of type.getValues()) used.add(`${type.name}.${value.name}`);
  };
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (!parent || !field) return;
        used.add(parent.name);
        used.add(`${parent.name}.${field.name}`);
        addType(getNamedType(field.type));
        for (const arg of field.args) addType(getNamedType(arg.type));
      },
      Argument() {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const arg = typeInfo.getArgument();
        if (parent && field && arg) used.add(`${parent.name}.${field.name}.${arg.name}`);
      },
      VariableDefinition() {
        addType(getNamedType(typeInfo.getInputType() ?? undefined) ?? undefined);
      },
      InlineFragment() {
        addType(getNamedType(typeInfo.getType() ?? undefined) ?? undefined);
      },
      FragmentDefinition() {
        addType(getNamedType(typeInfo.getType() ?? undefined) ?? undefined);
      },
    }),
  );
  return used;
}

/**
 * Operations using what a change is about: its own coordinate; the field, for a change to one of its arguments
 * (a new required argument breaks every use of the field); the input type, for a field added to it.
 */
function usersOf(change: Change, usage: Map<string, Set<string>>): Set<string> {
  const segments = change.path?.split('.') ?? [];
  const coordinates = [segments.join('.')];
  if (segments.length === 3) coordinates.push(segments.slice(0, 2).join('.'));
  if (change.type === 'INPUT_FIELD_ADDED' && segments[0]) coordinates.push(segments[0]);
  return new Set(coordinates.flatMap((c) => [...(usage.get(c) ?? [])]));
}

/** Type.field or Enum.VALUE when the change removes one. */
function removedMember(change: Change): string | undefined {
  if (change.type !== 'FIELD_REMOVED' && change.type !== 'ENUM_VALUE_REMOVED') return undefined;
  return change.path;
}

/** The release's deprecation reason of Type.field or Enum.VALUE ("No longer supported", graphql's default, is none). */
function deprecationReasonOf(schema: GraphQLSchema, coordinate: string): string | undefined {
  const [typeName, member] = coordinate.split('.');
  const type = typeName ? schema.getType(typeName) : undefined;
  if (!type || !member) return undefined;
  let reason: string | null | undefined;
  if (isEnumType(type)) reason = type.getValue(member)?.deprecationReason;
  else if ('getFields' in type) {
    const field = type.getFields()[member];
    reason = field && 'deprecationReason' in field ? field.deprecationReason : undefined;
  }
  const trimmed = reason?.trim();
  return trimmed && trimmed !== 'No longer supported' ? trimmed : undefined;
}

function operationName(document: DocumentNode): string | undefined {
  for (const d of document.definitions) if (d.kind === 'OperationDefinition' && d.name) return d.name.value;
  return undefined;
}

export function formatReport(report: SchemaCheckReport): string {
  const section = (title: string, changes: Change[]) =>
    changes.length ? [`${title} (${changes.length}):`, ...changes.map((c) => `  - ${c.message}`)] : [`${title}: none`];
  return [
    ...section('breaking', report.breaking),
    ...section('dangerous', report.dangerous),
    ...section('safe', report.safe),
    ...(report.violations.length
      ? ['', `schema check FAILED (${report.violations.length}):`, ...report.violations.map((v) => `  x ${v}`)]
      : ['', 'schema check passed']),
  ].join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(RELEASED_PATH)) {
    console.error(`${RELEASED_PATH} is missing: run npm run schema:release to record the first release`);
    process.exit(1);
  }
  const { supergraphSdl } = composeSupergraph();
  const report = await checkSchema({
    released: readFileSync(RELEASED_PATH, 'utf8'),
    proposed: supergraphSdl,
    operations: knownOperations(),
  });
  console.log(formatReport(report));
  if (report.violations.length) process.exit(1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
