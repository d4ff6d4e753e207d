import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import { middleware, type IMiddlewareGenerator } from 'graphql-middleware';
import { BankError, ErrorCode, forbidden } from './errors.js';
import { canReadAccount, canReadCustomer, type Principal } from './principal.js';
import { withScopeRules } from './scope-rules.js';

/**
 * Building blocks of every subgraph's `permissions.ts` (graphql-shield). Deny by default: a field without a rule is
 * FORBIDDEN. A denial is an error on that one field, never the whole answer; fields that can be denied are nullable.
 */

/** The part of every subgraph context that permission rules read. */
export interface PrincipalContext {
  readonly principal: Principal;
  readonly requestId: string;
}

// Rules read `parent`, so their results cannot be cached per request ('contextual') unless they ignore it.

/** A signed-in customer (any). */
export const isCustomer = rule({ cache: 'contextual' })(
  (_parent, _args, ctx: PrincipalContext) => ctx.principal.kind === 'customer' || forbidden('Only customers can ask for this.'),
);

/** Bank staff, any role. */
export const isStaff = rule({ cache: 'contextual' })(
  (_parent, _args, ctx: PrincipalContext) => ctx.principal.kind === 'staff' || forbidden('Only bank staff can ask for this.'),
);

/** The parent is a Customer (`{ id }`) the principal may read: their own, or any for staff. */
export const canReadThisCustomer = rule({ cache: 'no_cache' })(
  (parent: { id?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.id === 'string' && canReadCustomer(ctx.principal, parent.id)) || forbidden(),
);

/** The parent carries a `customerId` (Account, Card) the principal may read. */
export const canReadOwnedObject = rule({ cache: 'no_cache' })(
  (parent: { customerId?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.customerId === 'string' && canReadCustomer(ctx.principal, parent.customerId)) || forbidden(),
);

/** The parent is an Account (`{ id, customerId }`) the principal may read: partners only the consented accounts. */
export const canReadThisAccount = rule({ cache: 'no_cache' })(
  (parent: { id?: string; customerId?: string }, _args, ctx: PrincipalContext) =>
    (typeof parent?.id === 'string' &&
      typeof parent.customerId === 'string' &&
      canReadAccount(ctx.principal, { id: parent.id, customerId: parent.customerId })) ||
    forbidden(),
);

/** Staff (any customer), or a partner asking for the customer of its live consent (the `id` argument). */
export const isStaffOrPartnerOfCustomerInArgs = rule({ cache: 'no_cache' })((_parent, args: { id?: string }, ctx: PrincipalContext) => {
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

/**
 * A subgraph's permissions: its rule tree, deny by default, with partner access derived from the schema it is applied
 * to. When the subgraph is built, every field's `@scopes(requires: [...])` becomes a gate in front of the field's rule
 * (lib/scope-rules.ts): a partner needs the scopes and a live consent, and a field without `@scopes` is closed to
 * partners. Customers and staff meet the rule tree alone.
 */
export function bankShield(rules: IRules): IMiddlewareGenerator<unknown, unknown, unknown> {
  return middleware((schema) =>
    shield(withScopeRules(rules, schema, deny), {
      fallbackRule: deny,
      // Our typed errors (UPSTREAM_UNAVAILABLE...) thrown by resolvers pass through; shield must not mask them.
      allowExternalErrors: true,
      fallbackError: () => new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to see this.'),
    }).generate(schema),
  ) as IMiddlewareGenerator<unknown, unknown, unknown>;
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

export { allow, deny };
