import { Simulator, type SimHandler, type SimResponse } from '../http.js';
import { RAIL_NAMES, RAILS } from './data.js';
import { RailBook, TX_STATUSES, type TxSts } from './book.js';
import { RailError, readPacs008, type RailErrorCode } from './wire.js';

/**
 * The payment rail simulator: one process serving two rails in ISO 20022 (JSON renderings of pacs.008 / pacs.002).
 *
 *   instant        SEPA Instant style: EUR only, creditor in SEPA, at most 100000.00, 24/7
 *   correspondent  SWIFT correspondent banking style: any ISO currency, at most 1000000.00, a daily cut-off (UTC)
 *
 * Under /instant and /correspondent alike (each rail its own routes, so a fault can take down one rail):
 *   GET  /{rail}/info                      { rail, currencies: [...] | "ANY", countries, maxAmount, cutOffUtc? }
 *   POST /{rail}/payments                  pacs.008 -> 202 pacs.002 (TxSts RCVD, or RJCT AM02 over the max);
 *                                          the same EndToEndId again -> 200 with the current status, never a second
 *                                          payment; the same EndToEndId for another payment -> 409
 *   GET  /{rail}/payments/:endToEndId      the current pacs.002 (404 when the rail never received it)
 *   GET  /{rail}/payments?status=ACSC      the rail's book { payments: [{ EndToEndId, Ccy, value, TxSts, Cdtr }] }
 * Errors: { error: { code, message } } with FORMAT_ERROR (400), NOT_FOUND (404, no such payment), UNKNOWN_ROUTE
 * (404), DUPLICATE_REFERENCE (409), UNSUPPORTED (422), RAIL_UNAVAILABLE (503). Sandbox triggers: data.ts.
 */

export interface PaymentRailSimulatorOptions {
  /** The rails' clock: settlement follows it. */
  readonly now?: () => Date;
  /** Time from receipt to settlement (ACSC); acceptance (ACSP) comes after a third of it. @default 300 */
  readonly settlementDelayMs?: number;
  /** The correspondent rail's daily cut-off, "HH:MM" UTC. @default "16:00" */
  readonly correspondentCutOffUtc?: string;
}

function errorBody(status: number, code: RailErrorCode, message: string): SimResponse {
  return { status, json: { error: { code, message } } };
}

export function createPaymentRailSimulator(options: PaymentRailSimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const settlementDelayMs = options.settlementDelayMs ?? 300;
  const cutOffUtc = options.correspondentCutOffUtc ?? '16:00';
  if (!Number.isFinite(settlementDelayMs) || settlementDelayMs < 0) {
    throw new RangeError('settlementDelayMs must be a non-negative number');
  }

  const sim = new Simulator({
    system: 'payment-rail',
    serverError: (message) => errorBody(503, 'RAIL_UNAVAILABLE', message),
    notFound: (method, path) => errorBody(404, 'UNKNOWN_ROUTE', `no route ${method} ${path}`),
  });

  /** Refusals thrown as RailError become the rail's error body. */
  const api =
    (handler: SimHandler): SimHandler =>
    async (req) => {
      try {
        return await handler(req);
      } catch (err) {
        if (err instanceof RailError) return errorBody(err.status, err.code, err.message);
        throw err;
      }
    };

  for (const rail of RAIL_NAMES) {
    const rules = RAILS[rail];
    const book = new RailBook({ rail, now, settlementDelayMs, cutOffUtc });
    const base = `/${rail}`;

    sim.route(
      'GET',
      `${base}/info`,
      api(() => ({
        json: {
          rail,
          currencies: rules.currencies,
          countries: rules.countries,
          maxAmount: rules.maxAmount,
          ...(rules.hasCutOff ? { cutOffUtc } : {}),
        },
      })),
    );

    sim.route(
      'POST',
      `${base}/payments`,
      api((req) => {
        const { status, created } = book.submit(readPacs008(req.body, rules));
        return { status: created ? 202 : 200, json: status };
      }),
    );

    sim.route(
      'GET',
      `${base}/payments`,
      api((req) => {
        const wanted = req.query.get('status');
        if (wanted !== null && !TX_STATUSES.includes(wanted as TxSts)) {
          throw new RailError(400, 'FORMAT_ERROR', `status must be one of ${TX_STATUSES.join(', ')}`);
        }
        return { json: { payments: book.list((wanted ?? undefined) as TxSts | undefined) } };
      }),
    );

    sim.route(
      'GET',
      `${base}/payments/:endToEndId`,
      api((req) => {
        const id = req.params.endToEndId ?? '';
        const status = book.status(id);
        if (!status) throw new RailError(404, 'NOT_FOUND', `the ${rail} rail has no payment with EndToEndId ${id}`);
        return { json: status };
      }),
    );
  }
  return sim;
}

