import { tuning } from '../util.js';
import { currency } from '../../lib/currency.js';
import type { Money } from '../../lib/money.js';
import { LegacyHttpClient, type BreakerOptions, type RetryOptions } from '../http.js';
import type { Payout, PaymentRail, RailStatus } from './types.js';
import { badResponse, checkEndToEndId, mapRailError, pacs008, pacs028, readStatusAnswer, SYSTEM, type ChargeBearer } from './wire.js';
import { XML_CONTENT_TYPE } from './xml.js';

/**
 * A payment rail that speaks ISO 20022 XML over HTTP: a pacs.008 to pay, a pacs.028 to ask what became of a payment
 * (the answer a pacs.002, or the pacs.004 that returned it). One class for every such rail: what
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
    const route = `POST ${this.prefix}/pacs.008`;
    // The rail honours the EndToEndId: a repeat answers with the payment already made, so retrying is safe.
    const answer = await this.send(route, pacs008(p, this.chargeBearer));
    const status = readStatusAnswer(answer, p.endToEndId, route);
    if (!status) throw badResponse(route, 'a credit transfer answered with "payment not received"');
    return status;
  }

  /** A pacs.028 status request: the answer is the payment's pacs.002 (or its pacs.004), or "never received". */
  async status(endToEndId: string): Promise<RailStatus | null> {
    checkEndToEndId(endToEndId);
    const route = `POST ${this.prefix}/pacs.028`;
    return readStatusAnswer(await this.send(route, pacs028(endToEndId)), endToEndId, route);
  }

  /** POSTs one ISO 20022 document; resolves with the rail's XML answer (2xx only). */
  private async send(route: string, xml: string): Promise<string> {
    const res = await this.http.call({
      method: 'POST',
      path: route.slice('POST '.length),
      route,
      body: xml,
      headers: { 'content-type': XML_CONTENT_TYPE, accept: 'application/xml' },
      idempotent: true,
    });
    return res.text;
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
