import { readdirSync, readFileSync } from 'node:fs';

// CPU time by process over a phase, from /proc: on a 2-core machine, which process the cores
// went to (the dev server, the workers, the intake, the load generator) explains the figures.

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far (NaN once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces), from field 3 on: utime is the 14th field.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** Children of `parent` whose command name is `comm` (e.g. the Temporal CLI the dev server runs as). */
export function childrenNamed(parent: number, comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent && name === comm) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

export type CpuSplit = Record<string, number>;

/** Watches named processes; `since()` gives the CPU seconds each used since the last mark. */
export class CpuMeter {
  private marks = new Map<string, { pid: number; cpu: number }>();
  private wall = performance.now();

  constructor(private readonly processes: () => Record<string, number>) {
    this.mark();
  }

  mark(): void {
    this.marks = new Map(Object.entries(this.processes()).map(([name, pid]) => [name, { pid, cpu: cpuSeconds(pid) }]));
    this.wall = performance.now();
  }

  /** CPU seconds per process since the last mark, and the wall seconds; then marks again. */
  since(): CpuSplit {
    const split: CpuSplit = { wallSeconds: Math.round((performance.now() - this.wall) / 100) / 10 };
    for (const [name, pid] of Object.entries(this.processes())) {
      // A process started since the mark (a restarted worker) counts from zero.
      const before = this.marks.get(name);
      const used = cpuSeconds(pid) - (before?.pid === pid ? before.cpu : 0);
      // Hundredths: a clock tick is 10 ms, and CPU per alert divides these by thousands of alerts.
      split[name] = Number.isFinite(used) ? Math.round(used * 100) / 100 : 0;
    }
    this.mark();
    return split;
  }
}

/**
 * Wait until the named processes together use less than `cores` of CPU over a half-second window,
 * at most `timeoutMs`: after an overload, the dev server goes on working (closing runs, visibility)
 * for a while after the last workflow closed, and the next measurement would pay for it.
 * Resolves with the last window's CPU, in cores.
 */
export async function waitForQuiet(processes: () => Record<string, number>, names: readonly string[], cores: number, timeoutMs: number): Promise<number> {
  const meter = new CpuMeter(processes);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const split = meter.since();
    const busy = names.reduce((sum, name) => sum + (split[name] ?? 0), 0) / Math.max(0.1, split['wallSeconds'] ?? 0.5);
    if (busy < cores || performance.now() > deadline) return busy;
  }
}
