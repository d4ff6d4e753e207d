import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
  },
  Customer: {
    __resolveReference: (ref) => ({ id: ref.id }),
    kyc: (customer, _args, ctx) => ctx.loaders.profile.load(customer.id),
  },
  // The risk is the bank's own risk-scoring system's latest score, not the KYC vendor's: a failing scoring system
  // nulls these two fields (with an error naming it), never the identity checks beside them.
  KycProfile: {
    riskScore: async (profile, _args, ctx) => (await ctx.loaders.risk.load(profile.customerId))?.score ?? null,
    riskLevel: async (profile, _args, ctx) => (await ctx.loaders.risk.load(profile.customerId))?.level ?? null,
  },
};
