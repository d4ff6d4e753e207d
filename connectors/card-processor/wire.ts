import type { Card, CardFulfilment, CardStatus } from '../../lib/domain.js';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { currencyByNumeric } from '../../lib/currency.js';
import { scrubText } from '../../lib/log.js';
import { moneyFromMinor, type Money } from '../../lib/money.js';
import type { LegacyCall, LegacyResponse } from '../http.js';

/**
 * The card processor's dialect and its normalisation into bank-wide types. PRIVATE to connectors/card-processor:
 * the wire card carries the full PAN, so nothing here is re-exported from index.ts, and nothing here logs or puts a
 * wire value into an error (errors say which field was wrong, never what it held).
 */

export const SYSTEM = 'card-processor';

type WireState = 'UNACTIVATED' | 'ACTIVE' | 'SUSPENDED' | 'TERMINATED';

/** A card as the processor sends it. `pan` is the full card number: read last4 from it and let it go. */
interface WireCard {
  card_id: string;
  customer_ref: string;
  pan: string;
  /** "MMYY". */
  expiry: string;
  state: WireState;
  network: 'VISA' | 'MASTERCARD';
  product_code: string;
  fulfilment: { status: CardFulfilment; updated_at: number };
  spend_limits?: { daily?: { amount_minor: number; currency_numeric: string } | null } | null;
  created_at: number;
}

const STATUS_OF: Readonly<Record<WireState, CardStatus>> = {
  UNACTIVATED: 'INACTIVE',
  ACTIVE: 'ACTIVE',
  SUSPENDED: 'FROZEN',
  TERMINATED: 'CLOSED',
};

export const STATE_OF: Readonly<Record<'ACTIVE' | 'FROZEN' | 'CLOSED', 'ACTIVE' | 'SUSPENDED' | 'TERMINATED'>> = {
  ACTIVE: 'ACTIVE',
  FROZEN: 'SUSPENDED',
  CLOSED: 'TERMINATED',
};

const FULFILMENTS: readonly CardFulfilment[] = ['REQUESTED', 'PRODUCED', 'SHIPPED', 'DELIVERED'];
const EXPIRY_RE = /^(0[1-9]|1[0-2])(\d{2})$/;
const PAN_RE = /^\d{12,19}$/;

function badResponse(route: string, what: string, cause?: unknown): UpstreamError {
  return new UpstreamError(
    ErrorCode.UPSTREAM_BAD_RESPONSE,
    SYSTEM,
    `${SYSTEM} sent an answer we cannot read`,
    { route, legacyMessage: what },
    cause,
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(obj: Record<string, unknown>, field: string, route: string): string {
  const value = obj[field];
  if (typeof value !== 'string' || value === '') throw badResponse(route, `card field ${field} is missing or not a string`);
  return value;
}

function dailyLimit(card: Record<string, unknown>, route: string): Money | null {
  const limits = card.spend_limits;
  if (limits === undefined || limits === null) return null;
  if (!isObject(limits)) throw badResponse(route, 'card field spend_limits is not an object');
  const daily = limits.daily;
  if (daily === undefined || daily === null) return null;
  if (!isObject(daily) || typeof daily.currency_numeric !== 'string') {
    throw badResponse(route, 'card field spend_limits.daily is malformed');
  }
  const amount = daily.amount_minor;
  if (typeof amount !== 'number' && typeof amount !== 'string') {
    throw badResponse(route, 'card field spend_limits.daily.amount_minor is not a number');
  }
  try {
    return moneyFromMinor(amount, currencyByNumeric(daily.currency_numeric).code);
  } catch (err) {
    throw badResponse(route, 'card field spend_limits.daily holds an unknown currency or a non-integer amount', err);
  }
}

/** A wire card as a bank-wide Card: last four digits only, "YYYY-MM" expiry, our status names, Money limits. */
export function normaliseCard(raw: unknown, route: string): Card {
  if (!isObject(raw)) throw badResponse(route, 'a card is not an object');
  const pan = text(raw, 'pan', route);
  if (!PAN_RE.test(pan)) throw badResponse(route, 'card field pan is not a card number');
  const expiry = EXPIRY_RE.exec(text(raw, 'expiry', route));
  if (!expiry) throw badResponse(route, 'card field expiry is not MMYY');
  const state = text(raw, 'state', route);
  if (!Object.hasOwn(STATUS_OF, state)) throw badResponse(route, 'card field state is not a known state');
  const network = text(raw, 'network', route);
  if (network !== 'VISA' && network !== 'MASTERCARD') throw badResponse(route, 'card field network is not a known network');
  const fulfilment = isObject(raw.fulfilment) ? raw.fulfilment.status : undefined;
  if (!FULFILMENTS.includes(fulfilment as CardFulfilment)) throw badResponse(route, 'card field fulfilment.status is not known');

  const card: Card = {
    id: text(raw, 'card_id', route),
    customerId: text(raw, 'customer_ref', route),
    last4: pan.slice(-4),
    expiry: `20${expiry[2]}-${expiry[1]}`,
    status: STATUS_OF[state as WireState],
    fulfilment: fulfilment as CardFulfilment,
    product: text(raw, 'product_code', route),
    scheme: network,
    dailyLimit: dailyLimit(raw, route),
    accountId: null,
  };
  return card;
}

/** The `data` of a batch answer `{ data: [cards], has_more }`, normalised. */
export function normaliseCardList(raw: unknown, route: string): Card[] {
  if (!isObject(raw) || !Array.isArray(raw.data)) throw badResponse(route, 'a card list has no data array');
  if (raw.has_more === true) throw badResponse(route, 'a card list was cut short (has_more), which a batch must not be');
  return raw.data.map((c) => normaliseCard(c, route));
}

/**
 * The processor's error body `{ error: { type, message, request_id } }` as one of our codes. Legacy text only goes
 * in the detail (PAN-masked, for logs), never in the message.
 */
export function mapCardProcessorError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = isObject(response.json) && isObject(response.json.error) ? response.json.error : undefined;
  const type = typeof body?.type === 'string' ? body.type : undefined;
  const legacyText = typeof body?.message === 'string' ? body.message : response.text;
  const requestId = typeof body?.request_id === 'string' ? ` (request_id ${body.request_id})` : '';
  const detail: UpstreamDetail = {
    route: call.route,
    status: response.status,
    ...(type ? { legacyCode: type } : {}),
    // PAN-masked before it is kept at all: the detail goes to logs.
    legacyMessage: scrubText(`${legacyText.slice(0, 500)}${requestId}`),
  };
  const { status } = response;
  if (status >= 500 || status === 429 || type === 'processor_error') {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  }
  if (status === 401 || status === 403 || type === 'unauthorized') {
    // Our own credentials were refused: nothing the caller can fix, and every call, a retry too, fails the same way.
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, { ...detail, retryable: false });
  }
  if (type === 'card_not_found' || (status === 404 && type === undefined)) {
    return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this card`, detail);
  }
  // invalid_state_transition, invalid_request and any other refusal.
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the request`, detail);
}
