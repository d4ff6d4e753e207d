import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LEGACY_SYSTEMS, SUBGRAPHS } from '../lib/config.js';

/**
 * Starts the whole system as `npm start` does (each service its own process, the same entry files and environment)
 * on ports that do not clash with a running sandbox, and stops it. Benchmarks measure this, never an in-process copy:
 * the gateway must not share an event loop with the simulators it is measured against. Each process is started here
 * rather than through scripts/start.ts, so its pid is known (bench/cpu.ts reads its CPU time) and a loaded machine
 * gets each service 60 s to come up.
 */
export interface BenchSystem {
  readonly gatewayUrl: string;
  readonly simulatorUrls: Record<string, string>;
  /** Every service process: the simulators, `subgraph-<name>`, `gateway`. */
  readonly processes: readonly BenchProcess[];
  stop(): Promise<void>;
}

export const BENCH_PORTS = {
  PORT: '14000',
  CORE_BANKING_PORT: '14101',
  CARD_PROCESSOR_PORT: '14102',
  KYC_PROVIDER_PORT: '14103',
  FX_WALLET_PORT: '14104',
  PAYMENT_RAIL_PORT: '14105',
  NOTIFIER_PORT: '14106',
  RISK_SCORING_PORT: '14107',
  ACCOUNTS_PORT: '14201',
  CARDS_PORT: '14202',
  KYC_PORT: '14203',
  WALLET_PORT: '14204',
  JOURNEYS_PORT: '14205',
} as const;

export async function startBenchSystem(extraEnv: Record<string, string> = {}): Promise<BenchSystem> {
  const services = await startBenchServices(extraEnv);
  const gatewayOrigin = `http://127.0.0.1:${BENCH_PORTS.PORT}`;
  const gateway = spawnNode({ name: 'gateway', args: ['--import', 'tsx', 'gateway/index.ts'], env: { ...BENCH_PORTS, ...extraEnv } });
  const stop = async () => {
    await gateway.stop();
    await services.stop();
  };
  try {
    await waitUntil(gateway, answers(`${gatewayOrigin}/health`));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    gatewayUrl: `${gatewayOrigin}/graphql`,
    simulatorUrls: services.simulatorUrls,
    processes: [gateway, ...services.processes],
    stop,
  };
}

export async function setLatency(simulatorUrls: Record<string, string>, latencyMs: number): Promise<void> {
  for (const url of Object.values(simulatorUrls)) {
    await fetch(`${url}/__faults`, { method: 'DELETE' });
    if (latencyMs > 0) {
      const res = await fetch(`${url}/__faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latencyMs }),
      });
      if (!res.ok) throw new Error(`could not set latency on ${url}: ${res.status}`);
    }
  }
}

export async function legacyCalls(simulatorUrls: Record<string, string>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, url] of Object.entries(simulatorUrls)) {
    out[name] = ((await (await fetch(`${url}/__stats`)).json()) as { total: number }).total;
  }
  return out;
}

export async function resetCalls(simulatorUrls: Record<string, string>): Promise<void> {
  for (const url of Object.values(simulatorUrls)) await fetch(`${url}/__stats`, { method: 'DELETE' });
}

/** The repository's root, where every service's entry file is found. */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One process the benchmark started (a gateway, a subgraph, a simulator, the load generator). */
export interface BenchProcess {
  readonly name: string;
  readonly pid: number;
  /** The process's last lines of output (stdout and stderr), for error messages. */
  readonly output: readonly string[];
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

export interface SpawnOptions {
  readonly name: string;
  /** Arguments to node (`--import tsx <entry>`, or a script path). */
  readonly args: readonly string[];
  /** CPUs to pin the process to (`taskset -c <cpus>`), e.g. '0'; unset runs it unpinned. */
  readonly cpus?: string;
  readonly env?: Record<string, string>;
  /** Called with each line of output. */
  readonly onLine?: (line: string) => void;
}

const TASKSET = '/usr/bin/taskset';

/** True when processes can be pinned to a CPU here (Linux with taskset). */
export function canPin(): boolean {
  return process.platform === 'linux' && existsSync(TASKSET);
}

/** Starts `node <args>` (through taskset when `cpus` is given); the returned pid is node's (taskset execs it). */
export function spawnNode(options: SpawnOptions): BenchProcess {
  const nodeArgs = [...options.args];
  const pinned = options.cpus !== undefined && canPin();
  const child = pinned
    ? spawn(TASKSET, ['-c', options.cpus as string, process.execPath, ...nodeArgs], spawnOptions(options))
    : spawn(process.execPath, nodeArgs, spawnOptions(options));
  const output: string[] = [];
  const onLine = (line: string) => {
    output.push(line);
    if (output.length > 40) output.shift();
    options.onLine?.(line);
  };
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
  if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name: options.name,
    pid: child.pid ?? -1,
    output,
    exited,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(force);
    },
  };
}

function spawnOptions(options: SpawnOptions) {
  return {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'],
  };
}

/**
 * Waits until `probe` says yes (polling every 150 ms), failing early, with the process's output, if the process
 * exits first.
 */
export async function waitUntil(proc: BenchProcess, probe: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void proc.exited.then((code) => (exitCode = code));
  for (;;) {
    if (exitCode !== undefined) {
      throw new Error(`${proc.name} exited (${exitCode}) before it was up:\n${proc.output.slice(-20).join('\n')}`);
    }
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${proc.name} was not up within ${timeoutMs} ms:\n${proc.output.slice(-20).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

export const answers = (url: string) => async () => (await fetch(url, { signal: AbortSignal.timeout(1000) })).status < 500;

/** The simulators and subgraphs without a gateway, on BENCH_PORTS: for measuring gateways against one another. */
export interface BenchServices {
  readonly simulatorUrls: Record<string, string>;
  /** Subgraph GraphQL URLs by subgraph name. */
  readonly subgraphUrls: Record<string, string>;
  readonly processes: readonly BenchProcess[];
  stop(): Promise<void>;
}

/**
 * Starts every simulator, then every subgraph, each its own process as `npm start` runs them, all pinned to `cpus`
 * when given (the gateway under test gets the other core).
 */
export async function startBenchServices(extraEnv: Record<string, string> = {}, cpus?: string): Promise<BenchServices> {
  const env = { ...BENCH_PORTS, ...extraEnv };
  const processes: BenchProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const sim = (system: string) => `http://127.0.0.1:${env[`${system.toUpperCase().replace(/-/g, '_')}_PORT` as keyof typeof env]}`;
  const simulatorUrls = Object.fromEntries(LEGACY_SYSTEMS.map((s) => [s, sim(s)]));
  const subgraphUrls = Object.fromEntries(
    SUBGRAPHS.map((s) => [s, `http://127.0.0.1:${env[`${s.toUpperCase()}_PORT` as keyof typeof env]}/graphql`]),
  );
  try {
    const simulators = LEGACY_SYSTEMS.map((s) => {
      const p = spawnNode({ name: s, args: ['--import', 'tsx', `legacy/${s}/index.ts`], env, ...(cpus ? { cpus } : {}) });
      processes.push(p);
      return { p, probe: answers(`${simulatorUrls[s]}/__stats`) };
    });
    await Promise.all(simulators.map(({ p, probe }) => waitUntil(p, probe)));
    const subgraphs = SUBGRAPHS.map((s) => {
      const p = spawnNode({ name: `subgraph-${s}`, args: ['--import', 'tsx', `subgraphs/${s}/index.ts`], env, ...(cpus ? { cpus } : {}) });
      processes.push(p);
      return { p, probe: answers((subgraphUrls[s] as string).replace(/\/graphql$/, '/health')) };
    });
    await Promise.all(subgraphs.map(({ p, probe }) => waitUntil(p, probe)));
  } catch (err) {
    await stop();
    throw err;
  }
  return { simulatorUrls, subgraphUrls, processes, stop };
}
