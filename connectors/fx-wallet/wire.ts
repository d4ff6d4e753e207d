import type { FxQuote, Wallet } from '../../lib/domain.js';
import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { moneyFromDecimalString, parseDecimal, type Decimal, type Money } from '../../lib/money.js';
import type { LegacyCall, LegacyResponse } from '../http.js';

/**
 * The FX wallet's dialect: wire shapes, their normalisation into bank-wide types, and its error bodies
 * (`{ code, detail }`). Only the connector imports this file.
 */

export const SYSTEM = 'fx-wallet';

/** A conversion as the graph and the journeys see it. */
export interface FxConversion {
  readonly conversionId: string;
  readonly status: 'COMPLETED' | 'REVERSED';
  /** The reference the conversion was made with (its idempotency reference). */
  readonly reference: string;
  readonly quoteId: string;
  readonly walletId: string;
  readonly sell: Money;
  readonly buy: Money;
  /** Units of buy per unit of sell, exact. */
  readonly rate: Decimal;
  /** ISO 8601 date-time. */
  readonly createdAt: string;
  /** Set once the conversion has been unwound. */
  readonly reversal: { readonly reference: string; readonly reversedAt: string } | null;
}

/** A legacy answer we cannot read: the system is misbehaving (counts for the breaker). */
export function badResponse(route: string, what: string, cause?: unknown): UpstreamError {
  return new UpstreamError(
    ErrorCode.UPSTREAM_BAD_RESPONSE,
    SYSTEM,
    `${SYSTEM} sent an answer bankgraph cannot read`,
    { route, legacyMessage: what },
    cause,
  );
}

/** Reads wire values, turning any surprise into UPSTREAM_BAD_RESPONSE for `route`. */
export class WireReader {
  constructor(readonly route: string) {}

  object(value: unknown, what: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badResponse(this.route, `${what} is not an object`);
    return value as Record<string, unknown>;
  }

  array(value: unknown, what: string): unknown[] {
    if (!Array.isArray(value)) throw badResponse(this.route, `${what} is not a list`);
    return value;
  }

  string(obj: Record<string, unknown>, key: string): string {
    const v = obj[key];
    if (typeof v !== 'string' || v === '') throw badResponse(this.route, `${key} is not a string`);
    return v;
  }

  /** A legacy decimal string and a currency, exactly; more places than the currency has (unless zeros) is refused. */
  money(text: string, ccy: string): Money {
    try {
      return moneyFromDecimalString(text, ccy);
    } catch (err) {
      throw badResponse(this.route, `unreadable amount "${text}" ${ccy}`, err);
    }
  }

  decimal(text: string): Decimal {
    try {
      return parseDecimal(text);
    } catch (err) {
      throw badResponse(this.route, `unreadable decimal "${text}"`, err);
    }
  }

  /** Epoch seconds to ISO 8601. */
  epochSeconds(obj: Record<string, unknown>, key: string): string {
    const v = obj[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badResponse(this.route, `${key} is not a number`);
    const date = new Date(v * 1000);
    if (Number.isNaN(date.getTime())) throw badResponse(this.route, `${key} is out of range`);
    return date.toISOString();
  }

  /** `{ ccy, amount }`. */
  amount(value: unknown, what: string): Money {
    const o = this.object(value, what);
    return this.money(this.string(o, 'amount'), this.string(o, 'ccy'));
  }
}

export function normaliseWallet(value: unknown, r: WireReader): Wallet {
  const w = r.object(value, 'wallet');
  const pockets = r.array(w.pockets, 'pockets').map((p) => {
    const pocket = r.object(p, 'pocket');
    // The dialect's quirk: balances are decimal strings with four places ("1500.0000"), whatever the currency.
    return r.money(r.string(pocket, 'bal'), r.string(pocket, 'ccy'));
  });
  return { id: r.string(w, 'wallet_id'), customerId: r.string(w, 'owner_id'), pockets };
}

export function normaliseQuote(value: unknown, r: WireReader): FxQuote {
  const q = r.object(value, 'quote');
  return {
    id: r.string(q, 'quote_id'),
    sell: r.money(r.string(q, 'sell_amount'), r.string(q, 'sell_ccy')),
    buy: r.money(r.string(q, 'buy_amount'), r.string(q, 'buy_ccy')),
    rate: r.decimal(r.string(q, 'rate')),
    expiresAt: r.epochSeconds(q, 'expires_at'),
  };
}

export function normaliseConversion(value: unknown, r: WireReader): FxConversion {
  const c = r.object(value, 'conversion');
  const status = r.string(c, 'status');
  if (status !== 'completed' && status !== 'reversed') throw badResponse(r.route, `unknown conversion status ${status}`);
  const reversal = c.reversal === null || c.reversal === undefined ? null : r.object(c.reversal, 'reversal');
  return {
    conversionId: r.string(c, 'conversion_id'),
    status: status === 'completed' ? 'COMPLETED' : 'REVERSED',
    reference: r.string(c, 'client_ref'),
    quoteId: r.string(c, 'quote_id'),
    walletId: r.string(c, 'wallet_id'),
    sell: r.amount(c.sell, 'sell'),
    buy: r.amount(c.buy, 'buy'),
    rate: r.decimal(r.string(c, 'rate')),
    createdAt: r.epochSeconds(c, 'created_at'),
    reversal: reversal
      ? { reference: r.string(reversal, 'client_ref'), reversedAt: r.epochSeconds(reversal, 'reversed_at') }
      : null,
  };
}

/**
 * The wallet's `{ code, detail }` errors as ours. The legacy code and text go only into `detail` (logs); the
 * message is ours. 5xx and 429 are the system failing; everything else is a refusal of this request.
 */
export function mapFxWalletError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = typeof response.json === 'object' && response.json !== null ? (response.json as Record<string, unknown>) : {};
  const legacyCode = typeof body.code === 'string' ? body.code : undefined;
  const legacyText = typeof body.detail === 'string' ? body.detail : response.text;
  const detail: UpstreamDetail = {
    route: call.route,
    status: response.status,
    ...(legacyCode !== undefined ? { legacyCode } : {}),
    legacyMessage: legacyText.slice(0, 500),
  };
  const error = (code: ErrorCode, message: string) => new UpstreamError(code, SYSTEM, message, detail);

  if (response.status >= 500 || response.status === 429) return error(ErrorCode.UPSTREAM_UNAVAILABLE, `${SYSTEM} is unavailable`);
  switch (legacyCode) {
    case 'QUOTE_EXPIRED':
      return error(ErrorCode.QUOTE_EXPIRED, 'The FX quote has expired; ask for a new quote.');
    case 'INSUFFICIENT_FUNDS':
      return error(ErrorCode.INSUFFICIENT_FUNDS, 'The wallet does not hold enough of the currency to sell.');
    case 'NOT_FOUND':
      return error(ErrorCode.NOT_FOUND, `${SYSTEM} does not know this resource`);
  }
  if (response.status === 404) return error(ErrorCode.NOT_FOUND, `${SYSTEM} does not know this resource`);
  // VALIDATION, QUOTE_USED, CLIENT_REF_REUSED, ALREADY_REVERSED and anything new: the wallet refused.
  return error(ErrorCode.UPSTREAM_REJECTED, `${SYSTEM} refused the request`);
}
