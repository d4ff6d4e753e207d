import { createHash } from 'node:crypto';

/**
 * The card processor's sandbox data (legacy/SANDBOX.md), in Marqeta Core API v3's shapes: users (the bank's
 * customer id as the client-chosen user token), card products, cards and velocity controls. Deterministic, built
 * fresh for every simulator instance so tests never see each other's writes.
 */

/** Marqeta's card states (card_response.state). */
export type CardState = 'UNACTIVATED' | 'ACTIVE' | 'SUSPENDED' | 'TERMINATED' | 'LIMITED' | 'UNSUPPORTED';
/** Marqeta's fulfillment statuses (card_response.fulfillment_status). */
export type FulfillmentStatus = 'ISSUED' | 'ORDERED' | 'REORDERED' | 'REJECTED' | 'SHIPPED' | 'DELIVERED' | 'DIGITALLY_PRESENTED';
export type InstrumentType = 'PHYSICAL_MSR' | 'PHYSICAL_ICC' | 'PHYSICAL_CONTACTLESS' | 'PHYSICAL_COMBO' | 'VIRTUAL_PAN';

export interface SimUser {
  readonly token: string;
  readonly active: boolean;
  readonly status: 'UNVERIFIED' | 'LIMITED' | 'ACTIVE' | 'SUSPENDED' | 'CLOSED';
  readonly created_time: string;
  readonly last_modified_time: string;
  readonly first_name?: string;
  readonly last_name?: string;
}

export interface SimCardProduct {
  readonly token: string;
  readonly name: string;
  readonly active: boolean;
  readonly start_date: string;
  readonly instrument: InstrumentType;
  readonly created_time: string;
  readonly last_modified_time: string;
}

/** A card as the processor keeps it: the full PAN, which the API shows only with show_pan=true. */
export interface SimCard {
  token: string;
  user_token: string;
  card_product_token: string;
  pan: string;
  /** "MMYY". */
  expiration: string;
  state: CardState;
  state_reason: string;
  fulfillment_status: FulfillmentStatus;
  instrument_type: InstrumentType;
  pin_is_set: boolean;
  created_time: string;
  last_modified_time: string;
}

export interface SimVelocityControl {
  readonly token: string;
  readonly name: string;
  readonly association: { readonly user_token?: string; readonly card_product_token?: string };
  readonly currency_code: string;
  /** Major units, a JSON number, as Marqeta sends it. */
  readonly amount_limit: number;
  readonly velocity_window: 'DAY' | 'WEEK' | 'MONTH' | 'LIFETIME' | 'TRANSACTION';
  readonly active: boolean;
}

export const CUSTOMER_COUNT = 24;
export const SANDBOX_TIME = '2024-01-01T09:00:00Z';

/** The sandbox program's card products (tokens are installation-specific: bankgraph reads them from configuration). */
export function seedCardProducts(): SimCardProduct[] {
  const product = (token: string, name: string, instrument: InstrumentType): SimCardProduct => ({
    token,
    name,
    active: true,
    start_date: '2023-01-01',
    instrument,
    created_time: SANDBOX_TIME,
    last_modified_time: SANDBOX_TIME,
  });
  return [
    product('sandbox-debit-classic', 'Debit Classic (VISA)', 'PHYSICAL_COMBO'),
    product('sandbox-debit-virtual', 'Debit Virtual (VISA)', 'VIRTUAL_PAN'),
    product('sandbox-credit-gold', 'Credit Gold (Mastercard)', 'PHYSICAL_COMBO'),
  ];
}

/** Daily spending limits of the sandbox program, one per card product (legacy/SANDBOX.md). */
export function seedVelocityControls(): SimVelocityControl[] {
  const control = (token: string, product: string, amount: number): SimVelocityControl => ({
    token,
    name: `daily limit ${product}`,
    association: { card_product_token: product },
    currency_code: 'EUR',
    amount_limit: amount,
    velocity_window: 'DAY',
    active: true,
  });
  return [
    control('vc-debit-classic-day', 'sandbox-debit-classic', 2500),
    control('vc-debit-virtual-day', 'sandbox-debit-virtual', 1000),
    control('vc-credit-gold-day', 'sandbox-credit-gold', 5000),
  ];
}

export function customerRef(n: number): string {
  return `cust-${String(n).padStart(4, '0')}`;
}

/** Every sandbox customer is a card holder (user) of the program, whether or not it holds a card. */
export function seedUsers(): SimUser[] {
  return Array.from({ length: CUSTOMER_COUNT }, (_, i) => ({
    token: customerRef(i + 1),
    active: true,
    status: 'ACTIVE' as const,
    created_time: SANDBOX_TIME,
    last_modified_time: SANDBOX_TIME,
  }));
}

/** The Luhn check digit that completes `partial` (the digits without their check digit). */
export function luhnCheckDigit(partial: string): string {
  let sum = 0;
  // Walking from the right, the digit next to the (future) check digit is doubled.
  for (let i = partial.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(partial[i]);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(pan: string): boolean {
  return /^\d{12,19}$/.test(pan) && luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}

/** A valid 16-digit PAN derived from the card token alone: the same token always gives the same PAN. */
export function panFromToken(token: string, mastercard: boolean): string {
  const hash = createHash('sha256').update(`pan:${token}`).digest();
  let body = mastercard ? `5${1 + (hash[0]! % 5)}` : '4';
  for (let i = 1; body.length < 15; i++) body += String(hash[i]! % 10);
  return body + luhnCheckDigit(body);
}

/** "MMYY" of the month `years` after `from` (cards issued today expire in four years). */
export function expirationAfter(from: Date, years: number): string {
  const mm = String(from.getUTCMonth() + 1).padStart(2, '0');
  const yy = String((from.getUTCFullYear() + years) % 100).padStart(2, '0');
  return `${mm}${yy}`;
}

/** The PAN as Marqeta shows it without show_pan: the first six and the last four digits. */
export function maskedPan(pan: string): string {
  return `${pan.slice(0, 6)}${'_'.repeat(pan.length - 10)}${pan.slice(-4)}`;
}

/** Marqeta's expiration_time for an "MMYY" expiration: the last second of that month, UTC. */
export function expirationTime(expiration: string): string {
  const month = Number(expiration.slice(0, 2));
  const year = 2000 + Number(expiration.slice(2));
  const last = new Date(Date.UTC(year, month, 0, 23, 59, 59));
  return last.toISOString().replace('.000Z', 'Z');
}

function seeded(token: string, user: string, pan: string, expiration: string, state: CardState, product: string, created: string): SimCard {
  return {
    token,
    user_token: user,
    card_product_token: product,
    pan,
    expiration,
    state,
    state_reason: state === 'SUSPENDED' ? 'Suspended by the card holder' : 'New card',
    // Seeded cards were delivered a week after issue.
    fulfillment_status: 'DELIVERED',
    instrument_type: 'PHYSICAL_COMBO',
    pin_is_set: true,
    created_time: created,
    last_modified_time: created,
  };
}

/**
 * The seeded cards, in creation order: cust-0001 has the two cards of SANDBOX.md; every other odd customer N has one
 * ACTIVE VISA Debit Classic card `crd_00NN01`; even customers have none.
 */
export function seedCards(): SimCard[] {
  const cards: SimCard[] = [
    seeded('crd_000101', 'cust-0001', '4111111111111111', '0928', 'ACTIVE', 'sandbox-debit-classic', '2024-09-02T09:00:00Z'),
    seeded('crd_000102', 'cust-0001', '5555555555554444', '0327', 'SUSPENDED', 'sandbox-credit-gold', '2023-03-14T09:00:00Z'),
  ];
  for (let n = 3; n <= CUSTOMER_COUNT; n += 2) {
    const nn = String(n).padStart(4, '0');
    const body = `400000${nn}01000`; // 15 digits: VISA test range, customer number, card sequence
    const month = String(((n * 5) % 12) + 1).padStart(2, '0');
    const created = new Date(Date.UTC(2025, 0, n, 9, 0, 0)).toISOString().replace('.000Z', 'Z');
    cards.push(seeded(`crd_${nn}01`, customerRef(n), body + luhnCheckDigit(body), `${month}29`, 'ACTIVE', 'sandbox-debit-classic', created));
  }
  return cards;
}
