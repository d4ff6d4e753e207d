import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Customer: {
    // The gateway sends kycApplicantId (resolved by the journeys subgraph) with the reference when kyc is asked for.
    __resolveReference: (ref) => ({ id: ref.id, kycApplicantId: ref.kycApplicantId ?? null }),
    kyc: (customer, _args, ctx) => ctx.loaders.profile.load({ customerId: customer.id, applicantId: customer.kycApplicantId ?? null }),
  },
};
