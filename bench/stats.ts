/** Percentiles of a list of durations (ms), nearest-rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

/**
 * Runs `task` with `concurrency` workers until `total` tasks have finished; each worker starts its next task as
 * soon as its last one ends (closed loop, like autocannon's connections).
 */
export async function measure(task: () => Promise<boolean>, concurrency: number, total: number): Promise<LatencySummary> {
  const durations: number[] = [];
  let started = 0;
  let errors = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      const t0 = performance.now();
      const ok = await task().catch(() => false);
      durations.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  durations.sort((a, b) => a - b);
  return { count: durations.length, p50: percentile(durations, 50), p99: percentile(durations, 99), errors };
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
