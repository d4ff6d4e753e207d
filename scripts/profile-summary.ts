/**
 * Summarises a V8 CPU profile (`node --cpu-prof` writes one per process at exit): where the time went, by function
 * (self and inclusive) and by package. What the performance work (issue 7) reads before changing anything.
 *
 *   npx tsx scripts/profile-summary.ts <file.cpuprofile>... [--top 30] [--skip-ms 5000] [--only 'gateway/|lib/']
 *   npx tsx scripts/profile-summary.ts <file.cpuprofile> --callers '^readFileUtf8' [--skip-ms 5000]
 *
 * `--skip-ms` leaves the start-up out (module loading and compiling dominate a short profile); `--only` keeps the rows
 * whose name matches (our own files, say); `--callers` shows the stacks that lead to the matching functions instead.
 * A sample counts as one sampling interval unless `--weight-by-time` (see SummaryOptions.weight).
 *
 * Self time is the samples whose top frame is the function; inclusive time counts a sample once for every distinct
 * function on its stack (recursion is not double counted). Idle, GC and "(program)" are reported apart, and every
 * percentage is of the busy samples, so a mostly idle process still shows what its busy time was spent on.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SummaryOptions {
  /** Leave out the first ms of the profile (start-up: module loading, compilation). @default 0 */
  readonly skipMs?: number;
  /**
   * How a sample counts. 'samples' (default): each sample as one sampling interval of CPU. V8 samples on a wall-clock
   * timer, and a thread descheduled by a busy machine yields one sample for the whole wait, so the time to the next
   * sample ('time') overweights whatever ran just before a wait; counting samples does not.
   */
  readonly weight?: 'samples' | 'time';
  /** Repository root, to shorten our own paths. @default process.cwd() */
  readonly root?: string;
}

const NON_BUSY = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export interface ProfileSummary {
  readonly totalMs: number;
  readonly busyMs: number;
  readonly special: Readonly<Record<string, number>>;
  readonly self: readonly Row[];
  readonly inclusive: readonly Row[];
  readonly packages: readonly Row[];
}

export interface Row {
  readonly name: string;
  readonly ms: number;
}

/** "name (where:line)" with the path relative to the repository and node_modules shortened to the package. */
function frameName(frame: CallFrame, root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  return `${name} (${shortUrl(frame.url, root)}:${frame.lineNumber + 1})`;
}

function shortUrl(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  return path.startsWith('/') ? relative(root, path) : path;
}

/** The package a frame belongs to: the node_modules package, "node:" internals, or "bankgraph" for our code. */
function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return NON_BUSY.has(frame.functionName) ? frame.functionName : '(native)';
  if (url.startsWith('node:')) return 'node:internals';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm < 0) return 'bankgraph';
  const rest = url.slice(nm + '/node_modules/'.length).split('/');
  return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? '?');
}

/** The profile's nodes by id, and each node's parent, for walking a sample's stack up from its leaf. */
function indexNodes(profile: CpuProfile): { byId: Map<number, ProfileNode>; parent: Map<number, number> } {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  return { byId, parent };
}

export function summarise(profile: CpuProfile, options: SummaryOptions = {}): ProfileSummary {
  const root = options.root ?? process.cwd();
  const skipUs = (options.skipMs ?? 0) * 1000;
  const { byId, parent } = indexNodes(profile);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  const special: Record<string, number> = {};
  let totalUs = 0;
  let busyUs = 0;
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    elapsedUs += profile.timeDeltas[i] ?? 0;
    if (elapsedUs < skipUs) return;
    const us = weightOf(profile, i, options);
    totalUs += us;
    const node = byId.get(id);
    if (!node) return;
    if (NON_BUSY.has(node.callFrame.functionName) && !node.callFrame.url) {
      special[node.callFrame.functionName] = (special[node.callFrame.functionName] ?? 0) + us / 1000;
      if (node.callFrame.functionName !== '(idle)') busyUs += us;
      if (node.callFrame.functionName === '(idle)') return;
    } else {
      busyUs += us;
    }
    add(self, frameName(node.callFrame, root), us);
    add(packages, packageOf(node.callFrame), us);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (!frame) break;
      const name = frameName(frame, root);
      if (seen.has(name) || (NON_BUSY.has(frame.functionName) && !frame.url)) continue;
      seen.add(name);
      add(inclusive, name, us);
    }
  });
  const rows = (map: Map<string, number>) =>
    [...map].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, special, self: rows(self), inclusive: rows(inclusive), packages: rows(packages) };
}

/** The tables as text: `top` rows each, only rows matching `only` when given (e.g. /bankgraph|gateway\//). */
const intervals = new WeakMap<CpuProfile, number>();

/** The µs one sample stands for: its time to the next sample, or the profile's median sampling interval. */
function weightOf(profile: CpuProfile, i: number, options: SummaryOptions): number {
  // V8 records the delta before each sample, so a sample's own time is the next delta.
  if (options.weight === 'time') return profile.timeDeltas[i + 1] ?? 0;
  let interval = intervals.get(profile);
  if (interval === undefined) {
    const sorted = [...profile.timeDeltas].filter((d) => d > 0).sort((a, b) => a - b);
    interval = sorted[Math.floor(sorted.length / 2)] ?? 0;
    intervals.set(profile, interval);
  }
  return interval;
}

/**
 * Who calls the functions matching `target`: for every busy sample with such a function on its stack, the `depth`
 * frames below the innermost match (callers first), weighted by the sample's time.
 */
export function callersOf(profile: CpuProfile, target: RegExp, depth = 6, options: SummaryOptions = {}): Row[] {
  const root = options.root ?? process.cwd();
  const skipUs = (options.skipMs ?? 0) * 1000;
  const { byId, parent } = indexNodes(profile);
  const stacks = new Map<string, number>();
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    elapsedUs += profile.timeDeltas[i] ?? 0;
    if (elapsedUs < skipUs) return;
    const us = weightOf(profile, i, options);
    const frames: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame) frames.push(frameName(frame, root));
    }
    const hit = frames.findIndex((f) => target.test(f));
    if (hit < 0) return;
    const key = frames.slice(hit, hit + depth).reverse().join('\n      <- ');
    stacks.set(key, (stacks.get(key) ?? 0) + us);
  });
  return [...stacks].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
}

export function formatSummary(summary: ProfileSummary, top = 30, only?: RegExp): string {
  const pct = (ms: number) => `${((100 * ms) / (summary.busyMs || 1)).toFixed(1).padStart(5)}%`;
  const table = (title: string, rows: readonly Row[]) => [
    `## ${title}`,
    ...rows
      .filter((r) => !only || only.test(r.name))
      .slice(0, top)
      .map((r) => `${pct(r.ms)} ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`),
    '',
  ];
  const special = Object.entries(summary.special)
    .map(([k, v]) => `${k} ${v.toFixed(0)} ms`)
    .join(', ');
  return [
    `profiled ${summary.totalMs.toFixed(0)} ms, busy ${summary.busyMs.toFixed(0)} ms (${special}); percentages of busy time`,
    '',
    ...table('By package (self time)', summary.packages),
    ...table('Self time', summary.self),
    ...table('Inclusive time', summary.inclusive),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files: string[] = [];
  let top = 30;
  let skipMs = 0;
  let only: RegExp | undefined;
  let callers: RegExp | undefined;
  let weight: 'samples' | 'time' = 'samples';
  const args = process.argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--top') top = Number(args[++i]);
    else if (arg === '--skip-ms') skipMs = Number(args[++i]);
    else if (arg === '--only') only = new RegExp(args[++i] ?? '');
    else if (arg === '--callers') callers = new RegExp(args[++i] ?? '');
    else if (arg === '--weight-by-time') weight = 'time';
    else files.push(arg);
  }
  if (files.length === 0 || !Number.isFinite(top) || !Number.isFinite(skipMs)) {
    process.stderr.write('usage: tsx scripts/profile-summary.ts <file.cpuprofile>... [--top N] [--skip-ms MS] [--only REGEX] [--callers REGEX] [--weight-by-time]\n');
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    if (callers) {
      const rows = callersOf(profile, callers, 6, { skipMs, weight }).slice(0, top);
      process.stdout.write(`# ${file}: callers of ${callers}\n${rows.map((r) => `${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`).join('\n')}\n`);
      continue;
    }
    process.stdout.write(`# ${file}\n${formatSummary(summarise(profile, { skipMs, weight }), top, only)}\n`);
  }
}
