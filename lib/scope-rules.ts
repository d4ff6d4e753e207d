import { isObjectType, valueFromASTUntyped, type GraphQLSchema } from 'graphql';
import { chain, rule } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { forbidden } from './errors.js';
import { liveConsent, type Principal } from './principal.js';
import { isScope } from './scopes.js';

/**
 * Partner access derived from the schema: each subgraph's fields declare what a partner needs with
 * `@scopes(requires: [...])`, and these rules are built from those declarations when the subgraph is built, so the
 * schema is the one place that says what partners may see.
 *
 * For a partner, a field is allowed only when
 *  - it carries `@scopes` (a field without it is closed to partners: deny by default),
 *  - the partner holds every scope it requires,
 *  - the partner's consent is live (present: the gateway turns a revoked one into null; and not expired),
 *  - and the field's own rule in permissions.ts allows it: those rules check that the object belongs to the consented
 *    customer and accounts (lib/principal.ts canReadCustomer, canReadAccount).
 * For customers and staff only the field's own rule applies, exactly as before.
 */

/** A graphql-shield rule or logic rule (the package does not export the type). */
export type ShieldRule = Parameters<typeof chain>[number];

/** The directive's name in the subgraph schemas (`@scopes`). */
export const SCOPES_DIRECTIVE = 'scopes';

/** "Type.field" -> the scopes a partner needs for it; fields without `@scopes` are absent. */
export type ScopeMap = ReadonlyMap<string, readonly string[]>;

/**
 * Federation's own entry points stay as permissions.ts has them: `_entities` only hands representations to the
 * entity's fields, which check themselves.
 */
const FEDERATION_FIELDS = new Set(['Query._entities', 'Query._service', '_Service.sdl']);

/** Reads every `@scopes(requires: [...])` on the object types' fields; an unknown scope name fails the build. */
export function scopeMapOf(schema: GraphQLSchema): ScopeMap {
  const map = new Map<string, readonly string[]>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const directive = field.astNode?.directives?.find((d) => d.name.value === SCOPES_DIRECTIVE);
      if (!directive) continue;
      const arg = directive.arguments?.find((a) => a.name.value === 'requires');
      const requires: unknown = arg ? valueFromASTUntyped(arg.value) : undefined;
      const where = `${type.name}.${field.name}`;
      if (!Array.isArray(requires) || !requires.every((s): s is string => typeof s === 'string')) {
        throw new Error(`@scopes on ${where}: expected requires: [String!]!, got ${JSON.stringify(requires)}`);
      }
      const unknown = requires.filter((s) => !isScope(s));
      if (unknown.length > 0) throw new Error(`@scopes on ${where}: unknown scope ${unknown.join(', ')} (see lib/scopes.ts)`);
      map.set(where, [...requires].sort());
    }
  }
  return map;
}

/**
 * The rule tree of permissions.ts with the partner gate in front of every field of the schema:
 * `chain(gate(@scopes of the field), the field's own rule)`. `fallback` is the rule of fields the tree leaves out.
 */
export function withScopeRules(rules: IRules, schema: GraphQLSchema, fallback: ShieldRule, scopes: ScopeMap = scopeMapOf(schema)): IRules {
  const tree: Record<string, Record<string, ShieldRule>> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const fields: Record<string, ShieldRule> = {};
    for (const name of Object.keys(type.getFields())) {
      const where = `${type.name}.${name}`;
      const own = ownRule(rules, type.name, name, fallback);
      fields[name] = FEDERATION_FIELDS.has(where) ? own : chain(partnerGate(scopes.get(where)), own);
    }
    tree[type.name] = fields;
  }
  return tree;
}

/** Why a partner may not have a field, or null when the scopes and consent let it through. */
export function partnerDenial(principal: Principal, requires: readonly string[] | undefined, now: number = Date.now()): string | null {
  if (principal.kind !== 'partner') return null;
  if (!requires) return 'This field is not open to partners.';
  if (!liveConsent(principal, now)) return 'There is no live consent: it is missing, expired or revoked.';
  const missing = requires.filter((s) => !principal.scopes.includes(s));
  if (missing.length > 0) return `This field needs the partner scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')}.`;
  return null;
}

// One gate per distinct scope set: shield refuses two different rules under one name, and a gate reads only the
// principal, so its answer is cached per request ('contextual').
const gates = new Map<string, ShieldRule>();

function partnerGate(requires: readonly string[] | undefined): ShieldRule {
  const key = requires ? `scopes(${requires.join(',')})` : 'scopes(closed)';
  let gate = gates.get(key);
  if (!gate) {
    gate = rule(key, { cache: 'contextual' })((_parent, _args, ctx: { principal: Principal }) => {
      const denial = partnerDenial(ctx.principal, requires);
      return denial === null || forbidden(denial);
    });
    gates.set(key, gate);
  }
  return gate;
}

function isRule(x: unknown): x is ShieldRule {
  return typeof (x as { resolve?: unknown }).resolve === 'function';
}

/** The rule permissions.ts gives a field: a whole-tree rule, a type rule, the field's, the type's '*', or the fallback. */
function ownRule(rules: IRules, type: string, field: string, fallback: ShieldRule): ShieldRule {
  if (isRule(rules)) return rules;
  const forType = rules[type];
  if (!forType) return fallback;
  if (isRule(forType)) return forType;
  return forType[field] ?? forType['*'] ?? fallback;
}
