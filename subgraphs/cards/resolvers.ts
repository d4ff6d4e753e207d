import { forbidden } from '../../lib/errors.js';
import { MoneyFieldResolvers } from '../../lib/money.js';
import { canReadCustomer } from '../../lib/principal.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
    card: async (_parent, { id }, ctx) => {
      const card = await ctx.loaders.card.load(id);
      if (card && canReadCustomer(ctx.principal, card.customerId)) return card;
      // Staff may read any card, so null tells them only what they could learn anyway. Anyone else hears the same for
      // an unknown id and for someone else's card: a different answer would tell which ids exist.
      if (ctx.principal.kind === 'staff') return null;
      throw forbidden('There is no such card of yours.');
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
