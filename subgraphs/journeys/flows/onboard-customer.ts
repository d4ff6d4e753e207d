import { notify } from '../blocks/notify.js';
import { badUserInput, forbidden } from '../../../lib/errors.js';
import { StepPending, StepRejected, type FlowDefinition, type Json, type StepContext } from '../engine/types.js';
import { SAVINGS_PRODUCTS, type SavingsProduct } from '../../../connectors/core-banking/index.js';
import type { JourneyDeps } from './deps.js';
import { cardProduct, digest, optionalText, record, text } from './inputs.js';
import { afterEarlierCreations } from './kyc.js';

/**
          const { applicantId } = out<{ applicantId: string }>(ctx, 'createKycApplicant');
          const { checkId } = await afterEarlierCreations(() => deps.kycProvider.startCheck(applicantId, ctx.reference, deps.kycApplicants.ledger));
          // The vendor's webhooks name the check: linked, they find this journey (one that comes first is polled for).
          await deps.references.link('kyc-provider', checkId, ctx.journeyId);
 *
 * The new customer's id is derived from the journey id, so a re-run (or a takeover after a crash) finds the same
 * client instead of creating a second one.
 */

export type OnboardInput = {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  dateOfBirth: string;
  country: string;
  product: SavingsProduct;
  /** Null only in journeys recorded before the product was checked at start (DEBIT_CLASSIC then). */
  cardProduct: string | null;
};

export const ONBOARD_CUSTOMER = 'ONBOARD_CUSTOMER';
/** The step that waits for the KYC checks: what the vendor's webhook wakes (inbound/kyc-provider.ts). */
export const AWAIT_KYC_CHECK = 'awaitKycCheck';
/** Risk scores from here up are above the bank's appetite. */
export const RISK_APPETITE = 60;

/** The id the new customer gets: stable for the journey, the same in every legacy system. */
export function newCustomerId(journeyId: string): string {
  return `cust-${digest(journeyId, 12)}`;
}

type Ctx = StepContext<OnboardInput>;
const out = <T extends Json>(ctx: Ctx, step: string) => ctx.state[step] as T;

export function onboardCustomerFlow(deps: JourneyDeps): FlowDefinition<OnboardInput> {
  return {
    type: ONBOARD_CUSTOMER,

    validate(raw, principal): OnboardInput {
      if (principal.kind !== 'staff') throw forbidden('Only bank staff can onboard a customer.');
      const input = record(raw);
      const email = text('email', input.email, 254);
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) throw badUserInput('email', 'email is not an email address');
      const dateOfBirth = text('dateOfBirth', input.dateOfBirth, 10);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(dateOfBirth) || Number.isNaN(Date.parse(`${dateOfBirth}T00:00:00Z`))) {
        throw badUserInput('dateOfBirth', 'dateOfBirth must be a date, YYYY-MM-DD');
      }
      if (ageOn(dateOfBirth, new Date()) < 18) throw badUserInput('dateOfBirth', 'the customer must be at least 18 years old');
      const country = text('country', input.country, 2).toUpperCase();
      if (!/^[A-Z]{2}$/.test(country)) throw badUserInput('country', 'country must be an ISO 3166 alpha-2 code such as DE');
      const product = (input.product ?? 'EUR_CURRENT') as OnboardInput['product'];
      if (!SAVINGS_PRODUCTS.includes(product)) throw badUserInput('product', `product must be one of ${SAVINGS_PRODUCTS.join(', ')}`);
      const phone = optionalText('phone', input.phone, 32);
      if (phone !== null && !/^\+?[0-9 ()-]{6,32}$/.test(phone)) throw badUserInput('phone', 'phone is not a phone number');
      return {
        firstName: text('firstName', input.firstName, 60),
        lastName: text('lastName', input.lastName, 60),
        email,
        phone,
        dateOfBirth,
        country,
        product,
        cardProduct: cardProduct('cardProduct', input.cardProduct, deps.cardProcessor.productCodes),
      };
    },

    // The customer does not exist yet; the journey is the staff member's (and operations') to see.
    customerOf: () => null,

    steps: [
      {
        // Onfido has no idempotency: the connector records the intent in the KYC ledger before the call and looks
        // Onfido up before any repeat, so a re-run or a takeover after a crash finds the first applicant. The
        // ledger entry is also the customer -> applicant mapping the KYC subgraph reads (Customer.kycApplicantId).
        name: 'createKycApplicant',
        readOnly: true,
        async run(ctx) {
          const { firstName, lastName, email, dateOfBirth } = ctx.input;
          const customerId = newCustomerId(ctx.journeyId);
          const { applicantId } = await afterEarlierCreations(() =>
            deps.kycProvider.createApplicant({ customerId, firstName, lastName, email, dateOfBirth }, ctx.reference, deps.kycApplicants.ledger),
          );
          return { customerId, applicantId };
        },
      },
      {
        name: 'startKycCheck',
        readOnly: true,
        async run(ctx) {
          const { applicantId } = out<{ applicantId: string }>(ctx, 'createKycApplicant');
          const { checkId } = await afterEarlierCreations(() => deps.kycProvider.startCheck(applicantId, ctx.reference, deps.kycApplicants.ledger));
          // The vendor's webhooks name the check: linked, they find this journey (one that comes first is polled for).
          await deps.references.link('kyc-provider', checkId, ctx.journeyId);
          return { checkId };
        },
      },
      {
        // Polled, and woken early by Onfido's webhook (inbound/kyc-provider.ts). Onfido's statuses:
        // awaiting_applicant, paused and reopened are still pending (the message says which); withdrawn ends the
        // journey REJECTED with its own reason, since no verdict will come.
        name: AWAIT_KYC_CHECK,
        readOnly: true,
        async run(ctx) {
          // The vendor's answer decides, never a webhook: a webhook only wakes this check ahead of its back-off.
          const check = await deps.kycProvider.getCheck(out<{ checkId: string }>(ctx, 'startKycCheck').checkId);
          if (check.status === 'PENDING') throw new StepPending(deps.kycFirstCheckMs ?? 150, `KYC check ${check.onfidoStatus.replace(/_/g, ' ')}`);
          if (check.status === 'WITHDRAWN') throw new StepRejected('KYC_WITHDRAWN', 'the identity check was withdrawn at the KYC provider; no verdict will come');
          if (check.result === 'CONSIDER') throw new StepRejected('KYC_REJECTED', 'the identity checks need a manual review (result: consider)');
          return { result: check.result };
        },
      },
      {
        name: 'assessRisk',
        readOnly: true,
        async run(ctx) {
          const { customerId, applicantId } = out<{ customerId: string; applicantId: string }>(ctx, 'createKycApplicant');
          const { result } = out<{ result: 'CLEAR' | 'CONSIDER' }>(ctx, 'awaitKycCheck');
          const { firstName, lastName, dateOfBirth, country } = ctx.input;
          // The step's reference is the score's: a re-run answers the score made the first time, recording no other.
          const { score, level, scoreId } = await deps.riskScoring.scoreOnboarding({
            customerId,
            firstName,
            lastName,
            dateOfBirth,
            country,
            kycOutcome: result,
            kycVendorReference: applicantId,
            reference: ctx.reference,
          });
          if (score >= RISK_APPETITE) throw new StepRejected('KYC_REJECTED', `risk score ${score} is above the bank's appetite (${RISK_APPETITE})`);
          return { score, level, scoreId };
        },
      },
      {
        name: 'createCoreBankingClient',
        async run(ctx) {
          const { customerId } = out<{ customerId: string }>(ctx, 'createKycApplicant');
          // Fineract refuses a second client with the same externalId; look first so a re-run finds the first one.
          const existing = await deps.coreBanking.findClientByCustomerId(customerId);
          if (existing) return { coreBankingId: existing.coreBankingId };
          const { firstName, lastName, email, phone, dateOfBirth } = ctx.input;
          const { coreBankingId } = await deps.coreBanking.createClient({ customerId, firstName, lastName, email, phone, dateOfBirth });
          return { coreBankingId };
        },
        async recover(ctx) {
          const found = await deps.coreBanking.findClientByCustomerId(out<{ customerId: string }>(ctx, 'createKycApplicant').customerId);
          return found ? { coreBankingId: found.coreBankingId } : null;
        },
        async compensate(ctx, output) {
          const { customerId } = out<{ customerId: string }>(ctx, 'createKycApplicant');
          const client = await deps.coreBanking.findClientByCustomerId(customerId);
          if (client && client.status !== 'CLOSED') await deps.coreBanking.closeClient((output as { coreBankingId: string }).coreBankingId);
        },
      },
      {
        name: 'openAccount',
        async run(ctx) {
          const { coreBankingId } = out<{ coreBankingId: string }>(ctx, 'createCoreBankingClient');
          // The account's externalId is this step's reference: a re-run gets the same account back.
          const { accountId } = await deps.coreBanking.createSavingsAccount({ coreBankingId, product: ctx.input.product, reference: ctx.reference });
          return { accountId };
        },
        async compensate(_ctx, output) {
          // Undoes whatever the opening reached (submitted, approved or active with no money on it).
          await deps.coreBanking.withdrawAccountOpening((output as { accountId: string }).accountId);
        },
      },
      {
        name: 'approveAccount',
        async run(ctx) {
          const { accountId } = out<{ accountId: string }>(ctx, 'openAccount');
          // Lifecycle commands are refused when repeated: act only from the state that needs it.
          if ((await deps.coreBanking.getAccountStatus(accountId)) === 'SUBMITTED') await deps.coreBanking.approveAccount(accountId);
          return { accountId };
        },
        // The account's state says whether an approval that timed out landed: past SUBMITTED it did. Without this
        // an unknown outcome could only be parked for a person, though core banking can answer it.
        async recover(ctx) {
          const { accountId } = out<{ accountId: string }>(ctx, 'openAccount');
          const status = await deps.coreBanking.getAccountStatus(accountId);
          return status === 'APPROVED' || status === 'ACTIVE' ? { accountId } : null;
        },
      },
      {
        name: 'activateAccount',
        async run(ctx) {
          const { accountId } = out<{ accountId: string }>(ctx, 'openAccount');
          if ((await deps.coreBanking.getAccountStatus(accountId)) === 'APPROVED') await deps.coreBanking.activateAccount(accountId);
          return { accountId };
        },
        async recover(ctx) {
          const { accountId } = out<{ accountId: string }>(ctx, 'openAccount');
          return (await deps.coreBanking.getAccountStatus(accountId)) === 'ACTIVE' ? { accountId } : null;
        },
      },
      {
        name: 'issueCard',
        mode: 'background',
        retry: { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 5000 },
        async run(ctx) {
          const { customerId } = out<{ customerId: string }>(ctx, 'createKycApplicant');
          const card = await deps.cardProcessor.issueCard({ customerId, product: ctx.input.cardProduct ?? 'DEBIT_CLASSIC', reference: ctx.reference });
          return { cardId: card.id };
        },
      },
      notify(deps, { name: 'sendWelcome', template: 'welcome', to: (ctx) => ctx.input.email, params: (ctx) => ({ firstName: ctx.input.firstName }) }),
    ],

    result(rec): Json {
      const s = rec.state as Record<string, Json | undefined>;
      return {
        customerId: rec.status === 'COMPLETED' ? ((s.createKycApplicant as { customerId?: string } | undefined)?.customerId ?? null) : null,
        accountId: rec.status === 'COMPLETED' ? ((s.openAccount as { accountId?: string } | undefined)?.accountId ?? null) : null,
      };
    },
  };
}

function ageOn(dateOfBirth: string, today: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  let age = today.getUTCFullYear() - y;
  if (today.getUTCMonth() + 1 < m || (today.getUTCMonth() + 1 === m && today.getUTCDate() < d)) age--;
  return age;
}
