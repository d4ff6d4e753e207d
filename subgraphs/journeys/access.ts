import { describePrincipal, type Principal } from '../../lib/principal.js';
import type { JourneyRecord } from './engine/types.js';

/**
 * Who may see a journey: the customer it concerns, the principal who started it (a staff member onboarding a
 * customer), and operations staff. Nobody else, not even support staff.
 */
export function canSeeJourney(principal: Principal, journey: JourneyRecord): boolean {
  if (principal.kind === 'staff' && principal.role === 'operations') return true;
  if (principal.kind === 'customer' && journey.customerId === principal.customerId) return true;
  return describePrincipal(principal) === describePrincipal(journey.principal);
}
