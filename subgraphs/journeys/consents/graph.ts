import type { ConsentRecord, ConsentUsage } from '../../../lib/consents.js';
import { BankError, ErrorCode, badUserInput, forbidden } from '../../../lib/errors.js';
import { moneyFromDecimalString } from '../../../lib/money.js';
import { describePrincipal } from '../../../lib/principal.js';
import type { JourneysContext } from '../context.js';
import type { ConsentResolvers, ConsentPaymentResolvers, ConsentStatus as GraphConsentStatus, MutationResolvers, QueryResolvers } from '../__generated__/resolvers-types.js';

/**
 * The consents in the graph: Customer.consents (the customer, operations staff), Query.consents (operations staff),
 * Mutation.revokeConsent (the consent's customer, operations staff). Who may call them is permissions.ts's; these
 * check what the rules cannot see (whose consent an id names).
 */

const STATUS: Record<ConsentRecord['status'], GraphConsentStatus> = {
  AwaitingAuthorisation: 'AWAITING_AUTHORISATION',
  Authorised: 'AUTHORISED',
  Rejected: 'REJECTED',
  Revoked: 'REVOKED',
  Expired: 'EXPIRED',
  Consumed: 'CONSUMED',
};

/** One store read per consent for its two usage fields. */
const usageOf = new WeakMap<ConsentRecord, Promise<ConsentUsage>>();
function usage(ctx: JourneysContext, r: ConsentRecord): Promise<ConsentUsage> {
  let found = usageOf.get(r);
  if (!found) usageOf.set(r, (found = ctx.consents.usage(r.id)));
  return found;
}

const notFound = () => new BankError(ErrorCode.CONSENT_NOT_FOUND, 'There is no such consent of yours.');

export const consentQuery: Pick<QueryResolvers, 'consents'> = {
  consents: async (_parent, { customerId, partner }, ctx) => {
    if (!customerId && !partner) throw badUserInput('customerId', 'Name a customerId or a partner (or both).');
    const list = customerId ? await ctx.consents.listByCustomer(customerId) : await ctx.consents.listByPartner(partner!);
    return partner ? list.filter((c) => c.partner === partner) : list;
  },
};

export const consentMutation: Pick<MutationResolvers, 'revokeConsent'> = {
  revokeConsent: async (_parent, { id }, ctx) => {
    const p = ctx.principal;
    const record = await ctx.consents.get(id);
    const operations = p.kind === 'staff' && p.role === 'operations';
    // Another customer's consent reads as an unknown one: nobody learns which ids exist.
    if (!record || (!operations && !(p.kind === 'customer' && record.customerId === p.customerId))) {
      if (p.kind !== 'customer' && !operations) throw forbidden('Only the customer or operations staff can revoke a consent.');
      throw notFound();
    }
    const revoked = await ctx.consents.revoke(id, describePrincipal(p));
    if (!revoked) throw notFound();
    return revoked;
  },
};

export const customerConsents = (customer: { id: string }, _args: unknown, ctx: JourneysContext): Promise<ConsentRecord[]> =>
  ctx.consents.listByCustomer(customer.id);

export const Consent: ConsentResolvers = {
  kind: (r) => (r.kind === 'payment' ? 'PAYMENT' : 'ACCOUNT_ACCESS'),
  partner: (r, _args, ctx) => ({ clientId: r.partner, name: ctx.partners.get(r.partner)?.name ?? r.partner }),
  permissions: (r) => [...r.permissions],
  accountIds: (r) => [...r.accountIds],
  status: (r) => STATUS[r.status],
  lastAccessAt: async (r, _args, ctx) => (await usage(ctx, r)).lastAccessAt,
  accessesToday: async (r, _args, ctx) => (await usage(ctx, r)).accessesToday,
};

export const ConsentPayment: ConsentPaymentResolvers = {
  amount: (p) => moneyFromDecimalString(p.amount, p.currency),
};
