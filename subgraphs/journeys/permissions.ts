import { or, rule } from 'graphql-shield';
import { forbidden } from '../../lib/errors.js';
import {
  FEDERATION_RULES,
  allow,
  bankShield,
  canReadThisCustomer,
  isCustomer,
  isStaff,
  type PrincipalContext,
} from '../../lib/permissions.js';
import { liveConsent } from '../../lib/principal.js';
import { canSeeJourney } from './access.js';
import type { JourneyRecord } from './engine/types.js';

/** A customer's own journeys, or operations staff (support staff do not see journeys). */
const customerSelfOrOperations = rule({ cache: 'no_cache' })((parent: { id?: string }, _args, ctx: PrincipalContext) => {
  const p = ctx.principal;
  return (p.kind === 'customer' && p.customerId === parent.id) || (p.kind === 'staff' && p.role === 'operations') || forbidden();
});

const canSeeThisJourney = rule({ cache: 'no_cache' })(
  (parent: JourneyRecord, _args, ctx: PrincipalContext) => canSeeJourney(ctx.principal, parent) || forbidden(),
);

/**
 * A partner paying from an account the customer consented to (the payments:initiate scope is checked from the
 * schema's @scopes by bankShield).
 */
const isPartnerPayingFromConsentedAccount = rule({ cache: 'no_cache' })(
  (_parent, args: { input?: { sourceAccountId?: string } }, ctx: PrincipalContext) => {
    const consent = liveConsent(ctx.principal);
    const source = args.input?.sourceAccountId;
    return (consent !== null && typeof source === 'string' && consent.accountIds.includes(source)) || forbidden();
  },
);

/** Who may do and see what in the journeys subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = bankShield({
  Query: { ...FEDERATION_RULES.Query, me: isCustomer, journey: allow /* the resolver checks the journey's owner */ },
  Mutation: {
    onboardCustomer: isStaff,
    sendInternationalPayment: or(isCustomer, isPartnerPayingFromConsentedAccount),
    convertCurrency: isCustomer,
    issueCard: isCustomer,
    freezeCard: isCustomer,
    unfreezeCard: isCustomer,
  },
  _Service: allow,
  Customer: { id: canReadThisCustomer, journeys: customerSelfOrOperations },
  Journey: canSeeThisJourney,
  JourneyStep: allow,
  StepAttempt: allow,
  OnboardCustomerPayload: allow,
  InternationalPaymentPayload: allow,
  ConvertCurrencyPayload: allow,
  CardJourneyPayload: allow,
  Account: allow,
  Card: allow,
  Money: allow,
});
