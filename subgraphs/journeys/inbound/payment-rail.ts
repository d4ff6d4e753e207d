import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter } from 'prom-client';
import { InvalidRailReport, readRailReport, type RailReport, type RailStatus } from '../../../connectors/payment-rail/index.js';
import { ErrorCode } from '../../../lib/errors.js';
import { sendJson } from '../../../lib/http.js';
import type { Logger } from '../../../lib/log.js';
import type { InboundHandler } from '../../../lib/subgraph-server.js';
import { journeysRegistry } from '../engine/metrics.js';
import type { JourneyEngine } from '../engine/types.js';
import { AWAIT_SETTLEMENT } from '../flows/send-international-payment.js';
import { inboundReportsTotal, readLimitedBody, refuse } from './common.js';
import type { ExternalReferences } from './references.js';

/**
 * POST /inbound/payment-rail/status-reports: the rail's pushed ISO 20022 reports (pacs.002.001.11 status reports,
 * pacs.004.001.10 returns), each about payouts our pacs.008s made. The rail POSTs them on its own and retries until it
 * gets a 2xx; order is not promised.
 *
 * A report is news, not a decision: it is recorded against the payout's journey (found by its EndToEndId, which
 * chooseRail linked before the payout was sent) and wakes the journey's settlement check ahead of its back-off
 * (JourneyEngine.checkNow). The check asks the rail (pacs.028) as ever and decides from that answer, so a report never
 * moves money: a duplicate (same MsgId) is recorded once (and wakes a check that still waits, in case the first
 * wake-up failed), an out-of-order one only causes a check.
 * Polling with back-off stays the fallback for reports that never arrive.
 *
 * The sender authenticates with `Authorization: Bearer <PAYMENT_RAIL_STATUS_REPORT_TOKEN>` (a shared secret; in front of
 * a real rail, mTLS at the ingress as well). Answers (never a 5xx for the sender's mistake, so a rail does not retry it):
 *   200  recorded, or a duplicate, or about payouts we do not know (nothing to do: retrying could not change that)
 *   401  no or wrong token        405  not a POST        413  over 256 KiB        415  not XML
 *   400  not a pacs.002.001.11 / pacs.004.001.10 we can read (the reason in the answer and a warn log, never the body)
 * A store that cannot be reached is ours to fix: 500, and the rail retries.
 *
 * A pacs.004 for a payout whose journey is COMPLETED (money the creditor's bank sent back after settlement) is counted
 * (`bankgraph_payment_returns_total`) and logged at warn for operations (`alert: PAYMENT_RETURNED`); acting on it
 * (crediting the customer) is for a later change.
 */

export const PAYMENT_RAIL_REPORTS_PATH = '/inbound/payment-rail/status-reports';

const MAX_REPORT_BYTES = 256 * 1024;

export const paymentReturnsTotal = new Counter({
  name: 'bankgraph_payment_returns_total',
  help: 'Payment returns (pacs.004) the rail pushed for payouts whose journey had COMPLETED: money sent back after settlement, for operations.',
  labelNames: ['reason'] as const,
  registers: [journeysRegistry],
});

export interface PaymentRailInboundOptions {
  readonly engine: JourneyEngine;
  readonly references: ExternalReferences;
  /** The bearer token the rail sends (PAYMENT_RAIL_STATUS_REPORT_TOKEN). */
  readonly token: string;
  readonly logger: Logger;
}

/** The rail's inbound route, for createJourneysSubgraph({ inbound }). */
export function paymentRailInbound(options: PaymentRailInboundOptions): Record<string, InboundHandler> {
  const expected = digestOf(options.token);
  const { logger } = options;
  const count = (outcome: string, n = 1) => inboundReportsTotal.inc({ sender: 'payment-rail', outcome }, n);

  return {
    async [PAYMENT_RAIL_REPORTS_PATH](req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return refuse(res, 405, ErrorCode.BAD_REQUEST, 'POST the report');
      }
      if (!authenticated(req.headers.authorization, expected)) {
        count('unauthenticated');
        logger.warn({ sender: 'payment-rail', remote: req.socket.remoteAddress }, 'a pushed report without a valid token was refused');
        res.setHeader('www-authenticate', 'Bearer realm="payment-rail reports"');
        return refuse(res, 401, ErrorCode.UNAUTHENTICATED, 'a valid bearer token is required');
      }
      if (!/\bxml\b/i.test(req.headers['content-type'] ?? '')) {
        count('invalid');
        return refuse(res, 415, ErrorCode.BAD_REQUEST, 'the report must be application/xml');
      }
      const text = await readLimitedBody(req, res, MAX_REPORT_BYTES, 'a report', count);
      if (text === undefined) return;
      let report: RailReport;
      try {
        report = readRailReport(text);
      } catch (err) {
        if (!(err instanceof InvalidRailReport)) throw err;
        count('invalid');
        // The reason names what was wrong; the body (names, IBANs) is never logged.
        logger.warn({ sender: 'payment-rail', reason: err.message }, 'a pushed report was refused as malformed');
        return refuse(res, 400, ErrorCode.BAD_REQUEST, `not a report we can read: ${err.message}`);
      }
      const outcomes = [];
      for (const status of report.statuses) outcomes.push(await take(options, report, status));
      for (const outcome of outcomes) count(outcome);
      sendJson(res, 200, { msgId: report.msgId, transactions: outcomes });
    },
  };
}

/** Records one transaction's status for its journey and wakes the settlement check, once per report. */
async function take(options: PaymentRailInboundOptions, report: RailReport, status: RailStatus): Promise<'recorded' | 'duplicate' | 'unknown'> {
  const { engine, references, logger } = options;
  const { endToEndId } = status;
  const recorded = await references.record('payment-rail', endToEndId, {
    // A pacs.002 and the pacs.004 about the same payout are different events even if a rail reused a MsgId.
    id: `${report.message}:${report.msgId}`,
    message: report.message,
    msgId: report.msgId,
    state: status.state,
    reasonCode: status.reasonCode,
    settlementDate: status.settlementDate,
  });
  if (recorded.kind === 'unknown') {
    // Not ours, or paid before payouts were linked (their settlement is polled): nothing to wake.
    logger.warn({ sender: 'payment-rail', endToEndId, message: report.message }, 'a pushed report names a payout no journey knows');
    return 'unknown';
  }
  const { journeyId } = recorded;
  // A duplicate wakes the check too: a rail redelivers when our answer was not a 2xx, which is also what happens
  // when the report was recorded and the wake-up then failed. Waking a check that has moved on does nothing.
  const woke = await engine.checkNow(journeyId, AWAIT_SETTLEMENT);
  if (recorded.kind === 'duplicate') return 'duplicate';
  logger.info({ journeyId, endToEndId, message: report.message, state: status.state, woke }, 'a pushed payment report was recorded');
  if (report.message === 'pacs.004.001.10') {
    const journey = await engine.get(journeyId);
    if (journey?.status === 'COMPLETED') {
      const reason = status.reasonCode ?? 'NARR';
      paymentReturnsTotal.inc({ reason });
      logger.warn(
        { alert: 'PAYMENT_RETURNED', journeyId, endToEndId, reasonCode: reason },
        'the rail returned a payout whose journey had completed: the money is back at the bank, the customer is not refunded yet',
      );
    }
  }
  return 'recorded';
}

/** SHA-256 first, so the comparison takes the same time whatever the lengths. */
function digestOf(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function authenticated(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digestOf(match[1]!), expected);
}
