import { badUserInput, BankError, ErrorCode } from '../../../lib/errors.js';
import { StepRejected, type FlowDefinition, type Json } from '../engine/types.js';
import { convertWithRequote } from '../blocks/requote.js';
import { findConversion, quoteTerms, type ConversionOut } from './conversions.js';
import type { JourneyDeps } from './deps.js';
import { amountInput, currencyCode, customerPrincipal, fromJsonMoney, record, text, toJsonMoney, type JsonMoney } from './inputs.js';

/**
 * convertCurrency between two pockets of the customer's own wallet: quote, then convert with that quote. An
 * expired quote is re-quoted once; the conversion goes ahead only if the customer would still get at least the
 * amount the first quote promised less the tolerance, otherwise the journey is REJECTED (QUOTE_EXPIRED).
 */
export type ConvertInput = { customerId: string; walletId: string; sellAmount: JsonMoney; buy: string };

export const CONVERT_CURRENCY = 'CONVERT_CURRENCY';

type QuoteOut = { quoteId: string; sell: JsonMoney; buy: JsonMoney };
type ConvertOut = ConversionOut;

export function convertCurrencyFlow(deps: JourneyDeps): FlowDefinition<ConvertInput> {
  const toleranceBp = BigInt(deps.requoteToleranceBp ?? 50);
  return {
    type: CONVERT_CURRENCY,

    validate(raw, principal): ConvertInput {
      const customerId = customerPrincipal(principal);
      const input = record(raw);
      const sell = record(input.sellAmount ?? {});
      const sellAmount = amountInput('sellAmount', sell.amount, sell.currency);
      const buy = currencyCode('buy', input.buy);
      if (buy === sellAmount.currency) throw badUserInput('buy', 'buy and sell currencies must differ');
      return { customerId, walletId: text('walletId', input.walletId, 64), sellAmount: toJsonMoney(sellAmount), buy };
    },

    customerOf: (input) => input.customerId,

    steps: [
      {
        name: 'quoteConversion',
        readOnly: true,
        async run(ctx): Promise<QuoteOut> {
          const sellAmount = fromJsonMoney(ctx.input.sellAmount);
          const q = await deps.fxWallet.createQuote({ sell: sellAmount.currency, buy: ctx.input.buy, sellAmount, reference: ctx.reference });
          return { quoteId: q.id, sell: toJsonMoney(q.sell), buy: toJsonMoney(q.buy) };
        },
      },
      {
        name: 'convertPockets',
        async run(ctx): Promise<ConvertOut> {
          const quote = ctx.state.quoteConversion as QuoteOut;
          const attempt = async (quoteId: string, reference: string, requoted: boolean): Promise<ConvertOut> => {
            try {
              const done = await deps.fxWallet.convert({ quoteId, walletId: ctx.input.walletId, reference });
              return { conversionId: done.conversionId, sold: toJsonMoney(done.sell), bought: toJsonMoney(done.buy), requoted };
            } catch (err) {
              if (err instanceof BankError && err.code === ErrorCode.INSUFFICIENT_FUNDS) {
                throw new StepRejected('INSUFFICIENT_FUNDS', `the ${ctx.input.sellAmount.currency} pocket does not hold enough`);
              }
              throw err;
            }
          };
          const sellAmount = fromJsonMoney(ctx.input.sellAmount);
          // The customer fixed what they sell: a re-quote must still buy what the first quote promised, less the tolerance.
          return convertWithRequote({
            reference: ctx.reference,
            quoteId: quote.quoteId,
            promised: { side: 'buy', minor: BigInt(quote.buy.minor) },
            toleranceBp,
            convert: attempt,
            requote: async (reference) => quoteTerms(await deps.fxWallet.createQuote({ sell: sellAmount.currency, buy: ctx.input.buy, sellAmount, reference })),
          });
        },
        recover: (ctx) => findConversion(deps.fxWallet, ctx.reference),
      },
    ],

    result(rec): Json {
      const done = rec.state.convertPockets as ConvertOut | undefined;
      return { sold: done?.sold ?? null, bought: done?.bought ?? null, requoted: done?.requoted ?? false };
    },
  };
}
