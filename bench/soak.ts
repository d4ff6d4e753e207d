/**
 * `npm run soak`: ten minutes of steady mixed load on the whole system (each service its own process, as `npm start`
 * runs it), reporting every process's memory, the gateway's and subgraphs' event-loop delay, and the error counts at
 * the start and at the end. It fails (exit code 1) when a gateway or subgraph process keeps growing, or when any
 * request fails.
 *
 * The load is open-loop (requests start on a clock, not when the last one ends), so a slowing system shows up as
 * more in flight and longer latency rather than as a politely lower rate:
 *   - dashboards for five customers (1 to 100 accounts), SOAK_DASHBOARDS_PER_SECOND (default 40);
 *   - currency conversions EUR -> USD and back, SOAK_CONVERSIONS_PER_SECOND (default 2);
 *   - international payments of 0.10 EUR, SOAK_PAYMENTS_PER_SECOND (default 1).
 * State is in Redis (REDIS_URL, default redis://127.0.0.1:6379, under a prefix of its own that is deleted at the
 * end), as in production: with the in-memory store the journey records, kept forever by design, would grow the
 * journeys process by exactly what they hold, which says nothing about leaks.
 *
 * SOAK_MINUTES (default 10) and SOAK_LATENCY_MS (legacy latency, default 5) change the run.
 */
process.env.LOG_LEVEL ??= 'warn';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Redis } from 'ioredis';
import { Pool } from 'undici';
import { mintSandboxToken } from '../lib/tokens.js';
import { percentile } from './stats.js';
import { BENCH_PORTS, setLatency, startBenchSystem } from './system.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const LATENCY_MS = Number(process.env.SOAK_LATENCY_MS ?? 5);
const DASHBOARDS_PER_SECOND = Number(process.env.SOAK_DASHBOARDS_PER_SECOND ?? 40);
const CONVERSIONS_PER_SECOND = Number(process.env.SOAK_CONVERSIONS_PER_SECOND ?? 2);
const PAYMENTS_PER_SECOND = Number(process.env.SOAK_PAYMENTS_PER_SECOND ?? 1);
const SAMPLE_EVERY_MS = 10_000;
/** More than this many requests in flight means the system no longer keeps up: counted as failures, not sent. */
const MAX_IN_FLIGHT = 400;
/** A gateway or subgraph process may grow by this much between the first and the last minute (JIT, caches, pools). */
const RSS_GROWTH_LIMIT_MB = 40;

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `bankgraph-soak:${process.pid}:${Date.now().toString(36)}:`;

const operation = (name: string) => readFileSync(new URL(`../schema/operations/${name}.graphql`, import.meta.url), 'utf8');
const DASHBOARD = operation('Dashboard');
const FRAGMENT = operation('JourneyFields');
const CONVERT = `${operation('ConvertCurrency')}\n${FRAGMENT}`;
const PAY = `${operation('SendInternationalPayment')}\n${FRAGMENT}`;

type Kind = 'dashboard' | 'conversion' | 'payment';
interface Window {
  readonly latencies: Record<Kind, number[]>;
  readonly failures: Record<Kind, number>;
  readonly failureCodes: Map<string, number>;
  overloaded: number;
}
const newWindow = (): Window => ({
  latencies: { dashboard: [], conversion: [], payment: [] },
  failures: { dashboard: 0, conversion: 0, payment: 0 },
  failureCodes: new Map(),
  overloaded: 0,
});

interface Sample {
  readonly atMinute: number;
  /** RSS in MB by service name. */
  readonly rssMb: Record<string, number>;
  /** Event-loop delay p99 in ms by service (from its /metrics), where the service serves them. */
  readonly loopDelayMs: Record<string, number>;
  readonly window: Window;
  readonly inFlight: number;
}

/** The services `scripts/start.ts` started (children of its process, itself a child of this one), by name. */
function servicePids(): Map<string, number> {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
    .filter((m): m is RegExpMatchArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), ppid: Number(m[2]), args: m[3] as string }));
  const starter = rows.find((r) => r.ppid === process.pid && r.args.includes('scripts/start.ts'));
  const out = new Map<string, number>();
  if (!starter) return out;
  for (const r of rows.filter((row) => row.ppid === starter.pid)) {
    const entry = r.args.match(/(legacy|subgraphs)\/([\w-]+)\/index\.ts|gateway\/index\.ts/);
    if (!entry) continue;
    out.set(entry[0] === 'gateway/index.ts' ? 'gateway' : `${entry[1] === 'subgraphs' ? 'subgraph-' : ''}${entry[2]}`, r.pid);
  }
  return out;
}

function rssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? Number.NaN);
    return kb / 1024;
  } catch {
    return Number.NaN;
  }
}

/** The services that serve /metrics (gateway and subgraphs), by name. */
const METRICS_PORTS: Record<string, string> = {
  gateway: BENCH_PORTS.PORT,
  'subgraph-accounts': BENCH_PORTS.ACCOUNTS_PORT,
  'subgraph-cards': BENCH_PORTS.CARDS_PORT,
  'subgraph-kyc': BENCH_PORTS.KYC_PORT,
  'subgraph-wallet': BENCH_PORTS.WALLET_PORT,
  'subgraph-journeys': BENCH_PORTS.JOURNEYS_PORT,
};

/** p99 event-loop delay (ms) from prom-client's default metrics, or NaN when the service does not serve them. */
async function loopDelayMs(port: string): Promise<number> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) return Number.NaN;
    const text = await res.text();
    const line = text.split('\n').find((l) => /^\w*nodejs_eventloop_lag_p99_seconds(\{[^}]*\})?\s/.test(l));
    return line ? Number(line.trim().split(/\s+/).pop()) * 1000 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

async function main(): Promise<number> {
  const system = await startBenchSystem({
    REDIS_URL,
    REDIS_PREFIX: PREFIX,
    KYC_PROVIDER_RATE_PER_SECOND: '100000',
    RISK_SCORING_RATE_PER_SECOND: '100000',
    RATE_LIMIT_CUSTOMER: '1000000/1000000',
  });
  const gateway = new URL(system.gatewayUrl);
  const pool = new Pool(gateway.origin, { connections: 128 });
  const samples: Sample[] = [];
  let window = newWindow();
  let inFlight = 0;
  let seq = 0;
  let conversions = 0;
  const run = Date.now().toString(36);
  try {
    await setLatency(system.simulatorUrls, LATENCY_MS);
    const customers = ['cust-0001', 'cust-0002', 'cust-0003', 'cust-0004', 'cust-0005'];
    const tokens = new Map<string, string>();
    for (const c of customers) tokens.set(c, await mintSandboxToken({ customer: c }, { expiresIn: `${Math.ceil(MINUTES + 5)}m` }));

    const send = async (kind: Kind, customer: string, query: string, operationName: string, variables: object, ok: (data: unknown) => boolean) => {
      if (inFlight >= MAX_IN_FLIGHT) {
        window.overloaded++;
        window.failures[kind]++;
        return;
      }
      inFlight++;
      const w = window;
      const t0 = performance.now();
      try {
        const res = await pool.request({
          method: 'POST',
          path: gateway.pathname,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.get(customer)}` },
          body: JSON.stringify({ query, operationName, variables }),
        });
        const body = (await res.body.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
        if (res.statusCode !== 200 || body.errors || !ok(body.data)) {
          w.failures[kind]++;
          const code = body.errors?.[0]?.extensions?.code ?? `HTTP ${res.statusCode}`;
          w.failureCodes.set(`${kind}: ${code}`, (w.failureCodes.get(`${kind}: ${code}`) ?? 0) + 1);
        } else {
          w.latencies[kind].push(performance.now() - t0);
        }
      } catch (err) {
        w.failures[kind]++;
        const code = `${kind}: ${(err as Error).name}`;
        w.failureCodes.set(code, (w.failureCodes.get(code) ?? 0) + 1);
      } finally {
        inFlight--;
      }
    };

    const completed = (path: string) => (data: unknown) =>
      (data as Record<string, { journey?: { status?: string } }> | undefined)?.[path]?.journey?.status === 'COMPLETED';
    const tasks: Record<Kind, () => Promise<void>> = {
      dashboard: () => {
        const customer = customers[seq++ % customers.length] as string;
        return send('dashboard', customer, DASHBOARD, 'Dashboard', { currency: 'EUR' }, (d) =>
          Array.isArray((d as { me?: { accounts?: unknown[] } } | undefined)?.me?.accounts),
        );
      },
      conversion: () => {
        const i = conversions++;
        // Alternating directions keep the wallet's balances where they started (less the spread).
        const [sell, buy] = i % 2 === 0 ? ['EUR', 'USD'] : ['USD', 'EUR'];
        return send('conversion', 'cust-0001', CONVERT, 'ConvertCurrency', {
          idempotencyKey: `soak-${run}-c-${i}`,
          input: { sellAmount: { amount: '1.00', currency: sell }, buy },
        }, completed('convertCurrency'));
      },
      payment: () => {
        const i = seq++;
        return send('payment', 'cust-0001', PAY, 'SendInternationalPayment', {
          idempotencyKey: `soak-${run}-p-${i}`,
          input: {
            sourceAccountId: 'acc-5001',
            amount: { amount: '0.10', currency: 'EUR' },
            beneficiary: { name: 'Soak Beneficiary', iban: 'DE75512108001245126199', bic: 'DEUTDEFF', country: 'DE' },
            remittance: 'soak',
          },
        }, completed('sendInternationalPayment'));
      },
    };

    // Warm-up (not reported): connections, JIT, the rates cache.
    for (let i = 0; i < 50; i++) await tasks.dashboard();
    await tasks.conversion();
    await tasks.payment();
    window = newWindow();

    const pids = servicePids();
    if (!pids.has('gateway')) throw new Error('could not find the gateway process of the soak system');
    const takeSample = async (atMinute: number) => {
      const rss: Record<string, number> = {};
      for (const [name, pid] of pids) rss[name] = rssMb(pid);
      const loop: Record<string, number> = {};
      for (const [name, port] of Object.entries(METRICS_PORTS)) loop[name] = await loopDelayMs(port);
      samples.push({ atMinute, rssMb: rss, loopDelayMs: loop, window, inFlight });
      window = newWindow();
      const last = samples[samples.length - 1] as Sample;
      const done = Object.values(last.window.latencies).reduce((a, l) => a + l.length, 0);
      const failed = Object.values(last.window.failures).reduce((a, b) => a + b, 0);
      console.error(
        `soak ${atMinute.toFixed(1)} min: ${done} ok, ${failed} failed, in flight ${inFlight}, gateway RSS ${rss.gateway?.toFixed(0)} MB`,
      );
    };

    const started = performance.now();
    const timers = (Object.entries({
      dashboard: DASHBOARDS_PER_SECOND,
      conversion: CONVERSIONS_PER_SECOND,
      payment: PAYMENTS_PER_SECOND,
    }) as [Kind, number][])
      .filter(([, rate]) => rate > 0)
      .map(([kind, rate]) => setInterval(() => void tasks[kind](), 1000 / rate));
    const sampler = setInterval(() => void takeSample((performance.now() - started) / 60_000), SAMPLE_EVERY_MS);
    await new Promise((resolve) => setTimeout(resolve, MINUTES * 60_000));
    for (const t of timers) clearInterval(t);
    clearInterval(sampler);
    // Let the last requests finish so they are counted.
    for (let i = 0; i < 300 && inFlight > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    await takeSample((performance.now() - started) / 60_000);
  } finally {
    await pool.close();
    await system.stop();
    const admin = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await admin.del(...keys);
    } while (cursor !== '0');
    admin.disconnect();
  }
  return report(samples);
}

/** Prints the start-versus-end table and returns the exit code. */
function report(samples: readonly Sample[]): number {
  const perMinute = Math.max(1, Math.round(60_000 / SAMPLE_EVERY_MS));
  const first = samples.slice(0, perMinute);
  const last = samples.slice(-perMinute);
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const services = Object.keys(samples[0]?.rssMb ?? {}).sort();
  const merge = (part: readonly Sample[]) => {
    const w = newWindow();
    for (const s of part) {
      for (const k of Object.keys(w.latencies) as Kind[]) {
        w.latencies[k].push(...s.window.latencies[k]);
        w.failures[k] += s.window.failures[k];
      }
      for (const [code, n] of s.window.failureCodes) w.failureCodes.set(code, (w.failureCodes.get(code) ?? 0) + n);
      w.overloaded += s.window.overloaded;
    }
    return w;
  };
  const all = merge(samples);
  const [a, b] = [merge(first), merge(last)];
  const lat = (w: Window, k: Kind) => {
    const sorted = [...w.latencies[k]].sort((x, y) => x - y);
    return sorted.length ? `${percentile(sorted, 50).toFixed(1)} / ${percentile(sorted, 99).toFixed(1)} ms` : 'n/a';
  };
  const fmtMb = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(0)} MB`);
  const fmtMs = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(1)} ms`);

  const lines: string[] = [];
  lines.push(`### Soak: ${MINUTES} min, ${DASHBOARDS_PER_SECOND} dashboards/s + ${CONVERSIONS_PER_SECOND} conversions/s + ${PAYMENTS_PER_SECOND} payments/s, legacy latency ${LATENCY_MS} ms, state in Redis`);
  lines.push('');
  lines.push('| process | RSS first minute | RSS last minute | growth | event-loop delay p99 first / last minute |');
  lines.push('| --- | --- | --- | --- | --- |');
  const growing: string[] = [];
  for (const name of services) {
    const start = avg(first.map((s) => s.rssMb[name] ?? Number.NaN));
    const end = avg(last.map((s) => s.rssMb[name] ?? Number.NaN));
    const loopStart = avg(first.map((s) => s.loopDelayMs[name] ?? Number.NaN));
    const loopEnd = avg(last.map((s) => s.loopDelayMs[name] ?? Number.NaN));
    const ours = name === 'gateway' || name.startsWith('subgraph-');
    if (ours && end - start > RSS_GROWTH_LIMIT_MB) growing.push(name);
    const loop = name in METRICS_PORTS ? `${fmtMs(loopStart)} / ${fmtMs(loopEnd)}` : '(simulator)';
    lines.push(`| ${name} | ${fmtMb(start)} | ${fmtMb(end)} | ${(end - start >= 0 ? '+' : '') + (end - start).toFixed(0)} MB | ${loop} |`);
  }
  lines.push('');
  lines.push('| requests | completed | failed | p50 / p99 first minute | p50 / p99 last minute |');
  lines.push('| --- | --- | --- | --- | --- |');
  for (const k of ['dashboard', 'conversion', 'payment'] as Kind[]) {
    lines.push(`| ${k} | ${all.latencies[k].length} | ${all.failures[k]} | ${lat(a, k)} | ${lat(b, k)} |`);
  }
  const failures = Object.values(all.failures).reduce((x, y) => x + y, 0);
  lines.push('');
  if (all.failureCodes.size) lines.push(`Failures: ${[...all.failureCodes].map(([c, n]) => `${c} x${n}`).join(', ')}.`);
  if (all.overloaded) lines.push(`${all.overloaded} requests were not sent: more than ${MAX_IN_FLIGHT} in flight.`);
  lines.push(`Machine: ${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}. Reproduce: \`npm run soak\`.`);
  const verdict =
    growing.length === 0 && failures === 0
      ? `PASS: no gateway or subgraph process grew by more than ${RSS_GROWTH_LIMIT_MB} MB, no request failed.`
      : `FAIL: ${[growing.length ? `growing: ${growing.join(', ')}` : '', failures ? `${failures} failed requests` : ''].filter(Boolean).join('; ')}.`;
  lines.push(verdict);
  console.log(lines.join('\n'));
  return growing.length === 0 && failures === 0 ? 0 : 1;
}

process.exitCode = await main();
