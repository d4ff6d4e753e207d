import { Kind, parse, type DocumentNode } from 'graphql';

/**
 * Which fields are audited, from the schema itself: a field that reads personal or financial data carries
 * `@audited(category: ...)` in its subgraph's schema, the directive is kept through composition (as `@scopes` is), and
 * the gateway reads the set of audited fields from the supergraph it serves, at start and on every reload
 * (gateway/plugins/audit.ts). A field without the directive is covered when every field that leads to its type is
 * (Money, a profile's names, a transaction's amount): test/schema/audit-coverage.test.ts walks the supergraph and
 * fails on a field that looks personal or financial and is not covered.
 */

/** The directive's name in the subgraph schemas and the supergraph (`@audited`). */
export const AUDITED_DIRECTIVE = 'audited';

/** The values of `enum AuditCategory` in the schemas. */
export const AUDIT_CATEGORIES = ['PERSONAL', 'FINANCIAL', 'KYC'] as const;
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number];

/** "Type.field" -> its category, for every field that carries `@audited`. */
export type AuditedFields = ReadonlyMap<string, AuditCategory>;

/**
 * The `@audited` fields of a schema document (a supergraph or a subgraph schema), by coordinate. A directive without
 * a known category throws: a schema that says a field is audited but not how is a mistake to stop on, not to guess.
 */
export function auditedFieldsOf(schema: string | DocumentNode): AuditedFields {
  const document = typeof schema === 'string' ? parse(schema, { noLocation: true }) : schema;
  const audited = new Map<string, AuditCategory>();
  for (const def of document.definitions) {
    if (
      def.kind !== Kind.OBJECT_TYPE_DEFINITION &&
      def.kind !== Kind.OBJECT_TYPE_EXTENSION &&
      def.kind !== Kind.INTERFACE_TYPE_DEFINITION &&
      def.kind !== Kind.INTERFACE_TYPE_EXTENSION
    ) {
      continue;
    }
    for (const field of def.fields ?? []) {
      const directive = field.directives?.find((d) => d.name.value === AUDITED_DIRECTIVE);
      if (!directive) continue;
      const where = `${def.name.value}.${field.name.value}`;
      const value = directive.arguments?.find((a) => a.name.value === 'category')?.value;
      const category = value?.kind === Kind.ENUM ? value.value : undefined;
      if (!isAuditCategory(category)) {
        throw new Error(`@audited on ${where}: expected category: one of ${AUDIT_CATEGORIES.join(', ')}, got ${category ?? 'none'}`);
      }
      audited.set(where, category);
    }
  }
  return audited;
}

export function isAuditCategory(value: unknown): value is AuditCategory {
  return typeof value === 'string' && (AUDIT_CATEGORIES as readonly string[]).includes(value);
}
