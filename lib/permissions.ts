import { allow, deny, rule, shield } from 'graphql-shield';
import type { IRules } from 'graphql-shield';
import type { IMiddlewareGenerator } from 'graphql-middleware';
import { BankError, ErrorCode, forbidden } from './errors.js';
import { canReadCustomer, type Principal } from './principal.js';

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

/** Federation's own entry points: the signed context was already verified before execution started. */
export const FEDERATION_RULES = {
  Query: { _service: allow, _entities: allow },
  _Service: allow,
} as const;

export function bankShield(rules: IRules): IMiddlewareGenerator<unknown, unknown, unknown> {
  return shield(rules, {
    fallbackRule: deny,
    // Our typed errors (UPSTREAM_UNAVAILABLE...) thrown by resolvers pass through; shield must not mask them.
    allowExternalErrors: true,
    fallbackError: () => new BankError(ErrorCode.FORBIDDEN, 'You are not allowed to see this.'),
  }) as IMiddlewareGenerator<unknown, unknown, unknown>;
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
