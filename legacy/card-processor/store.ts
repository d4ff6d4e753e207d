import {
  cardIdFromReference,
  expiryAfter,
  EUR_NUMERIC,
  panFromReference,
  productTerms,
  seedCards,
  type CardState,
  type FulfilmentStatus,
  type WireCard,
} from './data.js';

/**
 * The card processor's state and rules, apart from HTTP: cards, the state machine, fulfilment over time, and the
 * request references it has seen (idempotency, and "what became of this request" after a client timed out).
 */

export type ErrorType = 'card_not_found' | 'invalid_request' | 'invalid_state_transition' | 'processor_error' | 'unauthorized';

/** A refusal in the processor's own terms; server.ts turns it into the error body. */
export class ProcessorError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
  ) {
    super(message);
  }
}

export type RequestKind = 'card_issuance' | 'card_activation' | 'card_state_change';

export interface RequestRecord {
  readonly request_ref: string;
  readonly type: RequestKind;
  readonly status: 'SUCCEEDED';
  readonly card_id: string;
  readonly created_at: number;
  /** What was asked, to tell a replay from a reused reference. Not sent on the wire. */
  readonly fingerprint: string;
}

/** One wait between automatic fulfilment steps (REQUESTED -> PRODUCED -> SHIPPED). */
export const FULFILMENT_STEP_MS = 30_000;
const FULFILMENT_ORDER: readonly FulfilmentStatus[] = ['REQUESTED', 'PRODUCED', 'SHIPPED', 'DELIVERED'];
/** Time moves a card up to SHIPPED; delivery is only confirmed by the advance helper (a courier's scan). */
const LAST_AUTOMATIC_STEP = FULFILMENT_ORDER.indexOf('SHIPPED');

/** Allowed by PUT /state: ACTIVE <-> SUSPENDED, anything but TERMINATED -> TERMINATED. */
function canMove(from: CardState, to: CardState): boolean {
  if (from === 'TERMINATED') return false;
  if (to === 'TERMINATED') return true;
  return (from === 'ACTIVE' && to === 'SUSPENDED') || (from === 'SUSPENDED' && to === 'ACTIVE');
}

export class CardStore {
  private readonly cards = new Map<string, WireCard>();
  private readonly requests = new Map<string, RequestRecord>();

  constructor(private readonly now: () => Date) {
    for (const card of seedCards()) this.cards.set(card.card_id, card);
  }

  /** A card as of now (fulfilment caught up with the clock), or undefined. */
  find(cardId: string): WireCard | undefined {
    const card = this.cards.get(cardId);
    if (card) this.catchUpFulfilment(card);
    return card;
  }

  get(cardId: string): WireCard {
    const card = this.find(cardId);
    if (!card) throw new ProcessorError(404, 'card_not_found', `No card with card_id ${cardId}`);
    return card;
  }

  /** Every card of these customers, customer by customer in the order asked, each customer's cards oldest first. */
  byCustomers(refs: readonly string[]): WireCard[] {
    const wanted = new Set(refs);
    const all = [...this.cards.values()].filter((c) => wanted.has(c.customer_ref));
    all.forEach((c) => this.catchUpFulfilment(c));
    const out: WireCard[] = [];
    for (const ref of wanted) out.push(...all.filter((c) => c.customer_ref === ref).sort((a, b) => a.created_at - b.created_at));
    return out;
  }

  /** The cards with these ids that exist, in the order asked, each once. */
  byIds(ids: readonly string[]): WireCard[] {
    return [...new Set(ids)].map((id) => this.find(id)).filter((c): c is WireCard => c !== undefined);
  }

  request(ref: string): RequestRecord | undefined {
    return this.requests.get(ref);
  }

  /** Issues a card; the same request_ref with the same request returns the same card (`created: false`). */
  issue(customerRef: string, productCode: string, requestRef: string): { card: WireCard; created: boolean } {
    const fingerprint = `${customerRef}|${productCode}`;
    const replay = this.replay(requestRef, 'card_issuance', fingerprint);
    if (replay) return { card: this.get(replay.card_id), created: false };

    const now = this.now();
    const terms = productTerms(productCode);
    const card: WireCard = {
      card_id: cardIdFromReference(requestRef),
      customer_ref: customerRef,
      pan: panFromReference(requestRef, terms.network),
      expiry: expiryAfter(now, 4),
      state: 'UNACTIVATED',
      network: terms.network,
      product_code: productCode,
      fulfilment: { status: 'REQUESTED', updated_at: now.getTime() },
      spend_limits: { daily: { amount_minor: terms.dailyLimitMinor, currency_numeric: EUR_NUMERIC } },
      created_at: now.getTime(),
    };
    this.cards.set(card.card_id, card);
    this.record(requestRef, 'card_issuance', card.card_id, fingerprint);
    return { card, created: true };
  }

  /** UNACTIVATED -> ACTIVE; a replay of the same request_ref answers with the card as it is now. */
  activate(cardId: string, requestRef: string): WireCard {
    const card = this.get(cardId);
    if (this.replay(requestRef, 'card_activation', cardId)) return card;
    if (card.state !== 'UNACTIVATED') {
      throw new ProcessorError(409, 'invalid_state_transition', `Card ${cardId} is ${card.state} and cannot be activated`);
    }
    card.state = 'ACTIVE';
    this.record(requestRef, 'card_activation', cardId, cardId);
    return card;
  }

  setState(cardId: string, state: CardState, requestRef: string): WireCard {
    const card = this.get(cardId);
    if (this.replay(requestRef, 'card_state_change', `${cardId}|${state}`)) return card;
    if (!canMove(card.state, state)) {
      throw new ProcessorError(409, 'invalid_state_transition', `Card ${cardId} cannot move from ${card.state} to ${state}`);
    }
    card.state = state;
    this.record(requestRef, 'card_state_change', cardId, `${cardId}|${state}`);
    return card;
  }

  /** Test helper: the next fulfilment step at once (up to DELIVERED). */
  advanceFulfilment(cardId: string): WireCard {
    const card = this.get(cardId);
    const i = FULFILMENT_ORDER.indexOf(card.fulfilment.status);
    const next = FULFILMENT_ORDER[i + 1];
    if (!next) throw new ProcessorError(409, 'invalid_state_transition', `Card ${cardId} has already been delivered`);
    card.fulfilment = { status: next, updated_at: this.now().getTime() };
    return card;
  }

  /** Fulfilment is a function of time: one step per FULFILMENT_STEP_MS since the last one, up to SHIPPED. */
  private catchUpFulfilment(card: WireCard): void {
    const now = this.now().getTime();
    let i = FULFILMENT_ORDER.indexOf(card.fulfilment.status);
    let at = card.fulfilment.updated_at;
    while (i < LAST_AUTOMATIC_STEP && now - at >= FULFILMENT_STEP_MS) {
      i += 1;
      at += FULFILMENT_STEP_MS;
    }
    if (at !== card.fulfilment.updated_at) card.fulfilment = { status: FULFILMENT_ORDER[i]!, updated_at: at };
  }

  /** The earlier record when this is a replay; refuses a reference reused for another request. */
  private replay(requestRef: string, type: RequestKind, fingerprint: string): RequestRecord | undefined {
    const seen = this.requests.get(requestRef);
    if (!seen) return undefined;
    if (seen.type !== type || seen.fingerprint !== fingerprint) {
      throw new ProcessorError(409, 'invalid_request', `request_ref ${requestRef} was already used for a different request`);
    }
    return seen;
  }

  private record(requestRef: string, type: RequestKind, cardId: string, fingerprint: string): void {
    this.requests.set(requestRef, {
      request_ref: requestRef,
      type,
      status: 'SUCCEEDED',
      card_id: cardId,
      created_at: this.now().getTime(),
      fingerprint,
    });
  }
}
