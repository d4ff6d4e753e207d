import { createHash, timingSafeEqual } from 'node:crypto';
import type { SimRequest } from '../http.js';

/**
 * Onfido's authentication: every call carries `Authorization: Token token=<API token>`, nothing else. There is no
 * request signing (only the webhooks Onfido sends are signed: webhooks.ts). A missing or wrong token is a 401
 * `authorization_error`.
 */

/** Constant-time equality of two strings of any length (compares their digests). */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** Null when the request carries the API token, else why not (never echoing what was expected). */
export function verifyToken(req: SimRequest, apiToken: string): string | null {
  const raw = req.headers.authorization;
  if (typeof raw !== 'string' || raw.trim() === '') return 'Please provide an API token in the Authorization header: Token token=<your token>';
  const match = /^Token token=(\S+)$/.exec(raw.trim());
  if (!match) return 'The Authorization header must be of the form "Token token=<your token>"';
  if (!sameSecret(match[1] as string, apiToken)) return 'Invalid token';
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
