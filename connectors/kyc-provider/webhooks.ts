import { createHmac, timingSafeEqual } from 'node:crypto';
import { CHECK_STATUSES, type WireCheckStatus } from './wire.js';

/**
 * Onfido's webhooks, checked and read: the body is `{"payload": {resource_type, action, object: {id, status,
 * completed_at_iso8601, href}}}` and `X-SHA2-Signature` is the hex HMAC-SHA256 of the raw body keyed with the
 * webhook's token (Onfido's documentation; the older X-Signature, SHA-1, is not accepted). The signature is checked
 * over the bytes as received, before anything is parsed, in constant time. A pure function: the receiver (the
 * journeys subgraph's inbound routes) answers 2xx only after it has acted, so Onfido retries what was not taken.
 *
 * Events are hints, not the record: Onfido does not promise their order, and a receiver reads the check again
 * (KycProviderConnector.getCheck) before acting on one. Polling stays the fallback for a webhook that never comes.
 */

export const WEBHOOK_RESOURCE_TYPES = ['check', 'report', 'audit_log', 'workflow_run', 'workflow_task', 'watchlist_monitor', 'workflow_timeline_file', 'workflow_run_evidence_folder'] as const;
export type OnfidoWebhookResourceType = (typeof WEBHOOK_RESOURCE_TYPES)[number];

export const WEBHOOK_ACTIONS = [
  'audit_log.created',
  'watchlist_monitor.matches_updated',
  'workflow_run.completed',
  'workflow_task.started',
  'workflow_task.completed',
  'check.started',
  'check.reopened',
  'check.withdrawn',
  'check.completed',
  'check.form_completed',
  'report.withdrawn',
  'report.resumed',
  'report.cancelled',
  'report.awaiting_approval',
  'report.completed',
  'workflow_timeline_file.created',
  'workflow_run_evidence_folder.created',
] as const;
export type OnfidoWebhookAction = (typeof WEBHOOK_ACTIONS)[number];

export interface OnfidoWebhookEvent {
  readonly resourceType: OnfidoWebhookResourceType;
  readonly action: OnfidoWebhookAction;
  /** The object's id: for check and report events, the check's or the report's id. */
  readonly objectId: string;
  /** The object's status when the event was sent, if given (for a check, Onfido's check_status). */
  readonly status: string | null;
  /** For check events, the status as a check status; null for other resources or a status outside the enum. */
  readonly checkStatus: WireCheckStatus | null;
  readonly completedAt: string | null;
  readonly href: string | null;
}

/**
 * `unknown-event`: a genuine, signed event of a resource type or action this code does not know (Onfido adds them):
 * a receiver acknowledges it (2xx, ignored) rather than refusing what is only our gap.
 */
export type WebhookErrorReason = 'missing-signature' | 'bad-signature' | 'bad-body' | 'unknown-event';

/** Why a webhook was refused: a receiver answers 401 for a signature problem, 400 for a body it cannot read. */
export class OnfidoWebhookError extends Error {
  override readonly name = 'OnfidoWebhookError';
  constructor(
    readonly reason: WebhookErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export function webhookSignature(token: string, rawBody: string): string {
  return createHmac('sha256', token).update(rawBody, 'utf8').digest('hex');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Verifies an Onfido webhook's signature and reads its body; throws OnfidoWebhookError otherwise. */
export function verifyOnfidoWebhook(rawBody: string, signature: string | undefined, token: string): OnfidoWebhookEvent {
  if (token === '') throw new TypeError('the webhook token must not be empty');
  const given = signature?.trim().toLowerCase();
  if (!given) throw new OnfidoWebhookError('missing-signature', 'the X-SHA2-Signature header is missing');
  if (!/^[0-9a-f]{64}$/.test(given)) throw new OnfidoWebhookError('bad-signature', 'X-SHA2-Signature is not a hex HMAC-SHA256');
  const expected = Buffer.from(webhookSignature(token, rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) throw new OnfidoWebhookError('bad-signature', 'X-SHA2-Signature does not match the body');

  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new OnfidoWebhookError('bad-body', 'the webhook body is not JSON');
  }
  const payload = isRecord(json) ? json.payload : undefined;
  if (!isRecord(payload)) throw new OnfidoWebhookError('bad-body', 'the webhook body has no payload object');
  const { resource_type: resourceType, action, object } = payload;
  if (typeof resourceType !== 'string' || !/^[a-z_]{1,64}$/.test(resourceType)) throw new OnfidoWebhookError('bad-body', `payload.resource_type is ${JSON.stringify(resourceType)}`);
  if (typeof action !== 'string' || action.length > 128) throw new OnfidoWebhookError('bad-body', `payload.action is ${JSON.stringify(action)}`);
  // An event's action names its resource ("check.completed" is about a check): one that does not is not Onfido's.
  if (!action.startsWith(`${resourceType}.`)) throw new OnfidoWebhookError('bad-body', `payload.action ${action} is not about a ${resourceType}`);
  if (!(WEBHOOK_RESOURCE_TYPES as readonly string[]).includes(resourceType) || !(WEBHOOK_ACTIONS as readonly string[]).includes(action)) {
    throw new OnfidoWebhookError('unknown-event', `an event this code does not know: ${action}`);
  }
  if (!isRecord(object) || typeof object.id !== 'string' || object.id === '') throw new OnfidoWebhookError('bad-body', 'payload.object has no id');
  const text = (v: unknown, what: string): string | null => {
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') throw new OnfidoWebhookError('bad-body', `payload.object.${what} is not a string`);
    return v;
  };
  const status = text(object.status, 'status');
  const completed = text(object.completed_at_iso8601, 'completed_at_iso8601');
  if (completed !== null && Number.isNaN(Date.parse(completed))) throw new OnfidoWebhookError('bad-body', 'payload.object.completed_at_iso8601 is not a date-time');
  return {
    resourceType: resourceType as OnfidoWebhookResourceType,
    action: action as OnfidoWebhookAction,
    objectId: object.id,
    status,
    checkStatus: resourceType === 'check' && status !== null && (CHECK_STATUSES as readonly string[]).includes(status) ? (status as WireCheckStatus) : null,
    completedAt: completed === null ? null : new Date(completed).toISOString(),
    href: text(object.href, 'href'),
  };
}
