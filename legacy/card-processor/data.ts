import { createHash } from 'node:crypto';

/**
 * The card processor's sandbox data (legacy/SANDBOX.md): deterministic, built fresh for every simulator instance so
 * tests never see each other's writes. This is the outside world's dialect: snake_case, full PANs, epoch millis,
 * amounts in minor units with ISO 4217 numeric currency codes.
 */

export type CardState = 'UNACTIVATED' | 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';
export type Network = 'VISA' | 'MASTERCARD';
export type FulfilmentStatus = 'REQUESTED' | 'PRODUCED' | 'SHIPPED' | 'DELIVERED';

export interface WireAmount {
  amount_minor: number;
  currency_numeric: string;
}

export interface WireCard {
  card_id: string;
  customer_ref: string;
  /** The full 16-digit PAN: the processor sends it, the connector must keep it to itself. */
  pan: string;
  /** "MMYY". */
  expiry: string;
  state: CardState;
  network: Network;
  product_code: string;
  fulfilment: { status: FulfilmentStatus; updated_at: number };
  spend_limits: { daily: WireAmount };
  created_at: number;
}

export const CUSTOMER_COUNT = 24;
export const EUR_NUMERIC = '978';

/** Products the processor knows; any other well-formed product code is issued as a VISA debit with the default limit. */
export const PRODUCTS: Readonly<Record<string, { network: Network; dailyLimitMinor: number }>> = {
  DEBIT_CLASSIC: { network: 'VISA', dailyLimitMinor: 250_000 },
  DEBIT_VIRTUAL: { network: 'VISA', dailyLimitMinor: 100_000 },
  CREDIT_GOLD: { network: 'MASTERCARD', dailyLimitMinor: 500_000 },
};

export function productTerms(productCode: string): { network: Network; dailyLimitMinor: number } {
  return (
    PRODUCTS[productCode] ?? {
      network: productCode.startsWith('CREDIT') ? 'MASTERCARD' : 'VISA',
      dailyLimitMinor: 250_000,
    }
  );
}

export function customerRef(n: number): string {
  return `cust-${String(n).padStart(4, '0')}`;
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

/** A valid 16-digit PAN derived from the request reference alone: the same reference always gives the same PAN. */
export function panFromReference(requestRef: string, network: Network): string {
  const hash = createHash('sha256').update(`pan:${requestRef}`).digest();
  const prefix = network === 'VISA' ? '4' : `5${1 + (hash[0]! % 5)}`;
  let body = prefix;
  for (let i = 1; body.length < 15; i++) body += String(hash[i]! % 10);
  return body + luhnCheckDigit(body);
}

/** The processor's card id for a card issued under this request reference. */
export function cardIdFromReference(requestRef: string): string {
  return `crd_${createHash('sha256').update(`card:${requestRef}`).digest('hex').slice(0, 16)}`;
}

/** "MMYY" of the month `years` after `from` (cards issued today expire in four years). */
export function expiryAfter(from: Date, years: number): string {
  const mm = String(from.getUTCMonth() + 1).padStart(2, '0');
  const yy = String((from.getUTCFullYear() + years) % 100).padStart(2, '0');
  return `${mm}${yy}`;
}

const DAY_MS = 86_400_000;

function seeded(
  card_id: string,
  customer_ref: string,
  pan: string,
  expiry: string,
  state: CardState,
  network: Network,
  product_code: string,
  dailyLimitMinor: number,
  created_at: number,
): WireCard {
  return {
    card_id,
    customer_ref,
    pan,
    expiry,
    state,
    network,
    product_code,
    // Seeded cards were delivered a week after issue.
    fulfilment: { status: 'DELIVERED', updated_at: created_at + 7 * DAY_MS },
    spend_limits: { daily: { amount_minor: dailyLimitMinor, currency_numeric: EUR_NUMERIC } },
    created_at,
  };
}

/**
 * The seeded cards, in creation order: cust-0001 has the two cards of SANDBOX.md; every other odd customer N has one
 * ACTIVE VISA DEBIT_CLASSIC card `crd_00NN01`; even customers have none.
 */
export function seedCards(): WireCard[] {
  const cards: WireCard[] = [
    seeded('crd_000101', 'cust-0001', '4111111111111111', '0928', 'ACTIVE', 'VISA', 'DEBIT_CLASSIC', 250_000, Date.UTC(2024, 8, 2, 9, 0, 0)),
    seeded('crd_000102', 'cust-0001', '5555555555554444', '0327', 'SUSPENDED', 'MASTERCARD', 'CREDIT_GOLD', 500_000, Date.UTC(2023, 2, 14, 9, 0, 0)),
  ];
  for (let n = 3; n <= CUSTOMER_COUNT; n += 2) {
    const nn = String(n).padStart(4, '0');
    const body = `400000${nn}01000`; // 15 digits: VISA test range, customer number, card sequence
    const month = String(((n * 5) % 12) + 1).padStart(2, '0');
    cards.push(
      seeded(`crd_${nn}01`, customerRef(n), body + luhnCheckDigit(body), `${month}29`, 'ACTIVE', 'VISA', 'DEBIT_CLASSIC', 250_000, Date.UTC(2025, 0, n, 9, 0, 0)),
    );
  }
  return cards;
}
