import { describePrincipal, type Principal } from '../../lib/principal.js';
import type { JourneyRecord } from './engine/types.js';

/**
 * Who may see a journey: the customer it concerns, the principal who started it (a staff member onboarding a
 * customer), and operations staff. Nobody else, not even support staff.
 */
export function canSeeJourney(principal: Principal, journey: JourneyRecord): boolean {
  if (principal.kind === 'staff' && principal.role === 'operations') return true;
  if (principal.kind === 'customer' && journey.customerId === principal.customerId) return true;
  // A partner sees what it started for the customer whose consent it acts under now: not another customer's journey.
  if (principal.kind === 'partner') {
    return (
      journey.principal.kind === 'partner' &&
      journey.principal.clientId === principal.clientId &&
      principal.consent !== null &&
      journey.customerId === principal.consent.customerId
    );
  }
  return describePrincipal(principal) === describePrincipal(journey.principal);
}
