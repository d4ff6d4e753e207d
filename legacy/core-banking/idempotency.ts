import type { SimRequest, SimResponse } from '../http.js';
import { FineractFailure } from './dialect.js';
import type { Handler } from './router.js';
import type { CoreBankingStore } from './store.js';

/**
 * Fineract's idempotency (1.9 and later): a command sent with an `Idempotency-Key` header (FineractProperties'
 * idempotency-key-header-name) is stored with its answer, keyed by the command's action, its entity and the key. The
 * same key for the same action and entity again is not run: the stored answer comes back, success or refusal alike,
 * with `x-served-from-cache: true`. Fineract does not compare the bodies: a different request under a used key gets
 * the first one's answer, so a client must make its keys as unique as its intents. Without the header, nothing is
 * remembered (a repeat runs again). A platform failure (5xx) is not stored: the command did not complete.
 */

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const SERVED_FROM_CACHE_HEADER = 'x-served-from-cache';

/** The column is 50 characters wide in m_portfolio_command_source. */
const MAX_KEY_LENGTH = 50;

function keyOf(req: SimRequest): string | undefined {
  const raw = req.headers[IDEMPOTENCY_KEY_HEADER];
  const key = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return key ? key : undefined;
}

/** `handler` run at most once per (action, entity, Idempotency-Key); `action` names the command from the request. */
export function idempotent(store: CoreBankingStore, entity: string, action: (req: SimRequest) => string, handler: Handler): Handler {
  return (req) => {
    const key = keyOf(req);
    if (key === undefined) return handler(req);
    if (key.length > MAX_KEY_LENGTH) {
      return {
        status: 400,
        json: {
          developerMessage: `The Idempotency-Key must not be longer than ${MAX_KEY_LENGTH} characters.`,
          httpStatusCode: '400',
          defaultUserMessage: 'Validation errors exist.',
          userMessageGlobalisationCode: 'validation.msg.validation.errors.exist',
          errors: [],
        },
      };
    }
    const slot = `${action(req)}|${entity}|${key}`;
    const stored = store.idempotentAnswers.get(slot);
    if (stored) return { status: stored.status, json: stored.json, headers: { [SERVED_FROM_CACHE_HEADER]: 'true' } };
    let out: SimResponse;
    try {
      out = handler(req);
    } catch (err) {
      // A refusal is an answer too, and is stored like one.
      if (!(err instanceof FineractFailure)) throw err;
      out = err.response;
    }
    const status = out.status ?? 200;
    if (status < 500) store.idempotentAnswers.set(slot, { status, json: out.json });
    return out;
  };
}

/** The action of a `?command=` route, upper case as Fineract names it ("DEPOSIT", "APPROVE"); `fallback` without one. */
export function commandAction(fallback: string): (req: SimRequest) => string {
  return (req) => (req.query.get('command') ?? fallback).toUpperCase();
}
