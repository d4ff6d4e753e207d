import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
  },
  Customer: {
    __resolveReference: (ref) => ({ id: ref.id }),
    kyc: (customer, _args, ctx) => ctx.loaders.profile.load(customer.id),
  },
};
