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
