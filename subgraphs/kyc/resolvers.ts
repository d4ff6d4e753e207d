import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Customer: {
    // The gateway sends kycApplicantId (resolved by the journeys subgraph) with the reference when kyc is asked for.
    __resolveReference: (ref) => ({ id: ref.id, kycApplicantId: ref.kycApplicantId ?? null }),
    kyc: (customer, _args, ctx) => ctx.loaders.profile.load({ customerId: customer.id, applicantId: customer.kycApplicantId ?? null }),
  },
  // The risk is the bank's own risk-scoring system's latest score, not the KYC vendor's: a failing scoring system
  // nulls these two fields (with an error naming it), never the identity checks beside them.
  KycProfile: {
    riskScore: async (profile, _args, ctx) => (await ctx.loaders.risk.load(profile.customerId))?.score ?? null,
    riskLevel: async (profile, _args, ctx) => (await ctx.loaders.risk.load(profile.customerId))?.level ?? null,
  },
};
