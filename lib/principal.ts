/**
 * Who is asking. Built by the gateway from a verified bearer token, carried to subgraphs in the signed context,
 * and the only input of every permission rule.
 */
export type StaffRole = 'support' | 'operations';

export interface Consent {
  readonly id: string;
  readonly customerId: string;
  readonly accountIds: readonly string[];
  /** ISO 8601 date-time. */
  readonly expiresAt: string;
}

export type Principal =
  | { readonly kind: 'customer'; readonly customerId: string }
  | { readonly kind: 'staff'; readonly staffId: string; readonly role: StaffRole }
  | {
      readonly kind: 'partner';
      readonly clientId: string;
      readonly scopes: readonly string[];
      readonly consent: Consent | null;
    };

export const STAFF_ROLES: readonly StaffRole[] = ['support', 'operations'];

/** A short, log-safe description: "customer:cust-0001", "staff:support:s-1", "partner:budget-app". */
export function describePrincipal(p: Principal): string {
  switch (p.kind) {
    case 'customer':
      return `customer:${p.customerId}`;
    case 'staff':
      return `staff:${p.role}:${p.staffId}`;
    case 'partner':
      return `partner:${p.clientId}`;
  }
}

/** True when the principal may read this customer's data at all (field rules may narrow it further). */
export function canReadCustomer(p: Principal, customerId: string): boolean {
  switch (p.kind) {
    case 'customer':
      return p.customerId === customerId;
    case 'staff':
      return true;
    case 'partner':
      // Denied until partner access is built whole: persisted operations only, checked against the partner's scopes
      // and against the consent's accounts and expiry. A consent for the customer alone is not enough: it would show
      // a partner every account, card and profile field of the customer, whatever the customer agreed to. The
      // gateway refuses partner tokens on /graphql too; this keeps a subgraph safe should one get through.
      return false;
  }
}
