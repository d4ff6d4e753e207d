import type { FxQuote, FxRates, Wallet } from '../../lib/domain.js';
import { findCurrency } from '../../lib/currency.js';
import { badUserInput } from '../../lib/errors.js';
import { toDecimalString, type Decimal, type Money } from '../../lib/money.js';
import { LegacyHttpClient, type BreakerOptions, type LegacyCall, type RetryOptions } from '../http.js';
import { chunks, listable, tuning } from '../util.js';
import { convertTotal, parseEcbRates, rate } from './rates.js';
import {
  badResponse,
  mapFxWalletError,
  normaliseConversion,
  normaliseQuote,
  normaliseWallet,
  SYSTEM,
  WireReader,
  type FxConversion,
} from './wire.js';

/**
 * The FX wallet connector: the only code that speaks the wallet's /api dialect. It returns bank-wide `Wallet`s,
 * `FxRates` and `FxQuote`s (money exact, in minor units).
 *
 * Wallet reads are batched (one call per 100 customers). The reference rates are cached for `ratesTtlMs` and
 * concurrent callers share one request. Conversions and reversals carry the caller's reference as the wallet's
 * `client_ref`, which it honours, so they are safe to retry; after a timeout, `findConversion` tells whether a
 * reference took effect. A quote is retried only when it carries a reference.
 */

export { convertTotal, parseEcbRates, rate, CROSS_RATE_SCALE } from './rates.js';
export type { FxConversion } from './wire.js';

export interface FxWalletConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  /** How long the reference rates are reused, ms (0: every call fetches them). @default 60000 */
  readonly ratesTtlMs?: number;
  /**
   * Where the reference rates are read, as an absolute URL of a feed in the ECB's eurofxref-daily.xml layout: the
   * ECB's own (`https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml`) or the bank's mirror of it. Read
   * through a client of its own, system `fx-reference-rates` (its own breaker and metrics: a slow ECB does not
   * open the wallet's breaker). @default the wallet's copy, `<baseUrl>/api/rates/eurofxref-daily.xml`
   */
  readonly ratesUrl?: string;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

export interface CreateQuoteInput {
  /** ISO 4217 code of the currency sold. */
  readonly sell: string;
  /** ISO 4217 code of the currency bought. */
  readonly buy: string;
  /** Exactly one of sellAmount (in `sell`) and buyAmount (in `buy`). */
  readonly sellAmount?: Money;
  readonly buyAmount?: Money;
  /** Idempotency reference: the same one returns the same quote. Without it the call is never retried. */
  readonly reference?: string;
}

/** The most owners the wallet takes in one batch read. */
export const WALLET_BATCH_LIMIT = 100;
/** The wallet's copy of the ECB feed, the default source of reference rates. */
export const WALLET_RATES_PATH = '/api/rates/eurofxref-daily.xml';
/** The system name of a reference-rate feed read from its own URL (options.ratesUrl). */
export const REFERENCE_RATES_SYSTEM = 'fx-reference-rates';

/** An absolute http(s) URL of a rate feed; a RangeError naming the value otherwise. */
function ratesFeedUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RangeError(`the reference-rate URL must be an absolute http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new RangeError(`the reference-rate URL must be an absolute http(s) URL, got "${value}"`);
  }
  return url;
}

function currencyCode(code: string, field: string): string {
  const info = findCurrency(code.trim());
  if (!info) throw badUserInput(field, `"${code}" is not a currency bankgraph knows (an ISO 4217 code such as EUR).`);
  return info.code;
}

function requireReference(reference: string): string {
  if (typeof reference !== 'string' || reference.trim() === '') {
    throw badUserInput('reference', 'A conversion needs an idempotency reference.');
  }
  return reference;
}

export class FxWalletConnector {
  readonly http: LegacyHttpClient;
  /** The client the reference rates are read through: `http`, or the feed's own (options.ratesUrl). */
  readonly ratesHttp: LegacyHttpClient;
  private readonly ratesPath: string;
  private readonly ratesTtlMs: number;
  private ratesCache: { readonly value: FxRates; readonly expiresAt: number } | null = null;
  private ratesInFlight: Promise<FxRates> | null = null;
  /** Bumped by invalidateRates, so an answer already on its way does not refill the cache with old rates. */
  private ratesGeneration = 0;

  constructor(options: FxWalletConnectorOptions) {
    const ttl = options.ratesTtlMs ?? 60_000;
    if (!Number.isFinite(ttl) || ttl < 0) throw new RangeError(`ratesTtlMs must be a non-negative number, got ${ttl}`);
    this.ratesTtlMs = ttl;
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      mapError: mapFxWalletError,
    });
    if (options.ratesUrl === undefined) {
      this.ratesHttp = this.http;
      this.ratesPath = WALLET_RATES_PATH;
    } else {
      const feed = ratesFeedUrl(options.ratesUrl);
      // The default mapping: the feed speaks plain HTTP, not the wallet's error bodies.
      this.ratesHttp = new LegacyHttpClient({ system: REFERENCE_RATES_SYSTEM, baseUrl: feed.origin, ...tuning(options) });
      this.ratesPath = `${feed.pathname}${feed.search}`;
    }
  }

  /** Every client this connector calls through (the wallet's, and the rate feed's when it has its own). */
  get clients(): readonly LegacyHttpClient[] {
    return this.ratesHttp === this.http ? [this.http] : [this.http, this.ratesHttp];
  }

  /** The wallet of each customer, in input order, null when a customer has none. One call per 100 customers. */
  async getWallets(customerIds: readonly string[]): Promise<(Wallet | null)[]> {
    const unique = [...new Set(customerIds)].filter(listable);
    const batches = await Promise.all(chunks(unique, WALLET_BATCH_LIMIT).map((ids) => this.walletBatch(ids)));
    const byOwner = new Map<string, Wallet>();
    for (const wallet of batches.flat()) byOwner.set(wallet.customerId, wallet);
    return customerIds.map((id) => byOwner.get(id) ?? null);
  }

  /** Today's reference rates (EUR base), cached for `ratesTtlMs`; concurrent callers share one request. */
  getRates(): Promise<FxRates> {
    const cached = this.ratesCache;
    if (cached && Date.now() < cached.expiresAt) return Promise.resolve(cached.value);
    if (this.ratesInFlight) return this.ratesInFlight;
    const generation = this.ratesGeneration;
    const request = this.fetchRates()
      .then((value) => {
        if (generation === this.ratesGeneration && this.ratesTtlMs > 0) {
          this.ratesCache = { value, expiresAt: Date.now() + this.ratesTtlMs };
        }
        return value;
      })
      .finally(() => {
        if (this.ratesInFlight === request) this.ratesInFlight = null;
      });
    this.ratesInFlight = request;
    return request;
  }

  /** Forgets the cached rates: the next getRates asks the wallet. */
  invalidateRates(): void {
    this.ratesGeneration++;
    this.ratesCache = null;
    this.ratesInFlight = null;
  }

  /** Units of `to` per one unit of `from` (see the exported `rate`). */
  rate(rates: FxRates, from: string, to: string): Decimal {
    return rate(rates, from, to);
  }

  /** What the pockets are worth together in `to` (see the exported `convertTotal`). */
  convertTotal(pockets: readonly Money[], to: string, rates: FxRates): Money {
    return convertTotal(pockets, to, rates);
  }

  /** A firm quote for selling `sellAmount` of `sell` for `buy`, or buying `buyAmount` of `buy` with `sell`. */
  async createQuote(input: CreateQuoteInput): Promise<FxQuote> {
    const sell = currencyCode(input.sell, 'sell');
    const buy = currencyCode(input.buy, 'buy');
    if (sell === buy) throw badUserInput('buy', 'The currencies sold and bought must differ.');
    const { sellAmount, buyAmount, reference } = input;
    const side =
      sellAmount && !buyAmount
        ? { field: 'sellAmount', key: 'sell_amount', money: sellAmount, ccy: sell }
        : buyAmount && !sellAmount
          ? { field: 'buyAmount', key: 'buy_amount', money: buyAmount, ccy: buy }
          : null;
    if (!side) throw badUserInput('sellAmount', 'Give exactly one of sellAmount and buyAmount.');
    if (side.money.currency !== side.ccy) throw badUserInput(side.field, `${side.field} must be in ${side.ccy}.`);
    if (side.money.minor <= 0n) throw badUserInput(side.field, `${side.field} must be more than zero.`);
    if (reference !== undefined && reference.trim() === '') throw badUserInput('reference', 'The reference must not be blank.');

    const body = {
      sell_ccy: sell,
      buy_ccy: buy,
      [side.key]: toDecimalString(side.money),
      ...(reference !== undefined ? { client_ref: reference } : {}),
    };
    const route = 'POST /api/quotes';
    // Without a reference the wallet would make a second quote on a retry: harmless, but not what was asked.
    const answer = await this.http.json<unknown>({ method: 'POST', path: '/api/quotes', route, body, idempotent: reference !== undefined });
    return normaliseQuote(answer, new WireReader(route));
  }

  /** Converts in the wallet at the quote's price. The same reference applies it once, whatever the retries. */
  async convert(input: { quoteId: string; walletId: string; reference: string }): Promise<{ conversionId: string; sell: Money; buy: Money }> {
    const body = { quote_id: input.quoteId, wallet_id: input.walletId, client_ref: requireReference(input.reference) };
    const c = await this.conversionCall({ method: 'POST', path: '/api/conversions', route: 'POST /api/conversions', body, idempotent: true });
    return { conversionId: c.conversionId, sell: c.sell, buy: c.buy };
  }

  /** Unwinds a conversion at its original amounts (e.g. when the payout it funded failed). Idempotent by reference. */
  async reverseConversion(conversionId: string, reference: string): Promise<FxConversion> {
    return this.conversionCall({
      method: 'POST',
      path: `/api/conversions/${encodeURIComponent(conversionId)}/reversal`,
      route: 'POST /api/conversions/:conversion_id/reversal',
      body: { client_ref: requireReference(reference) },
      idempotent: true,
    });
  }

  /**
   * What became of a reference (after a timeout, say): the conversion made with it, or else the one reversed with
   * it; null when the wallet never saw it.
   */
  async findConversion(reference: string): Promise<FxConversion | null> {
    const route = 'GET /api/conversions';
    const answer = await this.http.json<unknown>({
      method: 'GET',
      path: `/api/conversions?client_ref=${encodeURIComponent(requireReference(reference))}`,
      route,
      idempotent: true,
    });
    const r = new WireReader(route);
    const found = r.array(r.object(answer, 'answer').conversions, 'conversions').map((c) => normaliseConversion(c, r));
    return found.find((c) => c.reference === reference) ?? found.find((c) => c.reversal?.reference === reference) ?? null;
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close()));
  }

  private async walletBatch(ownerIds: readonly string[]): Promise<Wallet[]> {
    const route = 'GET /api/wallets';
    const answer = await this.http.json<unknown>({
      method: 'GET',
      path: `/api/wallets?owner_ids=${ownerIds.map(encodeURIComponent).join(',')}`,
      route,
      idempotent: true,
    });
    const r = new WireReader(route);
    return r.array(r.object(answer, 'answer').wallets, 'wallets').map((w) => normaliseWallet(w, r));
  }

  private async fetchRates(): Promise<FxRates> {
    const route = `GET ${this.ratesPath.replace(/\?.*$/, '')}`;
    const res = await this.ratesHttp.call({ method: 'GET', path: this.ratesPath, route, headers: { accept: 'text/xml' }, idempotent: true });
    try {
      return parseEcbRates(res.text);
    } catch (err) {
      throw badResponse(route, err instanceof Error ? err.message : 'unreadable rates', err);
    }
  }

  private async conversionCall(call: LegacyCall): Promise<FxConversion> {
    const answer = await this.http.json<unknown>(call);
    return normaliseConversion(answer, new WireReader(call.route));
  }
}
