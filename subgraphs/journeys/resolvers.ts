import { badUserInput, forbidden } from '../../lib/errors.js';
import { MoneyFieldResolvers } from '../../lib/money.js';
import { canSeeJourney } from './access.js';
import type { JourneysContext } from './context.js';
import { journeyIdOf } from './engine/ids.js';
import { attemptCount, countOf } from './engine/record.js';
import type { FlowDefinition, Json, JourneyRecord } from './engine/types.js';
import { fromJsonMoney, payingCustomer, type JsonMoney } from './flows/inputs.js';
import type { Resolvers } from './__generated__/resolvers-types.js';
import { checkedKey } from './idempotency-key.js';
import { Consent, ConsentPayment, consentMutation, consentQuery, customerConsents } from './consents/graph.js';
import { spendPaymentConsent } from './consents/payments.js';
import { JourneyAction, journeyStory, operationsMutation, operationsQuery, stepStory } from './operations/graph.js';

/** Starts (or replays) a journey: the key is checked here, the input by the flow, before anything is written. */
function start<I extends Json>(ctx: JourneysContext, flow: FlowDefinition<I>, idempotencyKey: string, input: unknown): Promise<JourneyRecord> {
  const key = checkedKey(idempotencyKey);
  // The engine runs any flow; a flow's input type is its own business (validated by flow.validate).
  return ctx.engine.start(flow as unknown as FlowDefinition, { principal: ctx.principal, idempotencyKey: key, input, waitMs: ctx.waitMs });
}

/** The journey this principal already started with this key, if it is of this type. */
async function replayed(ctx: JourneysContext, idempotencyKey: string, type: string): Promise<JourneyRecord | null> {
  const record = await ctx.engine.get(journeyIdOf(ctx.principal, idempotencyKey.trim()));
  return record && record.type === type ? record : null;
}

function customerIdOf(ctx: JourneysContext): string {
  if (ctx.principal.kind !== 'customer') throw forbidden('Only a signed-in customer can start this journey.');
  return ctx.principal.customerId;
}

const state = (r: JourneyRecord, step: string) => r.state[step] as Record<string, Json> | undefined;
const result = (r: JourneyRecord) => (r.result ?? {}) as Record<string, Json | undefined>;
const money = (j: Json | undefined) => (j ? fromJsonMoney(j as JsonMoney) : null);
const ref = (id: Json | undefined) => (typeof id === 'string' ? { id } : null);

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
    journey: async (_parent, { id }, ctx) => {
      const record = await ctx.engine.get(id);
      const p = ctx.principal;
      // Journey ids derive from the caller and the key: the same answer for an unknown id and another's, so nobody
      // can test whether someone used a key. Operations staff, who may see every journey, get null for an unknown one.
      if (!record) {
        if (p.kind === 'staff' && p.role === 'operations') return null;
        throw forbidden('There is no such journey of yours.');
      }
      if (!canSeeJourney(p, record)) throw forbidden('There is no such journey of yours.');
      return record;
    },
    ...consentQuery,
    ...operationsQuery,
  },

  Mutation: {
    ...consentMutation,
    ...operationsMutation,
    onboardCustomer: (_parent, { idempotencyKey, input }, ctx) => start(ctx, ctx.flows.onboardCustomer, idempotencyKey, input),

    sendInternationalPayment: async (_parent, { idempotencyKey, input }, ctx) => {
      // A replay goes straight to the stored journey: the checks below were made when it started, and the account
      // may have changed since (frozen, closed). Answering a replay with an error could make a client pay again.
      const earlier = await replayed(ctx, idempotencyKey, ctx.flows.sendInternationalPayment.type);
      if (earlier) {
        return start(ctx, ctx.flows.sendInternationalPayment, idempotencyKey, { ...input, sourceCurrency: (earlier.input as { sourceCurrency: string }).sourceCurrency });
      }
      const customerId = payingCustomer(ctx.principal);
      // A partner pays only from an account the customer consented to.
      const p = ctx.principal;
      if (p.kind === 'partner' && !p.consent?.accountIds.includes(input.sourceAccountId)) {
        throw badUserInput('sourceAccountId', 'no such account of yours');
      }
      // The same answer for an unknown account and another customer's: nothing about other accounts leaks.
      const [account] = await ctx.deps.coreBanking.getAccounts([input.sourceAccountId]);
      if (!account || account.customerId !== customerId) throw badUserInput('sourceAccountId', 'no such account of yours');
      if (account.status !== 'ACTIVE') throw badUserInput('sourceAccountId', 'the account is not active');
      const journeyInput = { ...input, sourceCurrency: account.currency };
      // The flow's own checks first (IBAN check digits, BIC, country): a payment it would refuse must not spend its
      // consent, which could then never be paid. start() runs them again; they are pure.
      ctx.flows.sendInternationalPayment.validate(journeyInput, ctx.principal);
      // A payment consent is checked and spent here, before the journey (and its first legacy call) starts.
      await spendPaymentConsent(ctx, input, checkedKey(idempotencyKey));
      return start(ctx, ctx.flows.sendInternationalPayment, idempotencyKey, journeyInput);
    },

    convertCurrency: async (_parent, { idempotencyKey, input }, ctx) => {
      const [wallet] = await ctx.deps.fxWallet.getWallets([customerIdOf(ctx)]);
      if (!wallet) throw badUserInput('sellAmount', 'you have no wallet to convert in');
      return start(ctx, ctx.flows.convertCurrency, idempotencyKey, { ...input, walletId: wallet.id });
    },

    issueCard: (_parent, { idempotencyKey, input }, ctx) => start(ctx, ctx.flows.issueCard, idempotencyKey, input ?? {}),

    freezeCard: async (_parent, { idempotencyKey, cardId }, ctx) => {
      await assertOwnCard(ctx, cardId);
      return start(ctx, ctx.flows.freezeCard, idempotencyKey, { cardId });
    },

    unfreezeCard: async (_parent, { idempotencyKey, cardId }, ctx) => {
      await assertOwnCard(ctx, cardId);
      return start(ctx, ctx.flows.unfreezeCard, idempotencyKey, { cardId });
    },
  },

  Customer: {
    __resolveReference: (reference) => ({ id: reference.id }),
    journeys: async (customer, { first }, ctx) => {
      const size = first ?? 20;
      if (!Number.isInteger(size) || size < 1 || size > 100) throw badUserInput('first', `first must be between 1 and 100, got ${size}`);
      return (await ctx.engine.listByCustomer(customer.id)).slice(0, size);
    },
    // For the KYC subgraph's Customer.kyc (@requires): the mapping Onfido does not keep for us.
    kycApplicantId: (customer, _args, ctx) => ctx.deps.kycApplicants.applicantIdOf(customer.id),
    consents: customerConsents,
  },

  Consent,
  ConsentPayment,

  Journey: {
    __resolveReference: async (reference, ctx) => {
      const record = await ctx.engine.get(reference.id);
      return record && canSeeJourney(ctx.principal, record) ? record : null;
    },
    type: (r) => r.type as never,
    customer: (r) => (r.customerId ? { id: r.customerId } : null),
    steps: (r) => [...r.steps],
    followUps: (r) => r.steps.filter((s) => s.mode === 'background'),
    ...journeyStory,
  },

  JourneyAction,

  JourneyStep: {
    mode: (s) => (s.mode === 'background' ? 'BACKGROUND' : 'CRITICAL'),
    attempts: (s, { last }) => {
      if (last === null || last === undefined) return [...s.attempts];
      if (!Number.isInteger(last) || last < 1 || last > 100) throw badUserInput('last', `last must be between 1 and 100, got ${last}`);
      return s.attempts.slice(-last);
    },
    attemptCount: (s) => attemptCount(s),
    nextCheckAt: (s) => s.wait?.until ?? null,
    ...stepStory,
  },

  StepAttempt: {
    kind: (a) => (a.kind === 'run' ? 'RUN' : a.kind === 'recover' ? 'RECOVER' : 'COMPENSATE'),
    durationMs: (a) => Math.max(0, Date.parse(a.endedAt) - Date.parse(a.startedAt)),
    count: (a) => countOf(a),
  },

  OnboardCustomerPayload: {
    journey: (r) => r,
    customer: (r) => (r.status === 'COMPLETED' ? ref(state(r, 'createKycApplicant')?.customerId) : null),
    account: (r) => (r.status === 'COMPLETED' ? ref(state(r, 'openAccount')?.accountId) : null),
    card: (r) => ref(state(r, 'issueCard')?.cardId),
  },

  InternationalPaymentPayload: {
    journey: (r) => r,
    debited: (r) => money(state(r, 'debitSourceAccount')?.amount),
    paidOut: (r) => (r.status === 'COMPLETED' ? money(result(r).paidOut) : null),
    rail: (r) => (state(r, 'payOut')?.rail as string | undefined) ?? null,
    endToEndId: (r) => (state(r, 'payOut')?.endToEndId as string | undefined) ?? null,
    requoted: (r) => state(r, 'convertCurrency')?.requoted === true,
  },

  ConvertCurrencyPayload: {
    journey: (r) => r,
    sold: (r) => money(state(r, 'convertPockets')?.sold),
    bought: (r) => money(state(r, 'convertPockets')?.bought),
    requoted: (r) => state(r, 'convertPockets')?.requoted === true,
  },

  CardJourneyPayload: {
    journey: (r) => r,
    card: (r) => ref(state(r, 'issueCard')?.cardId ?? (r.input as { cardId?: string }).cardId),
  },

  Money: MoneyFieldResolvers,
};

async function assertOwnCard(ctx: JourneysContext, cardId: string): Promise<void> {
  const [card] = await ctx.deps.cardProcessor.getCards([cardId]);
  if (!card || card.customerId !== customerIdOf(ctx)) throw forbidden('You are not allowed to change this card.');
}
