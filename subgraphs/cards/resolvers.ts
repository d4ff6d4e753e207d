import { forbidden } from '../../lib/errors.js';
import { MoneyFieldResolvers } from '../../lib/money.js';
import { canReadCustomer } from '../../lib/principal.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
    card: async (_parent, { id }, ctx) => {
      const card = await ctx.loaders.card.load(id);
      if (!card) return null;
      if (!canReadCustomer(ctx.principal, card.customerId)) throw forbidden();
      return card;
    },
  },
  Customer: {
    __resolveReference: (ref) => ({ id: ref.id }),
    cards: (customer, _args, ctx) => ctx.loaders.cardsOfCustomer.load(customer.id).then((list) => [...list]),
  },
  Card: {
    __resolveReference: (ref, ctx) => ctx.loaders.card.load(ref.id),
  },
  Money: MoneyFieldResolvers,
};
