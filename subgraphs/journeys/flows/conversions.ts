import type { FxWalletConnector } from '../../../connectors/fx-wallet/index.js';
import type { Money } from '../../../lib/money.js';
import type { QuoteTerms } from '../blocks/requote.js';
import { toJsonMoney, type JsonMoney } from './inputs.js';

/** A conversion a journey made: from its own quote, or from a re-quote after that one expired. */
export type ConversionOut = { conversionId: string; sold: JsonMoney; bought: JsonMoney; requoted: boolean };

/**
 * What became of a conversion a step sent under `reference` (or, after an expired quote, under
 * `<reference>.requote`): the completed conversion, or null when neither happened. A step's `recover`.
 */
export async function findConversion(fxWallet: FxWalletConnector, reference: string): Promise<ConversionOut | null> {
  for (const [ref, requoted] of [[reference, false], [`${reference}.requote`, true]] as const) {
    const found = await fxWallet.findConversion(ref);
    if (found && found.status === 'COMPLETED') {
      return { conversionId: found.conversionId, sold: toJsonMoney(found.sell), bought: toJsonMoney(found.buy), requoted };
    }
  }
  return null;
}

/** A wallet quote as the re-quote block weighs it. */
export function quoteTerms(q: { id: string; sell: Money; buy: Money }): QuoteTerms {
  return { quoteId: q.id, sellMinor: q.sell.minor, buyMinor: q.buy.minor };
}
