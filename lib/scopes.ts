/**
 * Partner scopes, modelled on open-banking permissions. A partner's token carries the scopes it was granted; a
 * consent binds the partner to one customer and the accounts that customer selected. A field of the graph declares
 * the scopes it needs with the `@scopes(requires: [...])` directive (kept through composition), so the schema itself
 * shows what each field needs; the gateway checks persisted operations against them when the manifest is built, and
 * the subgraphs check them again at run time.
 */
export const SCOPES = {
  /** The accounts the customer consented to: id, product name, currency, status. */
  'accounts:basic': 'List the consented accounts: id, product name, currency and status.',
  /** Account identifiers a third party could pay into or match against. */
  'accounts:detail': 'Account numbers and opening dates of the consented accounts.',
  /** Ledger and available balances. */
  'balances:read': 'Balances of the consented accounts.',
  /** Booked transactions. */
  'transactions:read': 'Transactions of the consented accounts.',
  /** Who the customer is, including contact details and date of birth. */
  'party:read': "The customer's name, contact details and date of birth.",
  /** Start payment journeys from a consented account. */
  'payments:initiate': 'Initiate payments from the consented accounts.',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}
