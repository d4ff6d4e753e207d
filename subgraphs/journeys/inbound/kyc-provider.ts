import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../../lib/errors.js';
import { readBody, sendJson } from '../../../lib/http.js';
import type { Logger } from '../../../lib/log.js';
import type { InboundHandler } from '../../../lib/subgraph-server.js';
import type { JourneyEngine } from '../engine/types.js';
import { AWAIT_KYC_CHECK } from '../flows/onboard-customer.js';
import { inboundReportsTotal, refuse } from './common.js';
import type { ExternalReferences } from './references.js';

/**
 * POST /inbound/kyc-provider/webhooks: Onfido v3.6 webhook events (the webhook registered with POST /v3.6/webhooks
 * posts `{ payload: { resource_type, action, object: { id, status, completed_at_iso8601, href } } }` and wants a 2xx
 * within 10 s). Each is signed: `X-SHA2-Signature` is the hex HMAC-SHA256 of the raw body with the webhook's token
 * (KYC_WEBHOOK_TOKEN: Onfido gives it when the webhook is created).
 *
 * A `check.*` event is news about a check an onboarding journey started (startKycCheck linked the check id to it): it
 * is recorded once (by the SHA-256 of its body, since an Onfido event has no id of its own and a redelivery is the
 * same body) and wakes the journey's awaitKycCheck, which reads the check from Onfido as ever and decides from that:
 * an event, genuine or not, never clears a customer by itself. Events about other resources (reports, workflow runs)
 * are acknowledged and ignored; a check no journey knows (not ours, or whose link is not written yet: startKycCheck
 * links right after Onfido answers, and the check's poll catches that case) is a 200 no-op.
 *
 * Answers: 200 (recorded, duplicate, unknown, ignored); 401 for a missing or wrong signature; 400 for a body that is
 * not such an event (a warn log with the reason, never the body: it may carry an applicant's name); 405/413/415.
 */

export const KYC_WEBHOOKS_PATH = '/inbound/kyc-provider/webhooks';

const MAX_EVENT_BYTES = 64 * 1024;
const SIGNATURE_HEADER = 'x-sha2-signature';
/** Onfido's ids are UUIDs; anything in this alphabet is accepted as an id (and goes into a store key). */
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;
const RESOURCE_TYPES: ReadonlySet<string> = new Set(['check', 'report', 'audit_log', 'workflow_run', 'workflow_task', 'watchlist_monitor', 'workflow_timeline_file', 'workflow_run_evidence_folder']);

export interface KycWebhookOptions {
  readonly engine: JourneyEngine;
  readonly references: ExternalReferences;
  /** The webhook's token (KYC_WEBHOOK_TOKEN). */
  readonly token: string;
  readonly logger: Logger;
}

/** What an event says, as recorded. */
interface WebhookEvent {
  readonly resourceType: string;
  readonly action: string;
  readonly objectId: string;
  readonly status: string | null;
  readonly completedAt: string | null;
}

/**
 * Whether `signature` (X-SHA2-Signature) is the hex HMAC-SHA256 of the raw body with `token`. (The Onfido connector
 * of the `onfido` branch exports verifyOnfidoWebhook for this; at merge this receiver uses that one.)
 */
export function verifyWebhookSignature(rawBody: string, signature: string | undefined, token: string): boolean {
  if (!signature || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = createHmac('sha256', token).update(rawBody, 'utf8').digest();
  return timingSafeEqual(Buffer.from(signature, 'hex'), expected);
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
      const body = await readBody(req, MAX_EVENT_BYTES);
      if (body.kind === 'too-large') {
        count('invalid');
        if (!body.drained) res.setHeader('connection', 'close');
        return refuse(res, 413, ErrorCode.BAD_REQUEST, `an event is at most ${MAX_EVENT_BYTES} bytes`);
      }
      const header = req.headers[SIGNATURE_HEADER];
      if (!verifyWebhookSignature(body.text, Array.isArray(header) ? header[0] : header, options.token)) {
        count('unauthenticated');
        logger.warn({ sender: 'kyc-provider', remote: req.socket.remoteAddress }, 'a webhook without a valid X-SHA2-Signature was refused');
        return refuse(res, 401, ErrorCode.UNAUTHENTICATED, 'a valid X-SHA2-Signature is required');
      }
      if (!/\bjson\b/i.test(req.headers['content-type'] ?? '')) {
        count('invalid');
        return refuse(res, 415, ErrorCode.BAD_REQUEST, 'the event must be application/json');
      }
      const event = readEvent(body.text);
      if (typeof event === 'string') {
        count('invalid');
        logger.warn({ sender: 'kyc-provider', reason: event }, 'a webhook was refused as malformed');
        return refuse(res, 400, ErrorCode.BAD_REQUEST, `not a webhook event we can read: ${event}`);
      }
      const outcome = await take(options, event, createHash('sha256').update(body.text, 'utf8').digest('hex'));
      count(outcome);
      sendJson(res, 200, { outcome });
    },
  };
}

async function take(options: KycWebhookOptions, event: WebhookEvent, eventId: string): Promise<'recorded' | 'duplicate' | 'unknown' | 'ignored'> {
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
  if (recorded.kind === 'duplicate') return 'duplicate';
  const woke = await engine.checkNow(recorded.journeyId, AWAIT_KYC_CHECK);
  logger.info({ journeyId: recorded.journeyId, checkId: event.objectId, action: event.action, woke }, 'a KYC webhook was recorded');
  return 'recorded';
}

/** The event's fields, or why it is not an Onfido webhook event. */
function readEvent(text: string): WebhookEvent | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'malformed JSON';
  }
  const payload = isRecord(parsed) ? parsed.payload : undefined;
  if (!isRecord(payload)) return 'no payload object';
  const { resource_type: resourceType, action, object } = payload;
  if (typeof resourceType !== 'string' || !RESOURCE_TYPES.has(resourceType)) return 'payload.resource_type is not one of Onfido’s resource types';
  if (typeof action !== 'string' || !action.startsWith(`${resourceType}.`) || action.length > 64) return `payload.action is not a ${resourceType}.* event`;
  if (!isRecord(object) || typeof object.id !== 'string' || !ID_RE.test(object.id)) return 'payload.object.id is missing or not an id';
  const status = object.status === undefined || object.status === null ? null : object.status;
  if (status !== null && (typeof status !== 'string' || status.length > 32)) return 'payload.object.status is not a status';
  const completedAt = object.completed_at_iso8601 === undefined || object.completed_at_iso8601 === null ? null : object.completed_at_iso8601;
  if (completedAt !== null && (typeof completedAt !== 'string' || Number.isNaN(Date.parse(completedAt)))) return 'payload.object.completed_at_iso8601 is not a date-time';
  return { resourceType, action, objectId: object.id, status, completedAt };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
