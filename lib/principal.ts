/**
 * Who is asking. Built by the gateway from a verified bearer token, carried to subgraphs in the signed context,
 * and the only input of every permission rule.
 */
export type StaffRole = 'support' | 'operations';

export interface Consent {
  readonly id: string;
  readonly customerId: string;
  readonly accountIds: readonly string[];
  /** ISO 8601 date-time; null: no expiry. */
  readonly expiresAt: string | null;
  // B2 adds these three optional so that it compiles on its own; B1 (lib/consents.ts) makes them required with the rest.
  /** The scopes the customer agreed to (lib/scopes.ts names). */
  readonly permissions?: readonly string[];
  /** OB TransactionFromDateTime / TransactionToDateTime (ISO 8601): the partner sees transactions booked within; null: open. */
  readonly transactionFrom?: string | null;
  readonly transactionTo?: string | null;
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

/**
 * The partner's consent when it is live: present (the gateway resolves a revoked consent into null) and not expired.
 * `now` is for tests.
 */
export function liveConsent(p: Principal, now: number = Date.now()): Consent | null {
  if (p.kind !== 'partner' || !p.consent) return null;
  if (p.consent.expiresAt === null) return p.consent;
  const expiresAt = Date.parse(p.consent.expiresAt);
  return Number.isFinite(expiresAt) && expiresAt > now ? p.consent : null;
}

/**
 * True when the principal may read this customer's data at all (field rules may narrow it further): a customer
 * themselves, any staff, a partner within a live consent the customer gave. What a partner sees of the customer is
 * narrowed further by the scopes each field declares (lib/scope-rules.ts) and by the consent's accounts.
 */
export function canReadCustomer(p: Principal, customerId: string): boolean {
  switch (p.kind) {
    case 'customer':
      return p.customerId === customerId;
    case 'staff':
      return true;
    case 'partner':
      return liveConsent(p)?.customerId === customerId;
  }
}

/**
 * True when the principal may read this account: its owner, any staff, a partner only when the customer consented
 * to this very account (a consent for the customer alone shows none of their other accounts).
 */
export function canReadAccount(p: Principal, account: { readonly id: string; readonly customerId: string }): boolean {
  if (!canReadCustomer(p, account.customerId)) return false;
  return p.kind !== 'partner' || (liveConsent(p)?.accountIds.includes(account.id) ?? false);
}
