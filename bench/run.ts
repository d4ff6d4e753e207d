/**
 * `npm run bench`: the machine, then one table of ratios (bench/table.ts), then each benchmark's detail tables, all
 * Markdown (copied into the README). `npm run bench -- <part>` runs one part: dashboard, peers, gateways-benchmark,
 * journeys.
 *
 * Knobs (environment): BENCH_WARMUP_SECONDS (10) and BENCH_DURATION_SECONDS (20) per gateway, BENCH_CONNECTIONS (32)
 * for the throughput parts; BENCH_DASHBOARD_C1_REQUESTS (150) and BENCH_DASHBOARD_C32_REQUESTS (1500);
 * BENCH_DASHBOARD_CPU_REQUESTS (400, the dashboards whose CPU per process is measured);
 * BENCH_LATENCY_MS (20); BENCH_PERSISTED=0 sends bankgraph the Dashboard document instead of its persisted id;
 * BENCH_CPU_PROF=<dir> writes each gateway's CPU profile there; BENCH_VERBOSE=1 prints raw results as they come.
 */
// Imports are hoisted, but loggers are created only when a benchmark starts its systems, so this still applies:
// keep benchmark output to the tables.
process.env.LOG_LEVEL ??= 'warn';
import { runDashboardBench } from './dashboard.js';
import { runGatewaysBenchmark } from './gateways-benchmark/index.js';
import { runJourneysBench } from './journeys.js';
import { runPeersBench } from './peers.js';
import { machineLine, ratioTable, type BenchResults } from './table.js';

const PARTS = ['dashboard', 'peers', 'gateways-benchmark', 'journeys'] as const;
const only = process.argv[2];
if (only && !(PARTS as readonly string[]).includes(only)) {
  console.error(`unknown part "${only}": one of ${PARTS.join(', ')}`);
  process.exit(2);
}
const runs = (part: (typeof PARTS)[number]) => !only || only === part;
const progress = (message: string) => process.stderr.write(`[bench] ${new Date().toISOString()} ${message}\n`);

const machine = machineLine();
const results: BenchResults = {};
const details: string[] = [];
if (runs('dashboard')) {
  progress('dashboard latency and legacy calls');
  const dashboard = await runDashboardBench();
  results.dashboard = dashboard;
  details.push(dashboard.markdown);
}
if (runs('peers')) {
  progress('throughput against peers (Dashboard)');
  const peers = await runPeersBench();
  results.peers = peers.results;
  details.push(peers.markdown);
}
if (runs('gateways-benchmark')) {
  progress('the public gateway benchmark workload');
  const gwb = await runGatewaysBenchmark();
  results.gatewaysBenchmark = gwb.results;
  details.push(gwb.markdown);
}
if (runs('journeys')) {
  progress('journeys');
  details.push(await runJourneysBench());
}

const out = [machine, ''];
if (results.dashboard || results.peers || results.gatewaysBenchmark) out.push('### Ratios', '', ratioTable(results), '');
out.push(details.join('\n\n'));
console.log(out.join('\n'));
