import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { SimRequest } from '../http.js';

/**
 * Request signing, as the provider documents it:
 *
 *   X-App-Token   the application token
 *   X-Timestamp   unix seconds; refused when more than 300 s away from the provider's clock
 *   X-Signature   hex HMAC-SHA256(hmacSecret, `${timestamp}\n${METHOD}\n${pathWithQuery}\n${rawBody}`)
 *
 * `pathWithQuery` is canonical: the path as sent, then (when there is a query) "?" and the query re-serialised as
 * application/x-www-form-urlencoded (what URLSearchParams#toString gives, so "," is "%2C"). Clients that build their
 * query with URLSearchParams sign exactly what they send. `rawBody` is the body text, "" when there is none.
 */

export const MAX_SKEW_SECONDS = 300;

export function canonicalPath(req: Pick<SimRequest, 'path' | 'query'>): string {
  const qs = req.query.toString();
  return qs ? `${req.path}?${qs}` : req.path;
}

export function signatureOf(secret: string, timestamp: string, method: string, pathWithQuery: string, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${method.toUpperCase()}\n${pathWithQuery}\n${rawBody}`).digest('hex');
}

function header(req: SimRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}

/** Constant-time equality of two strings of any length (compares their digests). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Null when the request is correctly signed, else why not (never echoing what was expected). */
export function verifyRequest(req: SimRequest, appToken: string, hmacSecret: string, now: Date): string | null {
  const token = header(req, 'x-app-token');
  const timestamp = header(req, 'x-timestamp');
  const signature = header(req, 'x-signature');
  if (token === undefined || timestamp === undefined || signature === undefined) {
    return 'X-App-Token, X-Timestamp and X-Signature headers are required';
  }
  if (!sameSecret(token, appToken)) return 'invalid application token';
  if (!/^\d{1,12}$/.test(timestamp)) return 'X-Timestamp must be unix seconds';
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
    return `X-Timestamp is more than ${MAX_SKEW_SECONDS} seconds away from the server clock`;
  }
  if (!/^[0-9a-fA-F]{64}$/.test(signature)) return 'X-Signature must be a hex HMAC-SHA256';
  const expected = Buffer.from(signatureOf(hmacSecret, timestamp, req.method, canonicalPath(req), req.rawBody), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(signature, 'hex'))) return 'signature does not match the request';
  return null;
}

/** A token bucket: holds up to `ratePerSecond` tokens, refilled continuously at `ratePerSecond`. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly clockMs: () => number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new Error('ratePerSecond must be a positive number');
    this.tokens = ratePerSecond;
    this.last = clockMs();
  }

  take(): boolean {
    const t = this.clockMs();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + (Math.max(0, t - this.last) * this.ratePerSecond) / 1000);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
