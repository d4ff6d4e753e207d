import {
  expirationAfter,
  maskedPan,
  expirationTime,
  panFromToken,
  seedCardProducts,
  seedCards,
  seedUsers,
  seedVelocityControls,
  type CardState,
  type FulfillmentStatus,
  type SimCard,
  type SimCardProduct,
  type SimUser,
  type SimVelocityControl,
} from './data.js';

/**
 * The card processor's state, with Marqeta's rules: a card needs a user and an active card product; tokens are
 * client-chosen (up to 36 characters) and a token names one resource for good: the same request again with the same
 * token answers the resource as it was created, another request with that token is 409. State changes are card
 * transitions, each with its own token, and follow Marqeta's state machine.
 */

/** A refusal in Marqeta's error shape: `{ error_code, error_message }`. */
export class MarqetaError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SimTransition {
  readonly token: string;
  readonly card_token: string;
  readonly user_token: string;
  readonly state: 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
  readonly reason?: string;
  readonly reason_code?: string;
  readonly channel: string;
  readonly type: string;
  readonly created_time: string;
}

/** Fulfillment steps a physical card takes by itself, one per FULFILLMENT_STEP_MS; DELIVERED comes from the carrier. */
export const FULFILLMENT_STEP_MS = 30_000;
const AUTOMATIC: readonly FulfillmentStatus[] = ['ISSUED', 'ORDERED', 'SHIPPED'];

/** Marqeta's card state machine, as far as a transition can ask for it. */
const MOVES: Readonly<Record<CardState, readonly SimTransition['state'][]>> = {
  UNACTIVATED: ['ACTIVE', 'SUSPENDED', 'TERMINATED'],
  ACTIVE: ['SUSPENDED', 'TERMINATED'],
  SUSPENDED: ['ACTIVE', 'TERMINATED'],
  LIMITED: ['ACTIVE', 'SUSPENDED', 'TERMINATED'],
  UNSUPPORTED: ['TERMINATED'],
  TERMINATED: [],
};

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export class CardStore {
  private readonly users = new Map<string, SimUser>();
  private readonly products = new Map<string, SimCardProduct>();
  private readonly cards = new Map<string, SimCard>();
  private readonly transitions = new Map<string, SimTransition>();
  private readonly controls: SimVelocityControl[];
  /** When each card's fulfillment last moved (ms). */
  private readonly fulfilledAt = new Map<string, number>();
  /** The request each created token answered, so a repeat is recognised. */
  private readonly payloads = new Map<string, string>();

  constructor(private readonly now: () => Date) {
    for (const u of seedUsers()) this.users.set(u.token, u);
    for (const p of seedCardProducts()) this.products.set(p.token, p);
    for (const c of seedCards()) this.cards.set(c.token, c);
    this.controls = seedVelocityControls();
  }

  user(token: string): SimUser {
    const user = this.users.get(token);
    if (!user) throw new MarqetaError(404, '404', `Cannot find user with token ${token}`);
    return user;
  }

  /** Creates a user; the same token with the same payload again answers the same user (`created: false`). */
  createUser(fields: { token: string; first_name?: string; last_name?: string }, payload: string): { user: SimUser; created: boolean } {
    const existing = this.users.get(fields.token);
    if (existing) return { user: this.repeat(`user:${fields.token}`, payload, existing), created: false };
    const at = iso(this.now());
    const user: SimUser = { ...fields, active: true, status: 'ACTIVE', created_time: at, last_modified_time: at };
    this.users.set(user.token, user);
    this.payloads.set(`user:${user.token}`, payload);
    return { user, created: true };
  }

  product(token: string): SimCardProduct {
    const product = this.products.get(token);
    if (!product) throw new MarqetaError(404, '404', `Cannot find card product with token ${token}`);
    return product;
  }

  card(token: string): SimCard {
    const card = this.cards.get(token);
    if (!card) throw new MarqetaError(404, '404', `Cannot find card with token ${token}`);
    this.catchUp(card);
    return card;
  }

  /** A user's cards, newest change first (Marqeta's default sort, -lastModifiedTime). */
  cardsOfUser(userToken: string): SimCard[] {
    const cards = [...this.cards.values()].filter((c) => c.user_token === userToken);
    cards.forEach((c) => this.catchUp(c));
    return cards.sort((a, b) => (a.last_modified_time < b.last_modified_time ? 1 : a.last_modified_time > b.last_modified_time ? -1 : a.token < b.token ? 1 : -1));
  }

  /** Issues a card, UNACTIVATED; the same token and payload again answers that card (`created: false`). */
  createCard(fields: { token: string; user_token: string; card_product_token: string }, payload: string): { card: SimCard; created: boolean } {
    const existing = this.cards.get(fields.token);
    if (existing) return { card: this.repeat(`card:${fields.token}`, payload, this.card(fields.token)), created: false };
    const user = this.user(fields.user_token);
    if (!user.active) throw new MarqetaError(400, '400', `User ${user.token} is not active`);
    const product = this.product(fields.card_product_token);
    if (!product.active) throw new MarqetaError(400, '400', `Card product ${product.token} is not active`);
    const now = this.now();
    const at = iso(now);
    const card: SimCard = {
      token: fields.token,
      user_token: user.token,
      card_product_token: product.token,
      pan: panFromToken(fields.token, product.token.includes('credit')),
      expiration: expirationAfter(now, 4),
      state: 'UNACTIVATED',
      state_reason: 'New card',
      fulfillment_status: 'ISSUED',
      instrument_type: product.instrument,
      pin_is_set: false,
      created_time: at,
      last_modified_time: at,
    };
    this.cards.set(card.token, card);
    this.fulfilledAt.set(card.token, now.getTime());
    this.payloads.set(`card:${card.token}`, payload);
    return { card, created: true };
  }

  transition(token: string): SimTransition {
    const transition = this.transitions.get(token);
    if (!transition) throw new MarqetaError(404, '404', `Cannot find card transition with token ${token}`);
    return transition;
  }

  /** A card transition; the same token and payload again answers the transition already made. */
  transitionCard(
    fields: { token: string; card_token: string; state: SimTransition['state']; channel: string; reason?: string; reason_code?: string },
    payload: string,
  ): { transition: SimTransition; card: SimCard; created: boolean } {
    const existing = this.transitions.get(fields.token);
    if (existing) {
      const transition = this.repeat(`transition:${fields.token}`, payload, existing);
      return { transition, card: this.card(transition.card_token), created: false };
    }
    const card = this.card(fields.card_token);
    const user = this.user(card.user_token);
    if (!user.active) throw new MarqetaError(422, '422', 'Cardholder not active');
    if (!MOVES[card.state].includes(fields.state)) {
      throw new MarqetaError(400, '400', `Card ${card.token} cannot move from ${card.state} to ${fields.state}`);
    }
    const before = card.state;
    const at = iso(this.now());
    card.state = fields.state;
    card.state_reason = fields.reason ?? card.state_reason;
    card.last_modified_time = at;
    const transition: SimTransition = {
      token: fields.token,
      card_token: card.token,
      user_token: card.user_token,
      state: fields.state,
      ...(fields.reason !== undefined ? { reason: fields.reason } : {}),
      ...(fields.reason_code !== undefined ? { reason_code: fields.reason_code } : {}),
      channel: fields.channel,
      type: typeOf(before, fields.state),
      created_time: at,
    };
    this.transitions.set(transition.token, transition);
    this.payloads.set(`transition:${transition.token}`, payload);
    return { transition, card, created: true };
  }

  /** The velocity controls that apply to a user: its own, those of its cards' products, and the program's. */
  controlsOfUser(userToken: string): SimVelocityControl[] {
    const products = new Set([...this.cards.values()].filter((c) => c.user_token === userToken).map((c) => c.card_product_token));
    return this.controls.filter(
      (v) =>
        v.association.user_token === userToken ||
        (v.association.card_product_token !== undefined && products.has(v.association.card_product_token)) ||
        (v.association.user_token === undefined && v.association.card_product_token === undefined),
    );
  }

  /** Admin (not Marqeta's API): the carrier's next step at once, up to DELIVERED. */
  advanceFulfillment(token: string): SimCard {
    const card = this.card(token);
    const order: readonly FulfillmentStatus[] = [...AUTOMATIC, 'DELIVERED'];
    const next = order[order.indexOf(card.fulfillment_status) + 1];
    if (!next) throw new MarqetaError(400, '400', `Card ${token} has no further fulfillment step`);
    card.fulfillment_status = next;
    card.last_modified_time = iso(this.now());
    this.fulfilledAt.set(token, this.now().getTime());
    return card;
  }

  /** The card as Marqeta's API shows it: the PAN masked unless `showPan`. */
  view(card: SimCard, showPan: boolean): Record<string, unknown> {
    const { pan, ...rest } = card;
    return {
      ...rest,
      last_four: pan.slice(-4),
      pan: showPan ? pan : maskedPan(pan),
      expiration_time: expirationTime(card.expiration),
      barcode: card.token.replace(/\W/g, '').toUpperCase().slice(0, 20),
      expedite: false,
    };
  }

  /** A repeat with the same token: the same payload answers what it answered; another payload is refused. */
  private repeat<T>(key: string, payload: string, value: T): T {
    if (this.payloads.has(key) && this.payloads.get(key) !== payload) {
      throw new MarqetaError(409, '409', 'Token already associated with a different payload');
    }
    return value;
  }

  /** A physical card's fulfillment moves on with the clock, one step per FULFILLMENT_STEP_MS, up to SHIPPED. */
  private catchUp(card: SimCard): void {
    if (card.instrument_type === 'VIRTUAL_PAN') return;
    const since = this.fulfilledAt.get(card.token);
    if (since === undefined) return;
    const now = this.now().getTime();
    let i = AUTOMATIC.indexOf(card.fulfillment_status);
    let at = since;
    while (i >= 0 && i < AUTOMATIC.length - 1 && now - at >= FULFILLMENT_STEP_MS) {
      i += 1;
      at += FULFILLMENT_STEP_MS;
    }
    if (at !== since) {
      card.fulfillment_status = AUTOMATIC[i]!;
      card.last_modified_time = iso(new Date(at));
      this.fulfilledAt.set(card.token, at);
    }
  }
}

/** Marqeta's transition type for a move (card_transition_response.type). */
function typeOf(from: CardState, to: SimTransition['state']): string {
  if (to === 'ACTIVE') return from === 'UNACTIVATED' ? 'state.activated' : 'state.reinstated';
  return to === 'SUSPENDED' ? 'state.suspended' : 'state.terminated';
}
