import { rule } from 'graphql-shield';
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

/** Who may do and see what in the journeys subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = bankShield({
  Query: { ...FEDERATION_RULES.Query, me: isCustomer, journey: allow /* the resolver checks the journey's owner */ },
  Mutation: {
    onboardCustomer: isStaff,
    sendInternationalPayment: isCustomer,
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
