import { UpstreamError } from '../../lib/errors.js';
import { tuning } from '../util.js';
import { currency } from '../../lib/currency.js';
import type { Money } from '../../lib/money.js';
import { LegacyHttpClient, type BreakerOptions, type RetryOptions } from '../http.js';
import type { Payout, PaymentRail, RailStatus } from './types.js';
import { checkEndToEndId, mapRailError, pacs008, readPacs002, SYSTEM, type ChargeBearer } from './wire.js';

/**
 * A payment rail that speaks ISO 20022 (pacs.008 in, pacs.002 out) over HTTP. One class for every such rail: what
 * differs between SEPA Instant and a correspondent network is configuration (where, which currencies and countries,
 * how much), not code.
 */

export interface Iso20022RailOptions {
  /** Our name for the rail ("instant-eur"). */
  readonly name: string;
  readonly baseUrl: string;
  /** Where the rail's routes live on the host, e.g. "/instant". */
  readonly pathPrefix: string;
  /** ISO 4217 codes the rail carries, or 'ANY'. */
  readonly currencies: readonly string[] | 'ANY';
  /** Creditor countries (ISO 3166 alpha-2) the rail reaches; undefined = any. */
  readonly countries?: readonly string[];
  /**
   * Largest amount per payment, or null for no limit. Compared in the payment's own currency; when the rail carries
   * several currencies the limit is a number of major units whatever the currency (as the rail itself checks it).
   */
  readonly maxAmount: Money | null;
  /** ChrgBr of the pacs.008. SEPA schemes want "SLEV". @default "SHAR" */
  readonly chargeBearer?: ChargeBearer;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

/** a <= b, comparing major-unit values exactly whatever the currencies' exponents. */
function notAbove(a: Money, b: Money): boolean {
  if (a.currency === b.currency) return a.minor <= b.minor;
  const ea = currency(a.currency).exponent;
  const eb = currency(b.currency).exponent;
  return a.minor * 10n ** BigInt(eb) <= b.minor * 10n ** BigInt(ea);
}

export class Iso20022RailConnector implements PaymentRail {
  readonly name: string;
  readonly http: LegacyHttpClient;
  private readonly prefix: string;
  private readonly currencies: ReadonlySet<string> | 'ANY';
  private readonly countries: ReadonlySet<string> | undefined;
  private readonly maxAmount: Money | null;
  private readonly chargeBearer: ChargeBearer;

  constructor(options: Iso20022RailOptions) {
    this.name = options.name;
    this.prefix = `/${options.pathPrefix.replace(/^\/+|\/+$/g, '')}`;
    this.currencies = options.currencies === 'ANY' ? 'ANY' : new Set(options.currencies.map((c) => c.toUpperCase()));
    this.countries = options.countries ? new Set(options.countries.map((c) => c.toUpperCase())) : undefined;
    this.maxAmount = options.maxAmount;
    this.chargeBearer = options.chargeBearer ?? 'SHAR';
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      mapError: mapRailError,
    });
  }

  get available(): boolean {
    return this.http.breakerState !== 'open';
  }

  canCarry(p: { currency: string; country: string; amount: Money }): boolean {
    const ccy = p.currency.toUpperCase();
    if (p.amount.currency !== ccy || p.amount.minor <= 0n) return false;
    if (this.currencies !== 'ANY' && !this.currencies.has(ccy)) return false;
    if (this.countries && !this.countries.has(p.country.toUpperCase())) return false;
    return this.maxAmount === null || notAbove(p.amount, this.maxAmount);
  }

  async submit(p: Payout): Promise<RailStatus> {
    checkEndToEndId(p.endToEndId);
    const route = `POST ${this.prefix}/payments`;
    const body = await this.http.json<unknown>({
      method: 'POST',
      path: `${this.prefix}/payments`,
      route,
      body: pacs008(p, this.chargeBearer),
      // The rail honours the EndToEndId: a repeat answers with the payment already made, so retrying is safe.
      idempotent: true,
    });
    return readPacs002(body, p.endToEndId, route);
  }

  async status(endToEndId: string): Promise<RailStatus | null> {
    checkEndToEndId(endToEndId);
    const route = `GET ${this.prefix}/payments/:endToEndId`;
    let body: unknown;
    try {
      body = await this.http.json<unknown>({
        method: 'GET',
        path: `${this.prefix}/payments/${encodeURIComponent(endToEndId)}`,
        route,
        idempotent: true,
      });
    } catch (err) {
      if (err instanceof UpstreamError && err.detail.status === 404) return null;
      throw err;
    }
    return readPacs002(body, endToEndId, route);
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
