import { ErrorCode, UpstreamError, type UpstreamDetail } from '../../lib/errors.js';
import { tuning } from '../util.js';
import { LegacyHttpClient, type BreakerOptions, type LegacyCall, type LegacyResponse, type RetryOptions } from '../http.js';

/**
 * The notifier connector: email, SMS and push through the notification provider (legacy/notifier). Every send carries
 * the caller's reference as the provider's idempotency_key, which it honours, so a send is safe to retry and a
 * message is never delivered twice. The recipient (`to`) is personal data: it is never logged and never put into an
 * error, and whatever the provider says back is masked before it reaches an error's detail.
 */

export const SYSTEM = 'notifier';

export type NotificationChannel = 'email' | 'sms' | 'push';

export interface NotificationInput {
  readonly channel: NotificationChannel;
  /** Email address, E.164 phone number or push device token. */
  readonly to: string;
  readonly template: string;
  readonly params: Record<string, string>;
  /** The idempotency reference (1-255 printable ASCII characters, no blanks): the same one is one message. */
  readonly reference: string;
}

export interface NotifierConnectorOptions {
  readonly baseUrl: string;
  /** Timeout of one attempt, ms. @default 2000 */
  readonly timeoutMs?: number;
  readonly retry?: RetryOptions;
  readonly breaker?: BreakerOptions;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Masks email addresses and phone numbers in provider text before it goes into an error's detail. */
export function maskContacts(text: string): string {
  return text
    .replace(/[^\s@"']+@[^\s@"']+/g, '***@***')
    .replace(/\+?\d[\d ()-]{5,}\d/g, (m) => `***${m.replace(/\D/g, '').slice(-2)}`);
}

/** The provider's `{ error, field? }` as one of our codes: 5xx/429 unavailable, 404 not found, other 4xx refused. */
export function mapNotifierError(response: LegacyResponse, call: LegacyCall): UpstreamError {
  const body = isObject(response.json) ? response.json : undefined;
  const text = typeof body?.error === 'string' ? body.error : response.text;
  const field = typeof body?.field === 'string' ? ` (field ${body.field})` : '';
  const detail: UpstreamDetail = { route: call.route, status: response.status, legacyMessage: maskContacts(`${text.slice(0, 500)}${field}`) };
  if (response.status >= 500 || response.status === 429) {
    return new UpstreamError(ErrorCode.UPSTREAM_UNAVAILABLE, SYSTEM, `${SYSTEM} is unavailable`, detail);
  }
  if (response.status === 404) return new UpstreamError(ErrorCode.NOT_FOUND, SYSTEM, `${SYSTEM} does not know this message`, detail);
  return new UpstreamError(ErrorCode.UPSTREAM_REJECTED, SYSTEM, `${SYSTEM} refused the message`, detail);
}

function badResponse(route: string, what: string): UpstreamError {
  return new UpstreamError(ErrorCode.UPSTREAM_BAD_RESPONSE, SYSTEM, `${SYSTEM} sent an answer we cannot read`, { route, legacyMessage: what });
}

function messageId(raw: unknown, route: string): string {
  const id = isObject(raw) ? raw.message_id : undefined;
  if (typeof id !== 'string' || id === '') throw badResponse(route, 'a message without message_id');
  return id;
}

export class NotifierConnector {
  readonly http: LegacyHttpClient;

  constructor(options: NotifierConnectorOptions) {
    this.http = new LegacyHttpClient({
      system: SYSTEM,
      baseUrl: options.baseUrl,
      ...tuning(options),
      mapError: mapNotifierError,
    });
  }

  /** Sends (or, for a reference already sent, finds) the message. Retried on 5xx: the reference makes that safe. */
  async send(input: NotificationInput): Promise<{ messageId: string }> {
    const route = 'POST /v1/messages';
    const body = await this.http.json<unknown>({
      method: 'POST',
      path: '/v1/messages',
      route,
      body: {
        channel: input.channel,
        to: input.to,
        template: input.template,
        params: input.params,
        idempotency_key: input.reference,
      },
      idempotent: true,
    });
    return { messageId: messageId(body, route) };
  }

  /** The message sent under this reference, or null when the provider never accepted one (safe to send). */
  async find(reference: string): Promise<{ messageId: string } | null> {
    const route = 'GET /v1/messages?idempotency_key';
    const body = await this.http.json<unknown>({
      method: 'GET',
      path: `/v1/messages?idempotency_key=${encodeURIComponent(reference)}`,
      route,
      idempotent: true,
    });
    const list = isObject(body) ? body.messages : undefined;
    if (!Array.isArray(list)) throw badResponse(route, 'a message list without messages');
    return list.length === 0 ? null : { messageId: messageId(list[0], route) };
  }

  async close(): Promise<void> {
    await this.http.close();
  }
}
