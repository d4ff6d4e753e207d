import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

/**
 * CPU time of the processes of a running system, from /proc (Linux): user + system time each process has used since
 * it started, so what a piece of work cost a process is the difference of two readings. CPU time, not wall time: on
 * a loaded machine a process waits longer for a core, but the work it does costs the same.
 */

/** A process to measure: its name ("gateway", "subgraph-accounts", "core-banking") and pid. */
export interface MeasuredProcess {
  readonly name: string;
  readonly pid: number;
}

/** True when CPU times can be read here. */
export function canReadCpu(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/stat');
}

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds (user + system) `pid` has used so far. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After "pid (comm) ": state is field 3, utime field 14, stime field 15 (proc(5)); comm may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** CPU milliseconds each process used per task while `run` did `count` tasks. */
export async function cpuPerTask(processes: readonly MeasuredProcess[], count: number, run: () => Promise<void>): Promise<Map<string, number>> {
  const before = processes.map((p) => cpuSeconds(p.pid));
  await run();
  const after = processes.map((p) => cpuSeconds(p.pid));
  return new Map(processes.map((p, i) => [p.name, ((after[i]! - before[i]!) * 1000) / count]));
}
