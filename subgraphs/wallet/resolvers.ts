import { convertTotal, rate } from '../../connectors/fx-wallet/index.js';
import { badUserInput } from '../../lib/errors.js';
import { isCurrencyCode } from '../../lib/currency.js';
import { formatDecimal, moneyFromClientAmount, MoneyFieldResolvers, type Money } from '../../lib/money.js';
import type { Resolvers } from './__generated__/resolvers-types.js';

export const resolvers: Resolvers = {
  Query: {
    me: (_parent, _args, ctx) => (ctx.principal.kind === 'customer' ? { id: ctx.principal.customerId } : null),
    fxRate: async (_parent, { from, to }, ctx) => {
      const fromCode = currencyArg('from', from);
      const toCode = currencyArg('to', to);
      const rates = await ctx.fxWallet.getRates();
      return { from: fromCode, to: toCode, rate: formatDecimal(rate(rates, fromCode, toCode)), asOf: rates.asOf };
    },
  },
  Mutation: {
    quoteConversion: (_parent, { sell, buy, sellAmount }, ctx) => {
      const sellCode = currencyArg('sell', sell);
      const buyCode = currencyArg('buy', buy);
      if (sellCode === buyCode) throw badUserInput('buy', 'buy and sell currencies must differ');
      const amount = amountArg('sellAmount', sellAmount, sellCode);
      return ctx.fxWallet.createQuote({ sell: sellCode, buy: buyCode, sellAmount: amount });
    },
  },
  Customer: {
    __resolveReference: (ref) => ({ id: ref.id }),
    wallet: (customer, _args, ctx) => ctx.loaders.wallet.load(customer.id),
  },
  Wallet: {
    pockets: (wallet) => [...wallet.pockets],
    total: async (wallet, { currency }, ctx) => {
      const code = currencyArg('currency', currency);
      return convertTotal(wallet.pockets, code, await ctx.fxWallet.getRates());
    },
  },
  FxQuote: {
    rate: (quote) => formatDecimal(quote.rate),
  },
  Money: MoneyFieldResolvers,
};

function currencyArg(field: string, value: string): string {
  const code = value.trim().toUpperCase();
  if (!/^[A-Z]{3}$/.test(code) || !isCurrencyCode(code)) {
    throw badUserInput(field, `${field} must be an ISO 4217 currency code such as EUR, got "${value}"`);
  }
  return code;
}

function amountArg(field: string, value: string, currency: string): Money {
  let money: Money;
  try {
    money = moneyFromClientAmount(value, currency);
  } catch (err) {
    throw badUserInput(field, `${field}: ${(err as Error).message}`);
  }
  if (money.minor <= 0n) throw badUserInput(field, `${field} must be positive, got "${value}"`);
  return money;
}
