/**
 * `promise`'s value if it settles within `timeoutMs`, else undefined (it keeps running; its late result is dropped).
 * For waits with a fallback rather than an error: a readiness PING, a scrape reading queue counts, a mutation that
 * answers with the persisted record once its wait is over. A rejection within the deadline rejects.
 */
export async function within<T>(promise: Promise<T>, timeoutMs: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(resolve, timeoutMs, undefined)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The gateway tells each subgraph how long it will wait for this fetch, in ms. A subgraph that answers after a wait
 * of its own (a journey mutation answers RUNNING once JOURNEY_WAIT_MS is over) keeps within it, however the two
 * services were configured. Only ever shortens a wait, so a caller gains nothing by sending it.
 */
export const DEADLINE_HEADER = 'x-bankgraph-deadline-ms';

/** What a subgraph keeps back from the gateway's deadline for its answer to travel: a store read, JSON, the network. */
export const ANSWER_MARGIN_MS = 1_000;

/**
 * How long a subgraph may wait before answering: `waitMs`, cut to the gateway's deadline (the DEADLINE_HEADER value)
 * less ANSWER_MARGIN_MS. A missing or unreadable header leaves `waitMs` as it is.
 */
export function waitWithin(waitMs: number, deadlineHeader: string | string[] | undefined): number {
  const raw = Array.isArray(deadlineHeader) ? deadlineHeader[0] : deadlineHeader;
  const deadline = raw === undefined || !/^\d{1,10}$/.test(raw.trim()) ? NaN : Number(raw);
  return Number.isFinite(deadline) ? Math.max(0, Math.min(waitMs, deadline - ANSWER_MARGIN_MS)) : waitMs;
}
