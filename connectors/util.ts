import type { BreakerOptions, RetryOptions } from './http.js';

/**
 * Small helpers the connectors share: the client settings every connector passes through, and batch reads (a list of
 * ids in one call, a limit per call).
 */

/** The LegacyHttpClient settings a connector's caller may tune, passed on only when given. */
export function tuning(o: { timeoutMs?: number; retry?: RetryOptions; breaker?: BreakerOptions }): {
  timeoutMs?: number;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
} {
  return {
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.breaker ? { breaker: o.breaker } : {}),
  };
}

/** `items` in runs of at most `size`, in order: one legacy call per run. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`a chunk size must be a positive whole number, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Ids a comma-separated batch parameter can carry (`?ids=a,b,c`). Any other id cannot exist in the legacy system, so
 * it is answered without asking (and cannot split into two ids on the way).
 */
export function listable(id: string): boolean {
  return id !== '' && !id.includes(',');
}
