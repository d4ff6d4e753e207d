import { badUserInput } from '../../lib/errors.js';

/** Longest idempotency key accepted (Stripe's limit). */
export const MAX_KEY_LENGTH = 255;

/**
 * An idempotency key as the journeys use it (trimmed): for journey mutations and people's actions alike.
 * BAD_USER_INPUT when it is not 1 to 255 printable characters.
 */
export function checkedKey(idempotencyKey: string): string {
  const key = idempotencyKey.trim();
  if (key.length === 0 || key.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(key)) {
    throw badUserInput('idempotencyKey', `idempotencyKey must be 1 to ${MAX_KEY_LENGTH} printable characters without spaces`);
  }
  return key;
}
