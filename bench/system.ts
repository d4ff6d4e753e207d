import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Starts the whole system as `npm start` does (each service its own process) on ports that do not clash with a
 * running sandbox, and stops it. Benchmarks measure this, never an in-process copy: the gateway must not share an
 * event loop with the simulators it is measured against.
 */
export interface BenchSystem {
  readonly gatewayUrl: string;
  readonly simulatorUrls: Record<string, string>;
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
  ACCOUNTS_PORT: '14201',
  CARDS_PORT: '14202',
  KYC_PORT: '14203',
  WALLET_PORT: '14204',
  JOURNEYS_PORT: '14205',
} as const;

export async function startBenchSystem(extraEnv: Record<string, string> = {}): Promise<BenchSystem> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: root,
    env: { ...process.env, ...BENCH_PORTS, LOG_LEVEL: 'warn', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    const onLine = (line: string) => {
      output.push(line);
      if (line.includes('bankgraph is running')) resolve();
    };
    if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
    if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`system exited (${code}) before it was up:\n${output.slice(-20).join('\n')}`)));
  });
  await Promise.race([
    ready,
    new Promise((_, reject) => setTimeout(() => reject(new Error('system did not start within 60 s')), 60_000).unref()),
  ]);
  const sim = (port: string) => `http://127.0.0.1:${port}`;
  return {
    gatewayUrl: `http://127.0.0.1:${BENCH_PORTS.PORT}/graphql`,
    simulatorUrls: {
      'core-banking': sim(BENCH_PORTS.CORE_BANKING_PORT),
      'card-processor': sim(BENCH_PORTS.CARD_PROCESSOR_PORT),
      'kyc-provider': sim(BENCH_PORTS.KYC_PROVIDER_PORT),
      'fx-wallet': sim(BENCH_PORTS.FX_WALLET_PORT),
      'payment-rail': sim(BENCH_PORTS.PAYMENT_RAIL_PORT),
      notifier: sim(BENCH_PORTS.NOTIFIER_PORT),
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
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
