import type { Card, CardFulfilment, CardStatus } from '../../lib/domain.js';
import { findCurrency } from '../../lib/currency.js';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { scrubText } from '../../lib/log.js';
import { moneyFromDecimalString, type Money } from '../../lib/money.js';
import type { LegacyCall, LegacyResponse } from '../http.js';

/**
 * Marqeta Core API v3's shapes, as far as bankgraph reads them, and their normalisation into bank-wide types.
 * PRIVATE to connectors/card-processor. The connector never asks for the PAN (`show_pan` stays false) and never reads
 * the `pan` field; nothing here logs or puts a wire value into an error (errors say which field was wrong).
 */

export const SYSTEM = 'card-processor';

/** Marqeta's card states. LIMITED (usable in part) and UNSUPPORTED are shown as FROZEN: not fully usable. */
const STATUS_OF: Readonly<Record<string, CardStatus>> = {
  UNACTIVATED: 'INACTIVE',
  ACTIVE: 'ACTIVE',
  SUSPENDED: 'FROZEN',
  LIMITED: 'FROZEN',
  UNSUPPORTED: 'FROZEN',
  TERMINATED: 'CLOSED',
};

/** The state a card transition asks for, for each status bankgraph sets. */
export const TRANSITION_STATE_OF: Readonly<Record<'ACTIVE' | 'FROZEN' | 'CLOSED', 'ACTIVE' | 'SUSPENDED' | 'TERMINATED'>> = {
  ACTIVE: 'ACTIVE',
  FROZEN: 'SUSPENDED',
  CLOSED: 'TERMINATED',
};

/** Marqeta's fulfillment statuses in the bank's words. A virtual card shown to its holder is delivered. */
const FULFILMENT_OF: Readonly<Record<string, CardFulfilment>> = {
  ISSUED: 'REQUESTED',
  ORDERED: 'PRODUCED',
  REORDERED: 'PRODUCED',
  SHIPPED: 'SHIPPED',
  DELIVERED: 'DELIVERED',
  DIGITALLY_PRESENTED: 'DELIVERED',
  REJECTED: 'REJECTED',
};

/** A card product the bank issues: our product code, the installation's Marqeta card product token, its scheme. */
export interface CardProductConfig {
  readonly code: string;
  readonly token: string;
  readonly scheme: 'VISA' | 'MASTERCARD';
}

const EXPIRATION_RE = /^(0[1-9]|1[0-2])(\d{2})$/;
const LAST_FOUR_RE = /^\d{4}$/;

export function badResponse(route: string, what: string, cause?: unknown): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, { route, legacyMessage: what }, cause);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(obj: Record<string, unknown>, field: string, route: string): string {
  const value = obj[field];
  if (typeof value !== 'string' || value === '') throw badResponse(route, `card field ${field} is missing or not a string`);
  return value;
}

/** A velocity control as Marqeta sends it (amount_limit a JSON number in major units). */
export interface WireVelocityControl {
  readonly association?: { readonly user_token?: string; readonly card_product_token?: string } | null;
  readonly currency_code: string;
  readonly amount_limit: number;
  readonly velocity_window: string;
  readonly active?: boolean;
}

/** The controls of a velocity-control list, checked. */
export function readVelocityControls(data: readonly unknown[], route: string): WireVelocityControl[] {
  return data.map((raw) => {
    if (!isObject(raw)) throw badResponse(route, 'a velocity control is not an object');
    if (typeof raw.currency_code !== 'string' || typeof raw.amount_limit !== 'number' || typeof raw.velocity_window !== 'string') {
      throw badResponse(route, 'a velocity control lacks currency_code, amount_limit or velocity_window');
    }
    return raw as unknown as WireVelocityControl;
  });
}

/**
 * The daily spending limit of a card: the tightest active DAY control that applies to it (its holder's own, its
 * card product's, or the program's), as exact Money; null when none applies.
 */
export function dailyLimitOf(userToken: string, productToken: string, controls: readonly WireVelocityControl[], route: string): Money | null {
  let best: Money | null = null;
  for (const control of controls) {
    if (control.velocity_window !== 'DAY' || control.active === false) continue;
    const a = control.association ?? {};
    const applies =
      a.user_token === userToken || a.card_product_token === productToken || (a.user_token === undefined && a.card_product_token === undefined);
    if (!applies) continue;
    const info = findCurrency(control.currency_code);
    const amount = String(control.amount_limit);
    if (!info || !/^\d+(\.\d+)?$/.test(amount)) throw badResponse(route, 'a velocity control holds an unknown currency or an amount that is not a plain decimal');
    let limit: Money;
    try {
      limit = moneyFromDecimalString(amount, info.code);
    } catch (err) {
      throw badResponse(route, 'a velocity control amount has more decimals than its currency', err);
    }
    if (!best || (limit.currency === best.currency && limit.minor < best.minor)) best = limit;
  }
  return best;
}

/** A Marqeta card_response as a bank-wide Card: last four digits only, "YYYY-MM" expiry, our names. */
export function normaliseCard(raw: unknown, route: string, products: ReadonlyMap<string, CardProductConfig>, controls: readonly WireVelocityControl[]): Card {
  if (!isObject(raw)) throw badResponse(route, 'a card is not an object');
  const lastFour = text(raw, 'last_four', route);
  if (!LAST_FOUR_RE.test(lastFour)) throw badResponse(route, 'card field last_four is not four digits');
  const expiration = EXPIRATION_RE.exec(text(raw, 'expiration', route));
  if (!expiration) throw badResponse(route, 'card field expiration is not MMYY');
  const state = text(raw, 'state', route);
  const status = STATUS_OF[state];
  if (!status) throw badResponse(route, 'card field state is not a known state');
  const fulfilment = FULFILMENT_OF[text(raw, 'fulfillment_status', route)];
  if (!fulfilment) throw badResponse(route, 'card field fulfillment_status is not known');
  const productToken = text(raw, 'card_product_token', route);
  const product = products.get(productToken);
  // A card of a product this installation did not configure (CARD_PROCESSOR_CARD_PRODUCTS): say so, do not guess.
  if (!product) throw badResponse(route, 'card of a card product not in CARD_PROCESSOR_CARD_PRODUCTS');
  const userToken = text(raw, 'user_token', route);
  return {
    id: text(raw, 'token', route),
    customerId: userToken,
    last4: lastFour,
    expiry: `20${expiration[2]}-${expiration[1]}`,
    status,
    fulfilment,
    product: product.code,
    scheme: product.scheme,
    dailyLimit: dailyLimitOf(userToken, productToken, controls, route),
    accountId: null,
  };
}

/** A Marqeta list page `{ count, start_index, end_index, is_more, data }`, checked. */
export function readPage(raw: unknown, route: string): { data: unknown[]; isMore: boolean; endIndex: number } {
  if (!isObject(raw) || !Array.isArray(raw.data)) throw badResponse(route, 'a list has no data array');
  const isMore = raw.is_more === true;
  const endIndex = typeof raw.end_index === 'number' ? raw.end_index : -1;
  if (isMore && endIndex < 0) throw badResponse(route, 'a list says is_more without an end_index');
  return { data: raw.data, isMore, endIndex };
}

/**
 * Marqeta's error body `{ error_code, error_message }` as one of our codes. Legacy text only goes in the detail
 * (PAN-masked, for logs), never in the message.
 */
export function mapCardProcessorError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = isObject(response.json) ? response.json : undefined;
  const code = typeof body?.error_code === 'string' ? body.error_code : undefined;
  const legacyText = typeof body?.error_message === 'string' ? body.error_message : response.text;
  const detail: UpstreamDetail = {
    route: call.route,
    status: response.status,
    ...(code ? { legacyCode: code } : {}),
    legacyMessage: scrubText(legacyText.slice(0, 500)),
  };
  const { status } = response;
  if (status >= 500 || status === 429) return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  if (status === 401 || status === 403) {
    // Our own credentials were refused: nothing the caller can fix, and every call, a retry too, fails the same way.
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, { ...detail, retryable: false });
  }
  if (status === 404) return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this resource`, detail);
  // 400 (a transition the state machine refuses, bad input), 409 (a token reused), 422 (card holder not active).
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, detail);
}
