import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OnfidoWebhookError, verifyOnfidoWebhook, type OnfidoWebhookEvent } from '../../../connectors/kyc-provider/webhooks.js';
import { ErrorCode } from '../../../lib/errors.js';
import { sendJson } from '../../../lib/http.js';
import type { Logger } from '../../../lib/log.js';
import type { InboundHandler } from '../../../lib/subgraph-server.js';
import type { JourneyEngine } from '../engine/types.js';
import { AWAIT_KYC_CHECK } from '../flows/onboard-customer.js';
import { inboundReportsTotal, readLimitedBody, refuse } from './common.js';
import type { ExternalReferences } from './references.js';

/**
 * POST /inbound/kyc-provider/webhooks: Onfido v3.6 webhook events (the webhook registered with POST /v3.6/webhooks
 * posts `{ payload: { resource_type, action, object: { id, status, completed_at_iso8601, href } } }` and wants a 2xx
 * within 10 s). Each is signed: `X-SHA2-Signature` is the hex HMAC-SHA256 of the raw body with the webhook's token
 * (KYC_WEBHOOK_TOKEN: Onfido gives it when the webhook is created).
 *
 * A `check.*` event is news about a check an onboarding journey started (startKycCheck linked the check id to it): it
 * is recorded once (by the SHA-256 of its body, since an Onfido event has no id of its own and a redelivery is the
 * same body; a redelivery wakes again, since it may follow a wake-up that failed) and wakes the journey's awaitKycCheck, which reads the check from Onfido as ever and decides from that:
 * an event, genuine or not, never clears a customer by itself. Events about other resources (reports, workflow runs)
 * are acknowledged and ignored; a check no journey knows is a 200 no-op: not ours, or whose link is not written yet.
 * That second case loses nothing: startKycCheck links right after Onfido answers, and awaitKycCheck, the step after
 * it, reads the check from Onfido before it first waits, so an event that came before the link has nothing to add.
 *
 * Answers: 200 (recorded, duplicate, unknown, ignored); 401 for a missing or wrong signature; 400 for a body that is
 * not such an event (a warn log with the reason, never the body: it may carry an applicant's name); 405/413/415.
 */

export const KYC_WEBHOOKS_PATH = '/inbound/kyc-provider/webhooks';

const MAX_EVENT_BYTES = 64 * 1024;
const SIGNATURE_HEADER = 'x-sha2-signature';
/** Onfido's ids are UUIDs; anything in this alphabet is accepted as an id (and goes into a store key). */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface KycWebhookOptions {
  readonly engine: JourneyEngine;
  readonly references: ExternalReferences;
  /** The webhook's token (KYC_WEBHOOK_TOKEN). */
  readonly token: string;
  readonly logger: Logger;
}

/** The KYC vendor's inbound route, for createJourneysSubgraph({ inbound }). */
export function kycProviderInbound(options: KycWebhookOptions): Record<string, InboundHandler> {
  const { logger } = options;
  const count = (outcome: string) => inboundReportsTotal.inc({ sender: 'kyc-provider', outcome });

  return {
    async [KYC_WEBHOOKS_PATH](req: IncomingMessage, res: ServerResponse): Promise<void> {
      if (req.method !== 'POST') {
        res.setHeader('allow', 'POST');
        return refuse(res, 405, ErrorCode.BAD_REQUEST, 'POST the event');
      }
      const text = await readLimitedBody(req, res, MAX_EVENT_BYTES, 'an event', count);
      if (text === undefined) return;
      const header = req.headers[SIGNATURE_HEADER];
      // The connector's check (connectors/kyc-provider/webhooks.ts): the signature over the raw bytes, then the body.
      let event: OnfidoWebhookEvent | undefined;
      let malformed: string | undefined;
      try {
        event = verifyOnfidoWebhook(text, Array.isArray(header) ? header[0] : header, options.token);
        if (!ID_RE.test(event.objectId)) malformed = 'payload.object.id is not an id';
      } catch (err) {
        if (!(err instanceof OnfidoWebhookError)) throw err;
        if (err.reason === 'unknown-event') {
          // Signed by Onfido, of a kind this code does not know (Onfido adds them): acknowledged, not refused.
          count('ignored');
          return sendJson(res, 200, { outcome: 'ignored' });
        }
        if (err.reason !== 'bad-body') {
          count('unauthenticated');
          logger.warn({ sender: 'kyc-provider', remote: req.socket.remoteAddress }, 'a webhook without a valid X-SHA2-Signature was refused');
          return refuse(res, 401, ErrorCode.UNAUTHENTICATED, 'a valid X-SHA2-Signature is required');
        }
        malformed = err.message;
      }
      if (!/\bjson\b/i.test(req.headers['content-type'] ?? '')) {
        count('invalid');
        return refuse(res, 415, ErrorCode.BAD_REQUEST, 'the event must be application/json');
      }
      if (malformed !== undefined || event === undefined) {
        const reason = malformed ?? 'not an event';
        count('invalid');
        logger.warn({ sender: 'kyc-provider', reason }, 'a webhook was refused as malformed');
        return refuse(res, 400, ErrorCode.BAD_REQUEST, `not a webhook event we can read: ${reason}`);
      }
      const outcome = await take(options, event, createHash('sha256').update(text, 'utf8').digest('hex'));
      count(outcome);
      sendJson(res, 200, { outcome });
    },
  };
}

async function take(options: KycWebhookOptions, event: OnfidoWebhookEvent, eventId: string): Promise<'recorded' | 'duplicate' | 'unknown' | 'ignored'> {
  if (event.resourceType !== 'check') return 'ignored';
  const { engine, references, logger } = options;
  const recorded = await references.record('kyc-provider', event.objectId, {
    id: eventId,
    action: event.action,
    status: event.status,
    completedAt: event.completedAt,
  });
  if (recorded.kind === 'unknown') {
    logger.info({ sender: 'kyc-provider', checkId: event.objectId, action: event.action }, 'a webhook names a check no journey knows (yet)');
    return 'unknown';
  }
  // A duplicate wakes the check too: Onfido redelivers when our answer to the first delivery was not a 2xx, which
  // is also what happens when the event was recorded and the wake-up then failed. Waking a check that has moved on
  // does nothing (check-now.ts); a check that still waits reads Onfido once more, which decides nothing by itself.
  const woke = await engine.checkNow(recorded.journeyId, AWAIT_KYC_CHECK);
  if (recorded.kind === 'duplicate') return 'duplicate';
  logger.info({ journeyId: recorded.journeyId, checkId: event.objectId, action: event.action, woke }, 'a KYC webhook was recorded');
  return 'recorded';
}
