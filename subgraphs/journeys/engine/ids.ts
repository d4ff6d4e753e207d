import { createHash } from 'node:crypto';
import type { Principal } from '../../../lib/principal.js';
import type { Json } from './types.js';

/**
 * Journey ids, request hashes and references. Everything here is a pure function of the request, so the id (and
 * every reference a legacy system sees) is the same whatever happens to the store: if a record were ever lost, a
 * replay would still send the same references and the legacy systems would still dedupe it.
 */

/**
 * `jrn_` + the first 160 bits of SHA-256(identity + "\n" + idempotencyKey), base32 (RFC 4648, lower case): 36
 * characters. 160 bits keep collisions out of reach (2^80 journeys for an even chance) while leaving room in
 * legacy reference fields. Never change this function: ids already handed out would stop matching their records.
 */
export function journeyIdOf(principal: Principal, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${principalIdentity(principal)}\n${idempotencyKey}`, 'utf8').digest();
  return `jrn_${base32(digest.subarray(0, 20))}`;
}

/**
 * Who owns an idempotency key. Spelled out here rather than borrowed from a log helper: this string feeds journey
 * ids, so it must never change.
 */
export function principalIdentity(p: Principal): string {
  switch (p.kind) {
    case 'customer':
      return `customer:${p.customerId}`;
    case 'staff':
      return `staff:${p.role}:${p.staffId}`;
    case 'partner':
      // A partner acts for one consenting customer at a time: its keys are scoped to that customer, so the same key
      // used for two customers is two journeys, never a refusal that reveals the other customer's journey.
      return `partner:${p.clientId}:${p.consent?.customerId ?? '-'}`;
  }
}

/** SHA-256 (hex) of the canonical JSON of {type, input}: a replay must match it. */
export function requestHashOf(type: string, input: Json): string {
  return createHash('sha256').update(canonicalJson({ type, input }), 'utf8').digest('hex');
}

/**
 * JSON with object keys sorted at every depth, so that equal values always hash alike. Like JSON.stringify it drops
 * undefined object members; unlike it, it refuses what JSON cannot carry faithfully (NaN, Infinity, bigint,
 * functions) instead of quietly turning it into null.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value, '$'));
}

/** The reference a step gives the legacy system: `<journeyId>.<step>`, `<journeyId>.<step>.undo` to compensate. */
export function stepReference(journeyId: string, step: string, kind: 'run' | 'recover' | 'compensate'): string {
  return kind === 'compensate' ? `${journeyId}.${step}.undo` : `${journeyId}.${step}`;
}

/**
 * A reference that fits a short legacy field (ISO 20022 Max35Text, say): the reference itself when it fits,
 * otherwise base32 of its SHA-256, cut to `maxLength`. Deterministic, so the legacy system still dedupes on it.
 */
export function compactReference(reference: string, maxLength = 35): string {
  if (reference.length <= maxLength) return reference;
  return base32(createHash('sha256').update(reference, 'utf8').digest()).slice(0, maxLength);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

function sorted(value: unknown, path: string): Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path} is ${value}, which JSON cannot carry`);
    return value;
  }
  if (Array.isArray(value)) return value.map((v, i) => sorted(v, `${path}[${i}]`));
  if (typeof value === 'object' && Object.getPrototypeOf(value) !== null && !isPlain(value)) {
    const toJSON = (value as { toJSON?: () => unknown }).toJSON;
    if (typeof toJSON === 'function') return sorted(toJSON.call(value), path);
    throw new TypeError(`${path} is a ${value.constructor?.name ?? 'non-plain object'}, expected plain JSON`);
  }
  if (typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sorted(member, `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(`${path} is a ${typeof value}, which JSON cannot carry`);
}

function isPlain(value: object): boolean {
  return Object.getPrototypeOf(value) === Object.prototype;
}
