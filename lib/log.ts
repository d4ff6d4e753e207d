import { pino, type Logger, type DestinationStream } from 'pino';
import { logLevel } from './config.js';
import { activeTraceIds, currentLogContext } from './telemetry/log-context.js';

/**
 * Structured JSON logs. Tokens, secrets, PAN, CVV/PIN and PII are redacted by path; every string written (message,
 * fields, error) is also scrubbed (scrubText): PAN-like numbers, tokens, e-mail addresses and phone numbers in free
 * text (a legacy message quoting a card number) are masked.
 */
export const REDACT_PATHS = [
  'authorization',
  'token',
  'password',
  'secret',
  'pan',
  'cvv',
  'pin',
  '*.authorization',
  '*.token',
  '*.password',
  '*.secret',
  '*.pan',
  '*.cvv',
  '*.pin',
  '*.email',
  '*.phone',
  '*.dateOfBirth',
  'headers.authorization',
  'headers["x-bankgraph-context"]',
  'req.headers.authorization',
  'req.headers["x-bankgraph-context"]',
];

/**
 * 13 to 19 digits, maybe grouped by spaces or dashes, not glued to letters or other digits (an underscore or any
 * punctuation may touch it: `req_4111111111111111` is a card number in a legacy request id); it ends on a digit, so
 * the text after it is left alone. Hex hashes and base32 ids (digits among letters) are not matched.
 */
const PAN_LIKE = /(?<![0-9A-Za-z])(?:\d[ -]?){12,18}\d(?![0-9A-Za-z])/g;
/**
 * A canonical UUID (8-4-4-4-12 hex), or else PAN_LIKE: request ids are random UUIDs, and one whose first groups are
 * all digits (`12345678-1234-4792-…`, about one in 500) reads as a grouped 16-digit number. Matched first and kept,
 * so a log line's request id always correlates; no card number is written in UUID shape.
 */
const UUID_OR_PAN = new RegExp(
  `(?<![0-9A-Za-z])(?<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})(?![0-9A-Za-z])|${PAN_LIKE.source}`,
  'g',
);
/** `Bearer <anything>`: an authorization header quoted in text. */
const BEARER = /\bbearer\s+\S+/gi;
/** A JWT (bearer token, signed internal context): base64url JSON header `eyJ...`, then payload and signature. */
const JWT_LIKE = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const EMAIL_LIKE = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
/** An international phone number: `+`, then at least 8 digits, maybe grouped (`+49 30 1234567`). */
const PHONE_LIKE = /\+\d(?:[ ()-]?\d){7,16}/g;

/**
 * Masks, in free text, what must never be written to a log or an audit event: PAN-like digit runs (keeping the last
 * four digits), bearer tokens and JWTs, e-mail addresses and international phone numbers. The one scrubber: logs use
 * it on every string they write, and so does any connector keeping legacy text for logs (a legacy error quoting a
 * card number, a customer's contact details or the caller's token), and the audit log (lib/audit.ts).
 */
export function scrubText(text: string): string {
  return text
    .replace(BEARER, 'Bearer [redacted]')
    .replace(JWT_LIKE, '[redacted-jwt]')
    .replace(EMAIL_LIKE, '[redacted-email]')
    .replace(PHONE_LIKE, '[redacted-phone]')
    .replace(UUID_OR_PAN, (m: string, uuid: string | undefined) => {
      if (uuid) return m;
      const digits = m.replace(/\D/g, '');
      return `****${digits.slice(-4)}`;
    });
}

/**
 * Every string in a log line's own fields (plain objects and arrays, to a depth of 8), scrubbed: redaction by path
 * only covers the keys it names, and a legacy text can turn up under any key (`reason`, `detail`, `body`). Errors and
 * other class instances are left to their serializers (`err`: serializeError).
 */
export function scrubFields(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubFields(v, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = scrubFields(v, depth + 1);
  return out;
}

export function createLogger(name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level: logLevel(),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }), log: (object) => withContext(scrubFields(object) as Record<string, unknown>) },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as typeof args;
          method.apply(this, scrubbed);
        },
      },
      serializers: { err: serializeError },
    },
    destination,
  );
}

/**
 * Where a line belongs: the request id and journey id of the current log context (lib/telemetry/log-context.ts: set
 * by the gateway and subgraph edges and the journey runner), under the line's own fields (a line naming its request
 * id keeps it), and the active span's trace and span ids. Done in the `log` formatter rather than a pino mixin,
 * whose fields would go through scrubbing: a span id is 16 hex digits, all decimal once in ~2000 spans, and
 * PAN_LIKE would mask it. The ids come from OpenTelemetry's validated span context (lowercase hex only); the
 * request id is scrubbed like any field (a client chose it, within request-id.ts's charset).
 */
function withContext(line: Record<string, unknown>): Record<string, unknown> {
  const ctx = currentLogContext();
  const ids = activeTraceIds();
  if (!ctx && !ids) return line;
  return {
    ...(ctx?.requestId ? { requestId: scrubText(ctx.requestId) } : {}),
    ...(ctx?.journeyId ? { journeyId: scrubText(ctx.journeyId) } : {}),
    ...line,
    ...(ids ? { traceId: ids.traceId, spanId: ids.spanId } : {}),
  };
}

/**
 * The `err` of a log line: type, message, code and stack, all PAN-scrubbed, and the `detail` of a failed legacy call
 * (UpstreamError keeps it off the enumerable surface so that nothing else serialises it): route, status, legacy code
 * and message, each string scrubbed too.
 */
export function serializeError(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; stack?: string; code?: string; detail?: unknown } | null | undefined;
  const detail = e?.detail;
  return {
    type: e?.name,
    message: scrubText(String(e?.message ?? err)),
    code: e?.code,
    ...(typeof detail === 'object' && detail !== null ? { detail: scrubValues(detail as Record<string, unknown>) } : {}),
    stack: e?.stack ? scrubText(e.stack) : undefined,
  };
}

function scrubValues(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) out[k] = typeof v === 'string' ? scrubText(v) : v;
  return out;
}

export type { Logger };
