import { readFileSync } from 'node:fs';

/** The committed operations under schema/operations, read as a client would send them. */
export function operation(name: string): string {
  return readFileSync(new URL(`../../schema/operations/${name}.graphql`, import.meta.url), 'utf8');
}

export const DASHBOARD = operation('Dashboard');

/** A journey operation with the JourneyFields fragment it spreads. */
export function journeyOperation(name: string): string {
  return `${operation(name)}\n${operation('JourneyFields')}`;
}

/** A staff view over many customers: one batch call per legacy system whatever the number of customers. */
export const STAFF_OVERVIEW = /* GraphQL */ `
  query StaffOverview($ids: [ID!]!) {
    customers(ids: $ids) {
      id
      profile { displayName email }
      accounts { id balance { amount currency } }
      cards { id last4 status }
      kyc { status riskLevel }
      wallet { id pockets { amount currency } }
    }
  }
`;

export function customerIds(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `cust-${String(from + i).padStart(4, '0')}`);
}
