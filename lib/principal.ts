/**
 * Who is asking. Built by the gateway from a verified bearer token, carried to subgraphs in the signed context,
 * and the only input of every permission rule.
 */
export type StaffRole = 'support' | 'operations';

export type ConsentKind = 'account-access' | 'payment';

/** The one payment a payment consent authorises: amounts as decimal strings in major units, as at the edge. */
export interface ConsentPayment {
  /** Exact decimal string in major units, e.g. "12.50". */
  readonly amount: string;
  /** ISO 4217. */
  readonly currency: string;
  readonly creditorName: string;
  /** An IBAN, or one of our account ids. */
  readonly creditorAccount: string;
  readonly reference: string | null;
  /** The account the partner asked to pay from (OB DebtorAccount), when it named one. */
  readonly sourceAccountId: string | null;
}

/**
 * A consent as it travels in a principal (lib/consents.ts principalConsentOf): the gateway puts one in only while it
 * is Authorised and unexpired. The fields after `expiresAt` came with issue 13; a principal built before (the token
 * script's sandbox tokens, older tests) may lack them: an absent `kind` is an account-access consent, absent
 * `permissions` leave the token's scopes to decide, absent window and payment are none.
 */
export interface Consent {
  readonly id: string;
  readonly customerId: string;
  readonly accountIds: readonly string[];
  /** ISO 8601 date-time; null: the consent does not expire. */
  readonly expiresAt: string | null;
  readonly kind?: ConsentKind;
  /** The scopes the customer agreed to (lib/scopes.ts names). */
  readonly permissions?: readonly string[];
  /** ISO 8601: the partner sees transactions booked from then on (null: no lower bound). */
  readonly transactionFrom?: string | null;
  /** ISO 8601: ... and up to then (null: no upper bound). */
  readonly transactionTo?: string | null;
  /** A payment consent's one payment; null for account access. */
  readonly payment?: ConsentPayment | null;
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
 * The partner's consent when it is live: present (the gateway resolves a revoked consent into null) and not expired
 * (a null expiresAt never expires).
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
