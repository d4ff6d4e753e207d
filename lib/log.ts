import { pino, type Logger, type DestinationStream } from 'pino';
import { logLevel } from './config.js';

/**
 * Structured JSON logs. Tokens, secrets, PAN, CVV/PIN and PII are redacted by path; the `scrub` serializer also
 * masks anything that looks like a PAN in free text (a legacy message quoting a card number).
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

/** 13 to 19 digits, maybe grouped by spaces or dashes; it ends on a digit, so the text after it is left alone. */
const PAN_LIKE = /\b(?:\d[ -]?){12,18}\d\b/g;

/**
 * Masks PAN-like digit runs in free text, keeping the last four digits. The one PAN scrubber: logs use it, and so
 * does any connector keeping legacy text for logs (the card processor quoting a card number in an error).
 */
export function scrubText(text: string): string {
  return text.replace(PAN_LIKE, (m) => {
    const digits = m.replace(/\D/g, '');
    return `****${digits.slice(-4)}`;
  });
}

export function createLogger(name: string, destination?: DestinationStream): Logger {
  return pino(
    {
      name,
      level: logLevel(),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
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
