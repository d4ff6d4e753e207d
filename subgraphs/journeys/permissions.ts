import { BankError, ErrorCode, forbidden } from '../../lib/errors.js';
import {
  FEDERATION_RULES,
  allow,
  definePermissions,
  canReadThisCustomer,
  isCustomer,
  isStaff,
  rule,
} from '../../lib/permissions.js';
import { liveConsent } from '../../lib/principal.js';
import { canSeeJourney } from './access.js';
import type { JourneyRecord } from './engine/types.js';

/** A customer's own journeys, or operations staff (support staff do not see journeys). */
const customerSelfOrOperations = rule<{ id?: unknown } | null | undefined>('customerSelfOrOperations', (parent, _args, ctx) => {
  const p = ctx.principal;
  return (p.kind === 'customer' && p.customerId === parent?.id) || (p.kind === 'staff' && p.role === 'operations') || forbidden();
});

/** Operations staff: the consent lookups (support staff do not see consents). */
const isOperations = rule('isOperations', (_parent, _args, ctx) => (ctx.principal.kind === 'staff' && ctx.principal.role === 'operations') || forbidden('Only operations staff can ask for this.'));

/** A customer (the resolver makes sure the consent is theirs) or operations staff: never a partner. */
const customerOrOperations = rule('customerOrOperations', (_parent, _args, ctx) => {
  const p = ctx.principal;
  return p.kind === 'customer' || (p.kind === 'staff' && p.role === 'operations') || forbidden('Only the customer or operations staff can do this.');
});

/** A consent is read by its customer or operations staff only, reached through the entry points above; never a partner. */
const notPartner = rule('notPartner', (_parent, _args, ctx) => ctx.principal.kind !== 'partner' || forbidden('A partner reads its consents through the open-banking routes.'));

const canSeeThisJourney = rule<JourneyRecord>('canSeeThisJourney', (parent, _args, ctx) => canSeeJourney(ctx.principal, parent) || forbidden());

/** What people did about a journey, and what they may do: operations staff only (the customer sees the outcome). */
const JOURNEY_OPERATIONS_FIELDS = ['actions', 'availableActions'] as const;
const JOURNEY_FIELDS = ['id', 'type', 'status', 'reason', 'errorCode', 'createdAt', 'updatedAt', 'steps', 'followUps', 'customer', 'statusSince', 'stuckStep'] as const;
const journeyRules = {
  ...Object.fromEntries(JOURNEY_FIELDS.map((f) => [f, canSeeThisJourney])),
  ...Object.fromEntries(JOURNEY_OPERATIONS_FIELDS.map((f) => [f, isOperations])),
};

/**
 * A customer paying, or a partner paying from an account the customer consented to (the payments:initiate scope is
 * checked from the schema's @scopes by definePermissions). One rule, so a partner is told what is wrong with its
 * request (ACCOUNT_NOT_IN_CONSENT: the consent does not cover that account), not "Only customers can ask for this".
 */
const isCustomerOrPartnerPayingFromConsentedAccount = rule<unknown, { input?: { sourceAccountId?: unknown } }>(
  'isCustomerOrPartnerPayingFromConsentedAccount',
  (_parent, args, ctx) => {
    const p = ctx.principal;
    if (p.kind === 'customer') return true;
    if (p.kind !== 'partner') return forbidden('Only customers can ask for this.');
    const consent = liveConsent(p);
    if (consent === null) return forbidden('This partner has no live consent from the customer.');
    const source = args.input?.sourceAccountId;
    if (typeof source === 'string' && consent.accountIds.includes(source)) return true;
    return new BankError(
      ErrorCode.ACCOUNT_NOT_IN_CONSENT,
      `The customer's consent does not cover the account ${JSON.stringify(String(source ?? ''))}: pay from a consented account.`,
    );
  },
);

/** Who may do and see what in the journeys subgraph. Deny by default: a field missing here is FORBIDDEN. */
export const permissions = definePermissions({
  Query: {
    ...FEDERATION_RULES.Query,
    me: isCustomer,
    journey: allow /* the resolver checks the journey's owner */,
    consents: isOperations,
    journeys: isOperations,
    journeySummary: isOperations,
  },
  Mutation: {
    onboardCustomer: isStaff,
    sendInternationalPayment: isCustomerOrPartnerPayingFromConsentedAccount,
    convertCurrency: isCustomer,
    issueCard: isCustomer,
    freezeCard: isCustomer,
    unfreezeCard: isCustomer,
    revokeConsent: customerOrOperations,
    // Four-eyes: the requester and the approver are both operations staff, and never the same person (operations/actions.ts).
    requestJourneyAction: isOperations,
    approveJourneyAction: isOperations,
    declineJourneyAction: isOperations,
  },
  _Service: allow,
  Customer: { id: canReadThisCustomer, journeys: customerSelfOrOperations, kycApplicantId: canReadThisCustomer, consents: customerSelfOrOperations },
  Consent: notPartner,
  ConsentPartner: notPartner,
  ConsentPayment: notPartner,
  Journey: journeyRules,
  JourneyStep: allow,
  StepAttemptConnection: allow,
  JourneyPageInfo: allow,
  JourneyConnection: allow,
  JourneyStatusCount: allow,
  JourneyTypeCount: allow,
  JourneySummary: allow,
  JourneyAction: isOperations,
  JourneyActionPayload: allow,
  StepAttempt: allow,
  OnboardCustomerPayload: allow,
  InternationalPaymentPayload: allow,
  ConvertCurrencyPayload: allow,
  CardJourneyPayload: allow,
  Account: allow,
  Card: allow,
  Money: allow,
});
