/**
 * The one table of ratios `npm run bench` prints first (issue 7): every figure against what it is compared with and
 * the target. Parts that did not run (`npm run bench -- peers`) have no rows.
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { DashboardBench } from './dashboard.js';
import { perCpuSecond, type ContenderResult } from './throughput.js';

export interface BenchResults {
  dashboard?: DashboardBench;
  peers?: readonly ContenderResult[];
  gatewaysBenchmark?: readonly ContenderResult[];
}

/** CPU model, cores, Node, date, and how busy the machine was when the run began (others' load skews everything). */
export function machineLine(): string {
  const [one, five] = loadavg();
  return [
    `Machine: ${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores (${availableParallelism()} available),`,
    `Node ${process.version}, ${new Date().toISOString()}; load average at start ${one?.toFixed(2)} (1 min) / ${five?.toFixed(2)} (5 min).`,
  ].join(' ');
}

type Row = [measure: string, bankgraph: string, comparedWith: string, ratio: string, target: string, met: string];

const ms = (x: number) => `${x.toFixed(1)} ms`;
const yesNo = (ok: boolean) => (ok ? 'yes' : '**no**');
const rps = (x: number) => `${x.toFixed(0)} req/s`;
const ratioText = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}x` : 'n/a');
/** Fewer successful responses than this in a run, and its ratios say nothing. */
const MIN_RESPONSES = 50;

export function ratioTable(results: BenchResults): string {
  const rows: Row[] = [];
  const d = results.dashboard;
  if (d) {
    const critical = d.criticalMs;
    for (const c of [1, 32]) {
      const r = d.latency[c];
      if (!r) continue;
      const cp = `critical path ${ms(critical)} (direct calls ${ms(r.direct.p50)} / ${ms(r.direct.p99)})`;
      const over = (x: number) => `+${ms(x - critical)} (${(x / critical).toFixed(2)}x)`;
      rows.push([`Dashboard p50, c=${c}, ${d.latencyMs} ms legacy latency`, ms(r.gw.p50), cp, over(r.gw.p50), '≤ critical path + 3 ms', yesNo(r.gw.p50 <= critical + 3)]);
      const p99Target = c === 32 ? '≤ critical path + 15 ms' : '-';
      rows.push([`Dashboard p99, c=${c}`, ms(r.gw.p99), cp, over(r.gw.p99), p99Target, c === 32 ? yesNo(r.gw.p99 <= critical + 15) : '-']);
    }
    const calls = [1, 10, 100].map((n) => d.callsPerDashboard[n]);
    if (calls.every((n) => n !== undefined)) {
      const [one, , hundred] = calls as [number, number, number];
      rows.push([
        'Legacy calls per dashboard, 1 / 10 / 100 accounts',
        calls.join(' / '),
        `${one} for 1 account`,
        `${(hundred / one).toFixed(2)}x (100 accounts / 1)`,
        'constant',
        // Rounded: a reference-rates cache refresh during the sample adds a fraction of a call to one customer's mean.
        yesNo(calls.every((n) => Math.round(n) === Math.round(one))),
      ]);
    }
  }
  peerRows(rows, 'Dashboard throughput', results.peers, { apollo: 2, hive: 1.2 }, '≥');
  peerRows(rows, 'Gateway benchmark workload', results.gatewaysBenchmark, { hive: 1 }, '>');
  return [
    '| measure | bankgraph | compared with | ratio | target | met |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const PEER_NAMES: Record<string, string> = { apollo: 'stock @apollo/gateway', hive: 'Hive Gateway' };

function peerRows(
  rows: Row[],
  title: string,
  results: readonly ContenderResult[] | undefined,
  targets: Record<string, number>,
  op: '≥' | '>',
): void {
  if (!results) return;
  // bankgraph as it ships, then (when it ran) bankgraph with request collapsing off: the peers' ratios without the
  // collapsing that a single-customer load rewards.
  for (const [bankgraph, suffix] of [
    [results.find((r) => r.name === 'bankgraph'), ''],
    [results.find((r) => r.name === UNCOLLAPSED), ' (bankgraph without request collapsing)'],
  ] as const) {
    if (bankgraph) ownRows(rows, `${title}${suffix}`, bankgraph, results, targets, op);
  }
}

/** The name of the contender that is bankgraph with GATEWAY_COLLAPSE_QUERIES=false. */
export const UNCOLLAPSED = 'bankgraph-uncollapsed';

function ownRows(
  rows: Row[],
  title: string,
  bankgraph: ContenderResult,
  results: readonly ContenderResult[],
  targets: Record<string, number>,
  op: '≥' | '>',
): void {
  for (const peer of results.filter((r) => r.name !== 'bankgraph' && r.name !== UNCOLLAPSED)) {
    const name = PEER_NAMES[peer.name] ?? peer.name;
    const ratio = peer.load.rps > 0 ? bankgraph.load.rps / peer.load.rps : Number.NaN;
    const target = targets[peer.name];
    const enough = Math.min(bankgraph.load.successes, peer.load.successes) >= MIN_RESPONSES;
    const met = target === undefined ? '-' : !enough ? `n/a (under ${MIN_RESPONSES} responses)` : yesNo(op === '≥' ? ratio >= target : ratio > target);
    rows.push([
      `${title}, requests/s vs ${name}`,
      rps(bankgraph.load.rps),
      rps(peer.load.rps),
      ratioText(ratio),
      target === undefined ? '-' : `${op} ${target}x`,
      met,
    ]);
    const [own, theirs] = [perCpuSecond(bankgraph.load), perCpuSecond(peer.load)];
    if (own !== undefined && theirs !== undefined && theirs > 0) {
      rows.push([
        `${title}, requests per gateway CPU-second vs ${name}`,
        own.toFixed(0),
        theirs.toFixed(0),
        ratioText(own / theirs),
        '- (efficiency; steadier than req/s on a busy machine)',
        '-',
      ]);
    }
    rows.push([
      `${title}, p99 vs ${name} (lower is better)`,
      `${bankgraph.load.p99} ms`,
      `${peer.load.p99} ms`,
      peer.load.successes > 0 && bankgraph.load.successes > 0 ? ratioText(bankgraph.load.p99 / peer.load.p99) : 'n/a',
      '-',
      '-',
    ]);
  }
}
