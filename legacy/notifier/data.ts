/**
 * The notifier's rules, apart from HTTP: what a message must look like per channel, and the seeded coin it flips to
 * decide which sends fail (a notification provider that is flaky by design).
 */

export type Channel = 'email' | 'sms' | 'push';
export const CHANNELS: readonly Channel[] = ['email', 'sms', 'push'];

export interface StoredMessage {
  message_id: string;
  channel: Channel;
  /** Email address, E.164 phone number or push device token: personal data, the connector never logs it. */
  to: string;
  template: string;
  params: Record<string, string>;
  idempotency_key: string;
  /** Accepted messages are handed to the carrier at once; the sandbox carriers never bounce. */
  status: 'delivered';
  /** ISO 8601 date-time. */
  created_at: string;
  delivered_at: string;
}

/** A message as asked for, checked. */
export interface MessageRequest {
  channel: Channel;
  to: string;
  template: string;
  params: Record<string, string>;
  idempotency_key: string;
}

/** A refusal: status and the notifier's flat error text (never echoing the recipient). */
export class NotifierError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const EMAIL_RE = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;
const PUSH_TOKEN_RE = /^[A-Za-z0-9:_\-.]{8,256}$/;
const TEMPLATE_RE = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Any printable ASCII without blanks: callers derive keys from their own ids, the notifier only compares them. */
const KEY_RE = /^[\x21-\x7e]{1,255}$/;
const MAX_PARAMS = 32;

function invalid(field: string, message: string): NotifierError {
  return new NotifierError(422, message, field);
}

/** The request body as a message, or a 422 naming the field (and never its value). */
export function readMessage(body: unknown): MessageRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('body', 'the body must be a JSON object (Content-Type: application/json)');
  }
  const b = body as Record<string, unknown>;
  const channel = b.channel;
  if (typeof channel !== 'string' || !CHANNELS.includes(channel as Channel)) {
    throw invalid('channel', `channel must be one of ${CHANNELS.join(', ')}`);
  }
  const to = b.to;
  const toRe = channel === 'email' ? EMAIL_RE : channel === 'sms' ? E164_RE : PUSH_TOKEN_RE;
  const what = channel === 'email' ? 'an email address' : channel === 'sms' ? 'an E.164 phone number' : 'a push device token';
  if (typeof to !== 'string' || !toRe.test(to)) throw invalid('to', `to must be ${what} for channel ${channel}`);
  const template = b.template;
  if (typeof template !== 'string' || !TEMPLATE_RE.test(template)) {
    throw invalid('template', 'template must be a template name such as "payment_sent"');
  }
  const params = b.params ?? {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalid('params', 'params must be an object of strings');
  }
  const entries = Object.entries(params as Record<string, unknown>);
  if (entries.length > MAX_PARAMS) throw invalid('params', `params takes at most ${MAX_PARAMS} entries`);
  for (const [k, v] of entries) {
    if (typeof v !== 'string' || v.length > 1000) throw invalid('params', `params.${k.slice(0, 40)} must be a string of at most 1000 characters`);
  }
  const key = b.idempotency_key;
  if (typeof key !== 'string' || !KEY_RE.test(key)) {
    throw invalid('idempotency_key', 'idempotency_key is required (1-255 printable characters, no blanks)');
  }
  return {
    channel: channel as Channel,
    to,
    template,
    params: Object.fromEntries(entries) as Record<string, string>,
    idempotency_key: key,
  };
}

/** Whether two requests are the same message (a replay) rather than a reused key. */
export function sameMessage(a: MessageRequest, b: MessageRequest): boolean {
  return fingerprint(a) === fingerprint(b);
}

function fingerprint(m: MessageRequest): string {
  const params = Object.keys(m.params)
    .sort()
    .map((k) => [k, m.params[k]]);
  return JSON.stringify([m.channel, m.to, m.template, params]);
}

/** mulberry32: a small seeded generator in [0, 1), so a seeded notifier fails the same calls every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
