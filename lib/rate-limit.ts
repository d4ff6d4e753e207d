import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describePrincipal, type Principal } from './principal.js';
import type { KeyValueStore } from './store/index.js';

/**
 * Rate limits: a token bucket per principal (all of their operations), and one per principal and configured root field
 * (`sendInternationalPayment`), kept in the KeyValueStore, so gateways sharing a Redis share one budget per caller. A
 * request takes a token from each bucket it meets and is refused when one is empty. README "Limits" documents the
 * variables read here.
 *
 * Per-field limits are keyed on the schema's root fields, never on the operation name the client chooses: renaming an
 * operation must not buy a fresh budget, and client-chosen names must not create keys without bound.
 */

/** One bucket: `capacity` requests at once (the burst), then `refillPerSecond` sustained. */
export interface BucketLimit {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

export interface RateLimitConfig {
  readonly enabled: boolean;
  readonly customer: BucketLimit;
  readonly staff: BucketLimit;
  /** Partners without their own `rateLimit` in partners.json. */
  readonly partner: BucketLimit;
  /** By partner client id, from partners.json. */
  readonly partners: Readonly<Record<string, BucketLimit>>;
  /**
   * Per root field (`sendInternationalPayment`, `me`), the bucket of one principal's requests that select it. A field
   * without an entry has no bucket of its own: it is bounded by the principal bucket alone.
   */
  readonly operations: Readonly<Record<string, BucketLimit>>;
}

export type RateLimitDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      readonly retryAfterSeconds: number;
      readonly bucket: 'principal' | 'operation';
      /** The root field whose bucket refused, for `bucket: 'operation'`. */
      readonly field?: string;
    };

type Env = Record<string, string | undefined>;

export const DEFAULT_LIMITS = {
  customer: { capacity: 20, refillPerSecond: 10 },
  staff: { capacity: 50, refillPerSecond: 25 },
  partner: { capacity: 10, refillPerSecond: 5 },
} as const satisfies Record<Principal['kind'], BucketLimit>;

/** schema/partners.json, written by partner onboarding; optional. */
export const DEFAULT_PARTNERS_PATH = fileURLToPath(new URL('../schema/partners.json', import.meta.url));

/**
 * From the environment: RATE_LIMIT_ENABLED (default true), RATE_LIMIT_CUSTOMER / _STAFF / _PARTNER as
 * "<capacity>/<refill per second>", RATE_LIMIT_OPERATIONS as JSON `{ "<root field>": "<capacity>/<refill>" }`,
 * and each partner's `rateLimit` from PARTNERS_PATH (default schema/partners.json) when that file exists.
 */
export function rateLimitConfig(env: Env = process.env): RateLimitConfig {
  const enabled = env.RATE_LIMIT_ENABLED ? parseBoolean('RATE_LIMIT_ENABLED', env.RATE_LIMIT_ENABLED) : true;
  const operations: Record<string, BucketLimit> = {};
  if (env.RATE_LIMIT_OPERATIONS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.RATE_LIMIT_OPERATIONS);
    } catch {
      throw new Error(
        `RATE_LIMIT_OPERATIONS must be JSON like {"sendInternationalPayment": "5/0.5"}, got "${env.RATE_LIMIT_OPERATIONS}"`,
      );
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error('RATE_LIMIT_OPERATIONS must be a JSON object: root field to "<capacity>/<refill per second>"');
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (!/^[A-Za-z][_0-9A-Za-z]*$/.test(name)) throw new Error(`RATE_LIMIT_OPERATIONS: "${name}" is not a root field name`);
      operations[name] = parseLimit(`RATE_LIMIT_OPERATIONS.${name}`, String(value));
    }
  }
  return {
    enabled,
    customer: limitFrom(env, 'RATE_LIMIT_CUSTOMER', DEFAULT_LIMITS.customer),
    staff: limitFrom(env, 'RATE_LIMIT_STAFF', DEFAULT_LIMITS.staff),
    partner: limitFrom(env, 'RATE_LIMIT_PARTNER', DEFAULT_LIMITS.partner),
    partners: partnerLimits(env.PARTNERS_PATH || DEFAULT_PARTNERS_PATH),
    operations,
  };
}

export class RateLimiter {
  constructor(
    private readonly store: KeyValueStore,
    private readonly config: RateLimitConfig,
  ) {}

  /** The principal's own bucket. */
  limitOf(principal: Principal): BucketLimit {
    switch (principal.kind) {
      case 'customer':
        return this.config.customer;
      case 'staff':
        return this.config.staff;
      case 'partner':
        return this.config.partners[principal.clientId] ?? this.config.partner;
    }
  }

  /**
   * Takes one token for this call from the bucket of each configured root field it selects, then from the principal's
   * own bucket. Field buckets go first: a call they refuse does not spend the principal's budget for other requests.
   */
  async take(principal: Principal, rootFields: readonly string[]): Promise<RateLimitDecision> {
    if (!this.config.enabled) return { allowed: true };
    const who = describePrincipal(principal);
    const own = this.limitOf(principal);
    for (const field of new Set(rootFields)) {
      // Own keys only: a field named like an Object.prototype member ("constructor") is just an unconfigured field.
      if (!Object.hasOwn(this.config.operations, field)) continue;
      const { capacity, refillPerSecond } = this.config.operations[field]!;
      const decision = await this.store.takeToken(`rl:${who}:field:${field}`, capacity, refillPerSecond);
      if (!decision.allowed) return refusal('operation', decision.retryAfterMs, field);
    }
    const overall = await this.store.takeToken(`rl:${who}`, own.capacity, own.refillPerSecond);
    if (!overall.allowed) return refusal('principal', overall.retryAfterMs);
    return { allowed: true };
  }
}

function refusal(bucket: 'principal' | 'operation', retryAfterMs: number, field?: string): RateLimitDecision {
  // Retry-After is whole seconds (RFC 9110); rounding up means a client that waits is let in.
  return { allowed: false, bucket, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)), ...(field ? { field } : {}) };
}

function limitFrom(env: Env, key: string, fallback: BucketLimit): BucketLimit {
  const raw = env[key];
  return raw ? parseLimit(key, raw) : fallback;
}

/** "<capacity>/<refill per second>": "20/10", "5/0.5". */
export function parseLimit(key: string, raw: string): BucketLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(raw);
  const capacity = Number(match?.[1]);
  const refillPerSecond = Number(match?.[2]);
  if (!match || capacity < 1 || refillPerSecond <= 0) {
    throw new Error(`${key} must be "<capacity>/<refill per second>" with both above 0, like "20/10", got "${raw}"`);
  }
  return { capacity, refillPerSecond };
}

function parseBoolean(key: string, raw: string): boolean {
  if (/^(true|1|yes|on)$/i.test(raw)) return true;
  if (/^(false|0|no|off)$/i.test(raw)) return false;
  throw new Error(`${key} must be true or false, got "${raw}"`);
}

/** `rateLimit` of each partner in partners.json; {} when the file does not exist. A malformed file fails the start. */
function partnerLimits(path: string): Record<string, BucketLimit> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path} is not valid JSON: ${(err as Error).message}`);
  }
  const limits: Record<string, BucketLimit> = {};
  if (typeof parsed !== 'object' || parsed === null) return limits;
  for (const [clientId, partner] of Object.entries(parsed as Record<string, unknown>)) {
    const limit = (partner as { rateLimit?: unknown } | null)?.rateLimit;
    if (limit === undefined) continue;
    const { capacity, refillPerSecond } = (limit ?? {}) as Partial<BucketLimit>;
    const valid = Number.isInteger(capacity) && capacity! >= 1 && typeof refillPerSecond === 'number' && refillPerSecond > 0;
    if (!valid) {
      throw new Error(
        `${path}: ${clientId}.rateLimit must be { "capacity": integer >= 1, "refillPerSecond": number > 0 }, ` +
          `got ${JSON.stringify(limit)}`,
      );
    }
    limits[clientId] = { capacity: capacity!, refillPerSecond };
  }
  return limits;
}
