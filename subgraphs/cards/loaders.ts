import DataLoader from 'dataloader';
import type { CardProcessorConnector } from '../../connectors/card-processor/index.js';
import type { Card } from '../../lib/domain.js';

/** Per-request DataLoaders over the card processor's batch lookups (never shared between requests). */
export interface CardsLoaders {
  readonly cardsOfCustomer: DataLoader<string, readonly Card[]>;
  readonly card: DataLoader<string, Card | null>;
}

export function createCardsLoaders(cardProcessor: CardProcessorConnector): CardsLoaders {
  const card = new DataLoader<string, Card | null>((ids) => cardProcessor.getCards(ids));
  return {
    cardsOfCustomer: new DataLoader(async (customerIds) => {
      const lists = await cardProcessor.getCardsOfCustomers(customerIds);
      for (const list of lists) for (const c of list) card.prime(c.id, c);
      return lists;
    }),
    card,
  };
}
