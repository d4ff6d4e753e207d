/**
 * The load generator, as a process of its own (bench/throughput.ts pins it to the core the gateway under test does
 * not have): autocannon against one URL, a warm-up whose results are thrown away, then the measured run.
 *
 * `tsx bench/load.ts <spec.json>` reads a LoadSpec and prints one line `RESULT <LoadResult as JSON>`.
 *
 * Success is strict: autocannon compares every response body with `expectBody`, the exact body this gateway answered
 * to the same request before the run (which bench/throughput.ts checked: HTTP 200, no errors, the expected data). A
 * response counts as a success only when it is a 2xx with that very body; anything else is a failure, and failures
 * are not in the requests per second.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/** autocannon's callback API; it publishes no types, so it is loaded with require and typed here. */
type Autocannon = (
  opts: Record<string, unknown>,
  cb: (err: Error | null, result: CannonResult) => void,
) => { on(event: 'reqMismatch', listener: (body: string) => void): void };
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadSpec {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly expectBody: string;
  /** A process (the gateway) whose CPU use during the measured run is reported. */
  readonly watchPid?: number;
}

export interface LoadResult {
  /** Successful responses per second of the measured run. */
  readonly rps: number;
  /** Latency of 2xx responses, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly responses: number;
  /** Responses during the warm-up (not in any other figure). */
  readonly warmupResponses: number;
  readonly successes: number;
  readonly non2xx: number;
  /** Responses whose body was not the expected one (2xx or not). */
  readonly mismatches: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly durationSeconds: number;
  /** Busy share of each CPU during the measured run (from /proc/stat), 0..1; empty where /proc/stat is absent. */
  readonly cpuBusy: readonly number[];
  /** The first response whose body was not the expected one (its first 2000 characters), to see what went wrong. */
  readonly firstMismatch?: string;
  /** CPU the watched process used during the measured run, in cores (1 = one core all the time); -1 if unknown. */
  readonly watchedCpu: number;
}

/** autocannon's result, the fields read here (its types are not published). */
interface CannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  '2xx': number;
  latency: { p50: number; p99: number };
  requests: { total: number };
}

function cannon(spec: LoadSpec, seconds: number): Promise<CannonResult & { firstMismatch?: string }> {
  return new Promise((resolve, reject) => {
    let firstMismatch: string | undefined;
    const instance = autocannon(
      {
        url: spec.url,
        method: 'POST',
        headers: spec.headers,
        body: spec.body,
        connections: spec.connections,
        duration: seconds,
        expectBody: spec.expectBody,
        timeout: 10,
      },
      (err, result) => (err ? reject(err) : resolve({ ...result, ...(firstMismatch ? { firstMismatch } : {}) })),
    );
    instance.on('reqMismatch', (body) => {
      firstMismatch ??= String(body).slice(0, 2000);
    });
  });
}

/** Idle and total jiffies of each CPU. */
function cpuTimes(): { idle: number; total: number }[] {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((line) => /^cpu\d+ /.test(line))
    .map((line) => {
      const values = line.trim().split(/\s+/).slice(1).map(Number);
      const idle = (values[3] ?? 0) + (values[4] ?? 0);
      return { idle, total: values.reduce((a, b) => a + b, 0) };
    });
}

/** Seconds of CPU a process has used (user + system), or undefined where /proc is absent. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at state (3); utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Waits (up to 15 s) until the process uses under 5% of a core over 250 ms. */
async function settle(pid: number | undefined): Promise<void> {
  const deadline = Date.now() + 15_000;
  let last = processCpuSeconds(pid);
  while (last !== undefined && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = processCpuSeconds(pid);
    if (now === undefined || now - last < 0.0125) return;
    last = now;
  }
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  let warmupResponses = 0;
  if (spec.warmupSeconds > 0) {
    warmupResponses = (await cannon(spec, spec.warmupSeconds)).requests.total;
    // autocannon drops its connections when the time is up; the gateway still works on the requests that were in
    // flight. Let it finish them, so the measured run starts from an idle gateway.
    await settle(spec.watchPid);
  }
  const before = cpuTimes();
  const cpuBefore = processCpuSeconds(spec.watchPid);
  const r = await cannon(spec, spec.durationSeconds);
  const cpuAfter = processCpuSeconds(spec.watchPid);
  const after = cpuTimes();
  const responses = r.requests.total;
  const successes = Math.max(0, Math.min(r['2xx'], responses - r.mismatches));
  return {
    rps: successes / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    responses,
    warmupResponses,
    successes,
    non2xx: r.non2xx,
    mismatches: r.mismatches,
    errors: r.errors,
    durationSeconds: r.duration,
    ...(r.firstMismatch ? { firstMismatch: r.firstMismatch } : {}),
    watchedCpu: cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / r.duration : -1,
    cpuBusy: after.map((a, i) => {
      const b = before[i] ?? { idle: 0, total: 0 };
      const total = a.total - b.total;
      return total > 0 ? 1 - (a.idle - b.idle) / total : 0;
    }),
  };
}

if (process.argv[1]?.endsWith('bench/load.ts')) {
  const spec = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as LoadSpec;
  const result = await runLoad(spec);
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}
