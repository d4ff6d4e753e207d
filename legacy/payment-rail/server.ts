import { Simulator, type SimHandler, type SimResponse } from '../http.js';
import { RAIL_NAMES, RAILS } from './data.js';
import { RailBook, RETURN_REASONS, TX_STATUSES, type ReturnReason, type TxSts } from './book.js';
import { messageRejectedXml, notReceivedXml, paymentReturnXml, statusReportXml } from './messages.js';
import { ReportPusher } from './push.js';
import { RailError, readPacs008, readPacs028 } from './wire.js';
import { XML_CONTENT_TYPE, type MessageName } from './xml.js';

/**
 * The payment rail simulator: one process serving two rails that speak ISO 20022 XML (pacs.008.001.09 credit
 * transfers in, pacs.002.001.11 status reports out, pacs.028.001.04 status requests, pacs.004.001.10 returns).
 *
 *   instant        SEPA Instant style: EUR only, creditor in SEPA, at most 100000.00, 24/7
 *   correspondent  SWIFT correspondent banking style: any ISO currency, at most 1000000.00, a daily cut-off (UTC)
 *
 * The message API, under /instant and /correspondent alike (each rail its own routes, so a fault can take down one
 * rail). Every body is an `application/xml` ISO 20022 Document:
 *   POST /{rail}/pacs.008   a pacs.008 with one transaction -> 202 pacs.002 (TxSts RCVD, or RJCT AM02 over the max);
 *                           the same EndToEndId again -> 200 pacs.002 with the current status, never a second payment
 *   POST /{rail}/pacs.028   a pacs.028 naming one OrgnlEndToEndId -> 200 with the payment's current pacs.002, the
 *                           pacs.004 when the rail has returned it, or a pacs.002 RJCT AG09 (payment not received)
 *                           when the rail never received it
 * A refused message is answered with a pacs.002 that rejects it (OrgnlGrpInfAndSts GrpSts RJCT, StsRsnInf Rsn Cd):
 * 400 FF01 (not a valid message of that kind), 409 DUPL (the EndToEndId was used for another payment), 422 AM03 (a
 * currency the rail does not carry) or CNOR (a creditor the rail does not reach). An unknown route is a bare 404, a
 * rail that is down a bare 503 (no body: the rail's HTTP front speaks no ISO message for those).
 *
 * Asynchronous reports: with `statusReportUrl` (PAYMENT_RAIL_STATUS_REPORT_URL), the rail POSTs each later pacs.002
 * (ACSP, ACSC, RJCT) and each pacs.004 to that bank endpoint with `Authorization: Bearer <statusReportToken>`
 * (PAYMENT_RAIL_STATUS_REPORT_TOKEN), retrying with back-off; pacs.028 stays the way to ask.
 *
 * Sandbox and admin routes (JSON, not part of the rail's message API), besides /__stats and /__faults:
 *   GET  /__sandbox/{rail}/info                  { rail, currencies, countries, maxAmount, cutOffUtc? }
 *   GET  /__sandbox/{rail}/payments?status=ACSC  the rail's book { payments: [{ EndToEndId, Ccy, value, TxSts, Cdtr, RtrRsn? }] }
 *   POST /__sandbox/{rail}/returns               { EndToEndId, reason?: AC04 | AC06 | MD07 | FOCR } -> 201 { RtrId, ... }:
 *                                                the rail returns a settled payment (pacs.004); 404 when none settled
 * Sandbox triggers: data.ts.
 */

export interface PaymentRailSimulatorOptions {
  /** The rails' clock: settlement follows it. */
  readonly now?: () => Date;
  /** Time from receipt to settlement (ACSC); acceptance (ACSP) comes after a third of it. @default 300 */
  readonly settlementDelayMs?: number;
  /** The correspondent rail's daily cut-off, "HH:MM" UTC. @default "16:00" */
  readonly correspondentCutOffUtc?: string;
  /**
   * The bank's endpoint for pushed pacs.002 / pacs.004 reports; none = no pushes (ask with pacs.028). A function is
   * asked at each delivery (an endpoint that listens only after the rail has started).
   */
  readonly statusReportUrl?: string | (() => string | undefined);
  /** Sent as `Authorization: Bearer` with each pushed report. @default SANDBOX_REPORT_TOKEN (with a statusReportUrl) */
  readonly statusReportToken?: string;
}

/** The sandbox's shared secret for pushed reports: published (README), what the bank's sandbox expects. */
export const SANDBOX_REPORT_TOKEN = 'sandbox-payment-rail-report-token';

function xml(status: number, text: string): SimResponse {
  return { status, text, contentType: XML_CONTENT_TYPE };
}

export function createPaymentRailSimulator(options: PaymentRailSimulatorOptions = {}): Simulator {
  const now = options.now ?? (() => new Date());
  const settlementDelayMs = options.settlementDelayMs ?? 300;
  const cutOffUtc = options.correspondentCutOffUtc ?? '16:00';
  if (!Number.isFinite(settlementDelayMs) || settlementDelayMs < 0) {
    throw new RangeError('settlementDelayMs must be a non-negative number');
  }
  const pusher = options.statusReportUrl ? new ReportPusher(options.statusReportUrl, options.statusReportToken ?? SANDBOX_REPORT_TOKEN) : undefined;

  const sim = new Simulator({
    system: 'payment-rail',
    serverError: () => ({ status: 503 }),
    notFound: () => ({ status: 404 }),
  });

  for (const rail of RAIL_NAMES) {
    const rules = RAILS[rail];
    const book = new RailBook({ rail, now, settlementDelayMs, cutOffUtc });
    const base = `/${rail}`;

    /** Refusals thrown as RailError become a pacs.002 rejecting the message. */
    const api =
      (message: MessageName, handler: SimHandler): SimHandler =>
      async (req) => {
        try {
          return await handler(req);
        } catch (err) {
          if (!(err instanceof RailError)) throw err;
          return xml(err.status, messageRejectedXml(book.messageId('STS'), { msgId: err.msgId, message }, err.code, err.message, now()));
        }
      };

    /** Pushes what becomes of a payment at each moment its status can change. */
    const follow = (endToEndId: string, first: TxSts): void => {
      if (!pusher) return;
      let last: string = first;
      for (const at of new Set([0, settlementDelayMs / 3, settlementDelayMs, 3 * settlementDelayMs])) {
        setTimeout(() => {
          const report = book.status(endToEndId);
          if (!report || !('txSts' in report) || report.txSts === last) return;
          last = report.txSts;
          pusher.push(statusReportXml(report));
        }, at + 1).unref();
      }
    };

    sim.route(
      'POST',
      `${base}/pacs.008`,
      api('pacs.008.001.09', (req) => {
        const { status, created } = book.submit(readPacs008(req.rawBody, rules));
        if (created) follow(status.endToEndId, status.txSts);
        return xml(created ? 202 : 200, statusReportXml(status));
      }),
    );

    sim.route(
      'POST',
      `${base}/pacs.028`,
      api('pacs.028.001.04', (req) => {
        const request = readPacs028(req.rawBody);
        const answer = book.status(request.endToEndId);
        if (!answer) return xml(200, notReceivedXml(book.messageId('STS'), request, now()));
        return xml(200, 'txSts' in answer ? statusReportXml(answer) : paymentReturnXml(answer));
      }),
    );

    sim.route('GET', `/__sandbox/${rail}/info`, () => ({
      json: { rail, currencies: rules.currencies, countries: rules.countries, maxAmount: rules.maxAmount, ...(rules.hasCutOff ? { cutOffUtc } : {}) },
    }));

    sim.route('GET', `/__sandbox/${rail}/payments`, (req) => {
      const wanted = req.query.get('status');
      if (wanted !== null && !TX_STATUSES.includes(wanted as TxSts)) {
        return { status: 400, json: { error: `status must be one of ${TX_STATUSES.join(', ')}` } };
      }
      return { json: { payments: book.list((wanted ?? undefined) as TxSts | undefined) } };
    });

    sim.route('POST', `/__sandbox/${rail}/returns`, (req) => {
      const body = req.body as { EndToEndId?: unknown; reason?: unknown } | undefined;
      const reason = body?.reason ?? 'AC04';
      if (typeof body?.EndToEndId !== 'string' || typeof reason !== 'string' || !(reason in RETURN_REASONS)) {
        return { status: 400, json: { error: `want { EndToEndId, reason?: ${Object.keys(RETURN_REASONS).join(' | ')} }` } };
      }
      try {
        const returned = book.returnPayment(body.EndToEndId, reason as ReturnReason);
        pusher?.push(paymentReturnXml(returned));
        return { status: 201, json: { RtrId: returned.rtrId, EndToEndId: returned.endToEndId, reason: returned.reason, value: returned.value, Ccy: returned.ccy } };
      } catch (err) {
        return { status: 404, json: { error: err instanceof Error ? err.message : 'no such payment' } };
      }
    });
  }
  return sim;
}
