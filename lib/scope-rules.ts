import { isObjectType, valueFromASTUntyped, type GraphQLSchema } from 'graphql';
import { forbidden } from './errors.js';
import { liveConsent, type Principal } from './principal.js';
import { and, rule, type Rule } from './rules.js';
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
 * A field's rule with the partner gate in front of it: `and(gate(@scopes of the field), own)`. Federation's own entry
 * points keep their own rule alone.
 */
export function withScopeGate(type: string, field: string, own: Rule, scopes: ScopeMap): Rule {
  const where = `${type}.${field}`;
  return FEDERATION_FIELDS.has(where) ? own : and(partnerGate(scopes.get(where)), own);
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

// One gate per distinct scope set (a gate reads only the principal and the field's scopes).
const gates = new Map<string, Rule>();

function partnerGate(requires: readonly string[] | undefined): Rule {
  const key = requires ? `scopes(${requires.join(',')})` : 'scopes(closed)';
  let gate = gates.get(key);
  if (!gate) {
    gate = rule(key, (_parent, _args, ctx) => {
      const denial = partnerDenial(ctx.principal, requires);
      return denial === null || forbidden(denial);
    });
    gates.set(key, gate);
  }
  return gate;
}
