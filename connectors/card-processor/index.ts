import type { Card } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { LegacyHttpClient, type BreakerOptions, type LegacyCall, type RetryOptions } from '../http.js';
import { chunks, listable, tuning } from '../util.js';
import { mapCardProcessorError, normaliseCard, normaliseCardList, STATE_OF, SYSTEM } from './wire.js';

/**
 * The card processor connector: the only code that speaks the processor's /v2 dialect. It returns bank-wide `Card`s
 * and never lets the full PAN out (the wire type lives in ./wire.ts and is not exported from here).
 *
 * Reads are batched (one call per 200 customers or cards); writes carry the caller's reference as the processor's
 * `request_ref`, which it honours, so they are safe to retry. After a timeout, `findRequest` tells whether a
 * reference took effect.
 */

export interface CardProcessorConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  /** Sent as X-Api-Key (the sandbox key is "sandbox-card-key"). */
  readonly apiKey: string;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

/** The most ids the processor takes in one batch read. */
export const CARD_BATCH_LIMIT = 200;

/** The reason the processor records for state changes made through bankgraph (our API takes none). */
const STATE_CHANGE_REASON = 'CUSTOMER_REQUEST';

export class CardProcessorConnector {
  readonly http: LegacyHttpClient;

  constructor(options: CardProcessorConnectorOptions) {
    const { apiKey } = options;
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      headers: () => ({ 'x-api-key': apiKey }),
      mapError: mapCardProcessorError,
    });
  }

  /** The cards of each customer, in input order (a customer without cards gets []). One call per 200 customers. */
  async getCardsOfCustomers(customerIds: readonly string[]): Promise<Card[][]> {
    const unique = [...new Set(customerIds)].filter(listable);
    const lists = await Promise.all(chunks(unique, CARD_BATCH_LIMIT).map((ids) => this.list('customer_refs', ids)));
    const byCustomer = new Map<string, Card[]>(unique.map((id) => [id, []]));
    for (const card of lists.flat()) byCustomer.get(card.customerId)?.push(card);
    return customerIds.map((id) => [...(byCustomer.get(id) ?? [])]);
  }

  /** The cards with these ids, in input order, null for an unknown id. One call per 200 ids. */
  async getCards(cardIds: readonly string[]): Promise<(Card | null)[]> {
    const unique = [...new Set(cardIds)].filter(listable);
    const lists = await Promise.all(chunks(unique, CARD_BATCH_LIMIT).map((ids) => this.list('card_ids', ids)));
    const byId = new Map<string, Card>();
    for (const card of lists.flat()) byId.set(card.id, card);
    return cardIds.map((id) => byId.get(id) ?? null);
  }

  /** Issues a new (inactive) card. `reference` is the idempotency reference: the same one returns the same card. */
  async issueCard(input: { customerId: string; product: string; reference: string }): Promise<Card> {
    return this.card({
      method: 'POST',
      path: '/v2/cards',
      route: 'POST /v2/cards',
      body: { customer_ref: input.customerId, product_code: input.product, request_ref: input.reference },
      idempotent: true,
    });
  }

  /** Activates an issued card (INACTIVE -> ACTIVE). Repeating with the same reference answers with the card. */
  async activateCard(cardId: string, reference: string): Promise<Card> {
    return this.card({
      method: 'POST',
      path: `/v2/cards/${encodeURIComponent(cardId)}/activation`,
      route: 'POST /v2/cards/:card_id/activation',
      body: { request_ref: reference },
      idempotent: true,
    });
  }

  /** Freezes (FROZEN), unfreezes (ACTIVE) or closes (CLOSED) a card. A closed card stays closed (UPSTREAM_REJECTED). */
  async setCardStatus(cardId: string, status: 'ACTIVE' | 'FROZEN' | 'CLOSED', reference: string): Promise<Card> {
    const state = STATE_OF[status];
    return this.card({
      method: 'PUT',
      path: `/v2/cards/${encodeURIComponent(cardId)}/state`,
      route: 'PUT /v2/cards/:card_id/state',
      body: { state, reason: STATE_CHANGE_REASON, request_ref: reference },
      idempotent: true,
    });
  }

  /**
   * What became of a write made with this reference: the card it concerned when the processor carried it out, null
   * when the processor never saw the reference (so the write can be sent again, with the same reference).
   */
  async findRequest(reference: string): Promise<{ cardId: string } | null> {
    const route = 'GET /v2/requests/:request_ref';
    let body: unknown;
    try {
      body = await this.http.json<unknown>({
        method: 'GET',
        path: `/v2/requests/${encodeURIComponent(reference)}`,
        route,
        idempotent: true,
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.detail.status === 404) return null;
      throw err;
    }
    const cardId = typeof body === 'object' && body !== null ? (body as { card_id?: unknown }).card_id : undefined;
    if (typeof cardId !== 'string' || cardId === '') {
      throw new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, {
        route,
        legacyMessage: 'request record without card_id',
      });
    }
    return { cardId };
  }

  /** Closes the keep-alive pool. */
  async close(): Promise<void> {
    await this.http.close();
  }

  private async list(param: 'customer_refs' | 'card_ids', ids: readonly string[]): Promise<Card[]> {
    const route = `GET /v2/cards?${param}`;
    const query = ids.map(encodeURIComponent).join(',');
    const body = await this.http.json<unknown>({ method: 'GET', path: `/v2/cards?${param}=${query}`, route, idempotent: true });
    return normaliseCardList(body, route);
  }

  private async card(call: LegacyCall): Promise<Card> {
    return normaliseCard(await this.http.json<unknown>(call), call.route);
  }
}
