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

const PAN_LIKE = /\b(?:\d[ -]?){13,19}\b/g;

/** Masks PAN-like digit runs in free text, keeping the last four digits. */
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
      serializers: {
        err: (err: unknown) => {
          const e = err as { name?: string; message?: string; stack?: string; code?: string };
          return {
            type: e?.name,
            message: scrubText(String(e?.message ?? err)),
            code: e?.code,
            stack: e?.stack ? scrubText(e.stack) : undefined,
          };
        },
      },
    },
    destination,
  );
}

export type { Logger };
