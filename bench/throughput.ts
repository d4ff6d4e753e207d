/**
 * Gateways against one another (issue 7 items 3 and 4): each gateway in turn on the same subgraphs, pinned to one
 * core (`taskset -c 0`), with the load generator (bench/load.ts, autocannon) pinned to the other, the same request
 * shape, the same connections and the same durations.
 *
 * Before its run, each gateway answers the request a few times: every answer must be HTTP 200, without `errors`,
 * pass the workload's check, and be the same text each time; and its data must equal the first gateway's. That text
 * becomes autocannon's `expectBody`, so during the run a response counts only if it is a 2xx with exactly that body.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadResult, LoadSpec } from './load.js';
import { spawnNode, type BenchProcess, waitUntil, canPin } from './system.js';

/** One gateway to measure. */
export interface Contender {
  /** Short name: bankgraph, apollo, hive. */
  readonly name: string;
  /** What it is, as the detail table says it. */
  readonly label: string;
  /** Arguments to node that start it (it must serve `url` once up). */
  readonly args: readonly string[];
  readonly env?: Record<string, string>;
  /** Its GraphQL endpoint. */
  readonly url: string;
  /** Request headers (content-type is added). */
  readonly headers: Record<string, string>;
  /** The request body (JSON text). */
  readonly body: string;
}

export interface ThroughputOptions {
  /** @default BENCH_CONNECTIONS, else 32 */
  readonly connections?: number;
  /** @default BENCH_WARMUP_SECONDS, else 10 */
  readonly warmupSeconds?: number;
  /** @default BENCH_DURATION_SECONDS, else 20 */
  readonly durationSeconds?: number;
  /** Checks a parsed response (HTTP 200 and no `errors` are checked before): the reason it is wrong, or undefined. */
  readonly check?: (json: unknown) => string | undefined;
  /**
   * Names the CPU profiles: with BENCH_CPU_PROF=<dir>, each gateway runs with `node --cpu-prof` and writes its
   * profiles (one per thread; tsx's loader has one) to <dir>/<tag>-<gateway>/ when it stops; `tsx scripts/profile-summary.ts
   * <that dir>/*.cpuprofile --skip-ms 5000` summarises them (or open one in Chrome DevTools or speedscope).
   */
  readonly tag?: string;
  /** A cumulative count behind the gateway (legacy calls): reported per request, from the checked answers. */
  readonly counter?: () => Promise<number>;
}

export interface ContenderResult {
  readonly name: string;
  readonly label: string;
  readonly load: LoadResult;
  /** Bytes of the (validated) response. */
  readonly responseBytes: number;
  /** options.counter's increase per request, one request at a time (undefined without a counter). */
  readonly countPerRequest?: number;
  /** options.counter's increase per response during the load (warm-up included), where concurrent requests meet. */
  readonly countPerRequestUnderLoad?: number;
}

/** Answers checked before each run. */
const CHECKS = 3;

export const GATEWAY_CPU = '0';
export const LOAD_CPU = '1';

const envNumber = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw ? Number(raw) : fallback;
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return n;
};

export function throughputSettings(options: ThroughputOptions = {}) {
  return {
    connections: options.connections ?? envNumber('BENCH_CONNECTIONS', 32),
    warmupSeconds: options.warmupSeconds ?? envNumber('BENCH_WARMUP_SECONDS', 10),
    durationSeconds: options.durationSeconds ?? envNumber('BENCH_DURATION_SECONDS', 20),
  };
}

/**
 * Measures each contender in turn (only those named in BENCH_GATEWAYS=hive,bankgraph when set, in that order);
 * throws, naming the gateway and what was wrong, when an answer is not right.
 */
export async function compareGateways(contenders: readonly Contender[], options: ThroughputOptions = {}): Promise<ContenderResult[]> {
  const settings = throughputSettings(options);
  const dir = mkdtempSync(join(tmpdir(), 'bankgraph-bench-load-'));
  const results: ContenderResult[] = [];
  let reference: { name: string; data: unknown } | undefined;
  try {
    const only = process.env.BENCH_GATEWAYS?.split(',').map((g) => g.trim());
    const chosen = only ? only.flatMap((name) => contenders.filter((c) => c.name === name)) : contenders;
    for (const contender of chosen) {
      const headers = { 'content-type': 'application/json', accept: 'application/json', ...contender.headers };
      const profileDir = process.env.BENCH_CPU_PROF;
      const profile = profileDir
        ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${options.tag ?? 'bench'}-${contender.name}`)}`]
        : [];
      const args = [...profile, ...contender.args];
      const gateway = spawnNode({ name: contender.name, args, cpus: GATEWAY_CPU, env: contender.env ?? {} });
      try {
        const post = () =>
          fetch(contender.url, { method: 'POST', headers, body: contender.body, signal: AbortSignal.timeout(10_000) });
        await waitUntil(gateway, async () => (await post()).status === 200, 90_000);
        // The answer, checked: three times the same text, 200, no errors, the workload's check, the first's data.
        let expected: string | undefined;
        const countBefore = await options.counter?.();
        for (let i = 0; i < CHECKS; i++) {
          const res = await post();
          const text = await res.text();
          const problem = problemOf(res.status, text, options.check);
          if (problem) throw new Error(`${contender.name} answered wrongly (${problem}): ${text.slice(0, 500)}`);
          if (expected !== undefined && text !== expected) {
            throw new Error(`${contender.name} answered the same request with two different texts; expectBody cannot hold`);
          }
          expected = text;
        }
        const countAfter = await options.counter?.();
        const countPerRequest = countBefore !== undefined && countAfter !== undefined ? (countAfter - countBefore) / CHECKS : undefined;
        const data = (JSON.parse(expected as string) as { data: unknown }).data;
        if (reference && !deepEqual(reference.data, data)) {
          throw new Error(`${contender.name} answered other data than ${reference.name} to the same request`);
        }
        reference ??= { name: contender.name, data };

        const spec: LoadSpec = {
          url: contender.url,
          headers,
          body: contender.body,
          ...settings,
          expectBody: expected as string,
          watchPid: gateway.pid,
        };
        const specPath = join(dir, `${contender.name}.json`);
        writeFileSync(specPath, JSON.stringify(spec));
        const loadCountBefore = await options.counter?.();
        const load = await runLoadProcess(specPath, settings.warmupSeconds + settings.durationSeconds);
        const loadCountAfter = await options.counter?.();
        const served = load.responses + (load.warmupResponses ?? 0);
        const countPerRequestUnderLoad =
          loadCountBefore !== undefined && loadCountAfter !== undefined && served > 0
            ? (loadCountAfter - loadCountBefore) / served
            : undefined;
        results.push({
          name: contender.name,
          label: contender.label,
          load,
          responseBytes: Buffer.byteLength(expected as string),
          ...(countPerRequest !== undefined ? { countPerRequest } : {}),
          ...(countPerRequestUnderLoad !== undefined ? { countPerRequestUnderLoad } : {}),
        });
        if (process.env.BENCH_VERBOSE) console.error(`${contender.name}: ${JSON.stringify(load)}`);
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

function problemOf(status: number, text: string, check?: (json: unknown) => string | undefined): string | undefined {
  if (status !== 200) return `HTTP ${status}`;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  if (typeof json !== 'object' || json === null) return 'not an object';
  if ('errors' in json) return 'errors';
  if (!('data' in json) || json.data === null) return 'no data';
  return check?.(json);
}

async function runLoadProcess(specPath: string, seconds: number): Promise<LoadResult> {
  let result: LoadResult | undefined;
  const load: BenchProcess = spawnNode({
    name: 'autocannon',
    args: ['--import', 'tsx', 'bench/load.ts', specPath],
    cpus: LOAD_CPU,
    onLine: (line) => {
      if (line.startsWith('RESULT ')) result = JSON.parse(line.slice('RESULT '.length)) as LoadResult;
    },
  });
  const timeout = setTimeout(() => void load.stop(), (seconds + 60) * 1000);
  const code = await load.exited;
  clearTimeout(timeout);
  if (code !== 0 || !result) throw new Error(`the load generator failed (${code}):\n${load.output.join('\n')}`);
  return result;
}

/** Structural equality of two JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => k in b && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What the detail tables say about pinning. */
export function pinningNote(): string {
  return canPin()
    ? `each gateway pinned to CPU ${GATEWAY_CPU} (taskset), autocannon and the subgraphs to CPU ${LOAD_CPU}`
    : 'NOT pinned (no taskset here): figures are indicative only';
}

/** A detail table of one comparison. */
export function throughputTable(results: readonly ContenderResult[]): string {
  const pct = (x: number | undefined) => (x === undefined || x < 0 ? '-' : `${Math.round(x * 100)}%`);
  return [
    '| gateway | requests/s (successes) | p50 | p99 | successes | failures (non-2xx / wrong body / errors) | gateway process CPU | requests per gateway CPU-second | CPU busy: core 0 / core 1 |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.map(({ label, load }) => {
      const failures = `${load.non2xx} / ${load.mismatches} / ${load.errors}`;
      const cores = `${pct(load.cpuBusy[Number(GATEWAY_CPU)])} / ${pct(load.cpuBusy[Number(LOAD_CPU)])}`;
      return `| ${label} | ${load.rps.toFixed(0)} | ${load.p50} ms | ${load.p99} ms | ${load.successes} | ${failures} | ${pct(load.watchedCpu)} | ${perCpuSecond(load)?.toFixed(0) ?? '-'} | ${cores} |`;
    }),
    ...results
      .filter(({ load }) => load.firstMismatch)
      .map(({ name, load }) => `\n${name}: first wrong answer: \`${(load.firstMismatch ?? '').slice(0, 300).replace(/`/g, "'")}\``),
  ].join('\n');
}

/**
 * Successful requests per second of CPU the gateway process used: its efficiency, which other processes on a shared
 * machine disturb far less than requests per second (they take the core away; they do not make a request cost more).
 */
export function perCpuSecond(load: LoadResult): number | undefined {
  return load.watchedCpu > 0 ? load.rps / load.watchedCpu : undefined;
}
