import { createHash } from 'node:crypto';
import type { Card } from '../../lib/domain.js';
import { ErrorCode, UpstreamError } from '../../lib/errors.js';
import { LegacyHttpClient, type BreakerOptions, type RetryOptions } from '../http.js';
import { listable, tuning } from '../util.js';
import {
  badResponse,
  isObject,
  mapCardProcessorError,
  normaliseCard,
  readPage,
  readVelocityControls,
  SYSTEM,
  TRANSITION_STATE_OF,
  type CardProductConfig,
  type WireVelocityControl,
} from './wire.js';

export type { CardProductConfig } from './wire.js';

/**
 * The card processor connector: the only code that speaks Marqeta's Core API v3 (`/v3`). It returns bank-wide
 * `Card`s and never lets a PAN in: it never asks for one (`show_pan` stays false) and reads only `last_four`.
 *
 * Marqeta's terms, and how bankgraph keeps its promises in them:
 * - A card holder is a Marqeta user whose token is the bank's customer id; issuing a card for a customer Marqeta
 *   does not know yet creates the user first.
 * - Idempotency is Marqeta's own: every write carries a client-chosen token derived from the caller's reference
 *   (`crd_…` for a card, `trn_…` for a card transition), so a repeat with the same reference names the same
 *   resource, and `findRequest` asks Marqeta whether that token exists.
 * - Marqeta has no read of many users' cards at once: one paged `GET /cards/user/{token}` per customer (DataLoader
 *   gathers the customers of one request), plus the velocity controls that give each card its daily limit.
 */

export interface CardProcessorConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  /** HTTP Basic user: the program's application token. */
  readonly applicationToken: string;
  /** HTTP Basic password: an admin access token. */
  readonly accessToken: string;
  /** The card products this bank issues (installation-specific tokens, from CARD_PROCESSOR_CARD_PRODUCTS). */
  readonly products: readonly CardProductConfig[];
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

/** Marqeta's largest page. */
const PAGE_SIZE = 10;
/** Why bankgraph changes a card's state (Marqeta's reason code 01, "requested by you"), and activation (00). */
const REASON_REQUESTED = '01';
const REASON_ACTIVATION = '00';

/** A Marqeta token (at most 36 characters) for a resource made under the caller's reference. */
export function tokenFor(kind: 'card' | 'transition', reference: string): string {
  const digest = createHash('sha256').update(`${kind}:${reference}`).digest('hex').slice(0, 32);
  return `${kind === 'card' ? 'crd' : 'trn'}_${digest}`;
}

function notFound(err: unknown): boolean {
  return err instanceof UpstreamError && err.code === ErrorCode.NOT_FOUND;
}

export class CardProcessorConnector {
  readonly http: LegacyHttpClient;
  private readonly byCode: ReadonlyMap<string, CardProductConfig>;
  private readonly byToken: ReadonlyMap<string, CardProductConfig>;

  constructor(options: CardProcessorConnectorOptions) {
    const basic = `Basic ${Buffer.from(`${options.applicationToken}:${options.accessToken}`).toString('base64')}`;
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      headers: () => ({ authorization: basic }),
      mapError: mapCardProcessorError,
    });
    this.byCode = new Map(options.products.map((p) => [p.code, p]));
    this.byToken = new Map(options.products.map((p) => [p.token, p]));
  }

  /** The product codes this installation issues (CARD_PROCESSOR_CARD_PRODUCTS), in configuration order. */
  get productCodes(): readonly string[] {
    return [...this.byCode.keys()];
  }

  /** The cards of each customer, in input order (a customer without cards, or unknown to Marqeta, gets []). */
  async getCardsOfCustomers(customerIds: readonly string[]): Promise<Card[][]> {
    const unique = [...new Set(customerIds)].filter(listable);
    const lists = await Promise.all(unique.map(async (id) => [id, await this.cardsOfUser(id)] as const));
    const byCustomer = new Map(lists);
    return customerIds.map((id) => [...(byCustomer.get(id) ?? [])]);
  }

  /** The cards with these ids (Marqeta card tokens), in input order, null for an unknown id. One call per card. */
  async getCards(cardIds: readonly string[]): Promise<(Card | null)[]> {
    const unique = [...new Set(cardIds)].filter(listable);
    const raws = await Promise.all(
      unique.map(async (id) => {
        try {
          return [id, await this.http.json<unknown>({ method: 'GET', path: `/v3/cards/${encodeURIComponent(id)}`, route: 'GET /v3/cards/:token', idempotent: true })] as const;
        } catch (err) {
          if (notFound(err)) return [id, null] as const;
          throw err;
        }
      }),
    );
    const users = [...new Set(raws.map(([, raw]) => (isObject(raw) && typeof raw.user_token === 'string' ? raw.user_token : null)).filter((u): u is string => u !== null))];
    const controls = new Map(await Promise.all(users.map(async (u) => [u, await this.controlsOfUser(u)] as const)));
    const byId = new Map<string, Card>();
    for (const [id, raw] of raws) {
      if (raw === null) continue;
      const user = isObject(raw) && typeof raw.user_token === 'string' ? raw.user_token : '';
      byId.set(id, normaliseCard(raw, 'GET /v3/cards/:token', this.byToken, controls.get(user) ?? []));
    }
    return cardIds.map((id) => byId.get(id) ?? null);
  }

  /**
   * Issues a new (UNACTIVATED) card of `product` (our code) to the customer. `reference` is the idempotency
   * reference: the card's token is derived from it, so the same reference always names the same card.
   */
  async issueCard(input: { customerId: string; product: string; reference: string }): Promise<Card> {
    const product = this.byCode.get(input.product);
    if (!product) throw new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, { route: 'POST /v3/cards', legacyMessage: `no card product configured for ${input.product}` });
    await this.ensureUser(input.customerId);
    const token = tokenFor('card', input.reference);
    const route = 'POST /v3/cards';
    let raw: unknown;
    try {
      raw = await this.http.json<unknown>({
        method: 'POST',
        path: '/v3/cards?show_pan=false',
        route,
        body: { token, user_token: input.customerId, card_product_token: product.token },
        idempotent: true,
      });
    } catch (err) {
      // 409: the token exists. If it is this very card (an answer lost, then sent again), it is the answer.
      if (!(err instanceof UpstreamError && err.detail.status === 409)) throw err;
      const [existing] = await this.getCards([token]);
      if (existing && existing.customerId === input.customerId && existing.product === input.product) return existing;
      throw err;
    }
    return normaliseCard(raw, route, this.byToken, await this.controlsOfUser(input.customerId));
  }

  /** Activates an issued card (UNACTIVATED -> ACTIVE). Repeating with the same reference answers with the card. */
  async activateCard(cardId: string, reference: string): Promise<Card> {
    await this.transition(cardId, 'ACTIVE', REASON_ACTIVATION, reference);
    return this.cardOrNotFound(cardId);
  }

  /** Freezes (FROZEN), unfreezes (ACTIVE) or closes (CLOSED) a card. A closed card stays closed (UPSTREAM_REJECTED). */
  async setCardStatus(cardId: string, status: 'ACTIVE' | 'FROZEN' | 'CLOSED', reference: string): Promise<Card> {
    await this.transition(cardId, TRANSITION_STATE_OF[status], REASON_REQUESTED, reference);
    return this.cardOrNotFound(cardId);
  }

  /**
   * What became of a write made with this reference: the card it concerned when Marqeta holds the card or the
   * transition the reference names, null when it holds neither (so the write can be sent again, same reference).
   */
  async findRequest(reference: string): Promise<{ cardId: string } | null> {
    const card = tokenFor('card', reference);
    try {
      await this.http.json<unknown>({ method: 'GET', path: `/v3/cards/${card}`, route: 'GET /v3/cards/:token', idempotent: true });
      return { cardId: card };
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    const route = 'GET /v3/cardtransitions/:token';
    let transition: unknown;
    try {
      transition = await this.http.json<unknown>({ method: 'GET', path: `/v3/cardtransitions/${tokenFor('transition', reference)}`, route, idempotent: true });
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
    if (!isObject(transition) || typeof transition.card_token !== 'string' || transition.card_token === '') {
      throw badResponse(route, 'card transition without card_token');
    }
    return { cardId: transition.card_token };
  }

  /** Closes the keep-alive pool. */
  async close(): Promise<void> {
    await this.http.close();
  }

  private async cardOrNotFound(cardId: string): Promise<Card> {
    const [card] = await this.getCards([cardId]);
    if (!card) throw new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this resource`, { route: 'GET /v3/cards/:token', status: 404 });
    return card;
  }

  /** A card transition with a token derived from the reference: a repeat names the transition already made. */
  private async transition(cardId: string, state: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED', reasonCode: string, reference: string): Promise<void> {
    await this.http.json<unknown>({
      method: 'POST',
      path: '/v3/cardtransitions',
      route: 'POST /v3/cardtransitions',
      body: { token: tokenFor('transition', reference), card_token: cardId, state, channel: 'API', reason_code: reasonCode },
      idempotent: true,
    });
  }

  /** The user exists before its first card: looked up, created when Marqeta does not know it (409: made meanwhile). */
  private async ensureUser(customerId: string): Promise<void> {
    try {
      await this.http.json<unknown>({ method: 'GET', path: `/v3/users/${encodeURIComponent(customerId)}`, route: 'GET /v3/users/:token', idempotent: true });
      return;
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    try {
      await this.http.json<unknown>({ method: 'POST', path: '/v3/users', route: 'POST /v3/users', body: { token: customerId }, idempotent: true });
    } catch (err) {
      if (!(err instanceof UpstreamError && err.detail.status === 409)) throw err;
    }
  }

  /** Every card of a user, page by page (Marqeta answers at most 10 at a time). */
  private async cardsOfUser(userToken: string): Promise<Card[]> {
    const route = 'GET /v3/cards/user/:token';
    const [raws, controls] = await Promise.all([this.allPages(`/v3/cards/user/${encodeURIComponent(userToken)}`, route), this.controlsOfUser(userToken)]);
    return raws.map((raw) => normaliseCard(raw, route, this.byToken, controls));
  }

  private async controlsOfUser(userToken: string): Promise<WireVelocityControl[]> {
    const route = 'GET /v3/velocitycontrols?user';
    return readVelocityControls(await this.allPages(`/v3/velocitycontrols?user=${encodeURIComponent(userToken)}`, route), route);
  }

  private async allPages(path: string, route: string): Promise<unknown[]> {
    const out: unknown[] = [];
    for (let start = 0; ; ) {
      const sep = path.includes('?') ? '&' : '?';
      let raw: unknown;
      try {
        raw = await this.http.json<unknown>({ method: 'GET', path: `${path}${sep}count=${PAGE_SIZE}&start_index=${start}`, route, idempotent: true });
      } catch (err) {
        // A user Marqeta does not know holds no cards and no controls of its own.
        if (notFound(err) && start === 0) return [];
        throw err;
      }
      const page = readPage(raw, route);
      out.push(...page.data);
      if (!page.isMore) return out;
      if (page.endIndex + 1 <= start) throw badResponse(route, 'a list page did not move forward');
      start = page.endIndex + 1;
    }
  }
}
