import { isIntrospectionType, isObjectType, type GraphQLSchema } from 'graphql';
import { BankError, ErrorCode, forbidden } from './errors.js';
import { canReadAccount, canReadCustomer } from './principal.js';
import { allow, deny, guardSchema, rule, type Rule } from './rules.js';
import { scopeMapOf, withScopeGate } from './scope-rules.js';

export { allow, and, deny, not, or, rule, type PrincipalContext, type Rule, type Verdict } from './rules.js';

/**
 * Building blocks of every subgraph's `permissions.ts`, on our own rule type (lib/rules.ts). Deny by default: a field
 * without a rule is FORBIDDEN. A denial is an error on that one field, never the whole answer; fields that can be
 * denied are nullable.
 */

/** A signed-in customer (any). */
export const isCustomer = rule('isCustomer', (_parent, _args, ctx) => ctx.principal.kind === 'customer' || forbidden('Only customers can ask for this.'));

/** Bank staff, any role. */
export const isStaff = rule('isStaff', (_parent, _args, ctx) => ctx.principal.kind === 'staff' || forbidden('Only bank staff can ask for this.'));

/** The parent is a Customer (`{ id }`) the principal may read: their own, or any for staff. */
export const canReadThisCustomer = rule<{ id?: unknown } | null | undefined>(
  'canReadThisCustomer',
  (parent, _args, ctx) => (typeof parent?.id === 'string' && canReadCustomer(ctx.principal, parent.id)) || forbidden(),
);

/** The parent carries a `customerId` (Account, Card) the principal may read. */
export const canReadOwnedObject = rule<{ customerId?: unknown } | null | undefined>(
  'canReadOwnedObject',
  (parent, _args, ctx) => (typeof parent?.customerId === 'string' && canReadCustomer(ctx.principal, parent.customerId)) || forbidden(),
);

/** The parent is an Account (`{ id, customerId }`) the principal may read: partners only the consented accounts. */
export const canReadThisAccount = rule<{ id?: unknown; customerId?: unknown } | null | undefined>(
  'canReadThisAccount',
  (parent, _args, ctx) =>
    (typeof parent?.id === 'string' &&
      typeof parent.customerId === 'string' &&
      canReadAccount(ctx.principal, { id: parent.id, customerId: parent.customerId })) ||
    forbidden(),
);

/** Staff (any customer), or a partner asking for the customer of its live consent (the `id` argument). */
export const isStaffOrPartnerOfCustomerInArgs = rule<unknown, { id?: unknown }>('isStaffOrPartnerOfCustomerInArgs', (_parent, args, ctx) => {
  const p = ctx.principal;
  if (p.kind === 'staff') return true;
  if (p.kind !== 'partner') return forbidden('Only bank staff can ask for this.');
  return (typeof args.id === 'string' && canReadCustomer(p, args.id)) || forbidden('This customer is not within your consent.');
});

/** Federation's own entry points: the signed context was already verified before execution started. */
export const FEDERATION_RULES = {
  Query: { _service: allow, _entities: allow },
  _Service: allow,
} as const;

/** A subgraph's rules: per type, one rule for all its fields, or a rule per field. */
export type RuleTree = Readonly<Record<string, Rule | Readonly<Record<string, Rule>>>>;

/** What a field gets when its rule denies without an error of its own (and every field without a rule). */
export const fallbackError = (): BankError => new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to see this.');

export interface Permissions {
  readonly rules: RuleTree;
  /** The rule permissions.ts gives this field (its own, or its type's), undefined when none: such a field is denied. */
  ruleOf(type: string, field: string): Rule | undefined;
  /** `schema` with every field guarded (lib/rules.ts guardSchema): its rule behind the partner gate, else denied. */
  apply(schema: GraphQLSchema): GraphQLSchema;
}

/**
 * A subgraph's permissions: its rule tree, deny by default, with partner access derived from the schema it is applied
 * to. Every field's `@scopes(requires: [...])` becomes a gate in front of the field's rule (lib/scope-rules.ts): a
 * partner needs the scopes and a live consent, and a field without `@scopes` is closed to partners. Customers and staff
 * meet the rule tree alone. A type or field the tree names that the schema lacks fails the build (a typo would
 * otherwise leave the field it meant denied, or worse, a rule nobody reads).
 */
export function definePermissions(rules: RuleTree): Permissions {
  // Own properties only: a field named "constructor" must not find Object's.
  const ruleOf = (type: string, field: string): Rule | undefined => {
    const forType = Object.hasOwn(rules, type) ? rules[type] : undefined;
    if (!forType) return undefined;
    if (isRule(forType)) return forType;
    return Object.hasOwn(forType, field) ? forType[field] : undefined;
  };
  return {
    rules,
    ruleOf,
    apply(schema) {
      checkTreeAgainst(schema, rules);
      const scopes = scopeMapOf(schema);
      return guardSchema(schema, (type, field) => withScopeGate(type, field, ruleOf(type, field) ?? deny, scopes), fallbackError);
    },
  };
}

function isRule(x: Rule | Readonly<Record<string, Rule>>): x is Rule {
  return typeof (x as Rule).check === 'function' && typeof (x as Rule).name === 'string';
}

function checkTreeAgainst(schema: GraphQLSchema, rules: RuleTree): void {
  const unknown: string[] = [];
  for (const [typeName, forType] of Object.entries(rules)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type) || isIntrospectionType(type)) {
      unknown.push(typeName);
      continue;
    }
    if (isRule(forType)) continue;
    const fields = type.getFields();
    for (const field of Object.keys(forType)) if (!fields[field]) unknown.push(`${typeName}.${field}`);
  }
  if (unknown.length > 0) throw new Error(`permissions name what the schema does not have: ${unknown.join(', ')}`);
}

/**
 * Support staff see customers' contact details masked: enough to confirm who is on the phone, not to copy them.
 * Owners and operations see them whole.
 */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}***@${domain}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `***${digits.slice(-4)}`;
}

