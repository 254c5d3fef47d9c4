import type { BenchStack } from './bench-stack.js';
import { CpuMeter, waitForQuiet, type CpuSplit } from './cpu-usage.js';
import type { LoadClient } from './http-load.js';
import { sendChunk } from './measure-latency.js';
import { loadAverageNow } from './machine-info.js';
import type { Kind } from './send-incident.js';
import { round } from './stats.js';

// Row 8: CPU seconds per incident of the dev server and of the worker that serves the incident,
// medic against bare. Each phase runs ONLY one kind (medic incidents through the intake, or bare
// workflows by signalWithStart), at the same rate and count, to its end (no incident open), and
// /proc/<pid>/stat says what each process used over it. Per-process CPU time is what that process
// itself used, so other work on the machine moves it far less than it moves latencies.

/** medic, bare, bare, medic: whatever drifts over the phases (a warmer JIT, a larger store) falls on both. */
const ORDER: readonly Kind[] = ['medic', 'bare', 'bare', 'medic'];

/**
 * After the last incident closed, the phase keeps counting this long: work the incidents started
 * but that outlives them (a guard releasing a target, the server's transfer and timer tasks) is
 * theirs. Both kinds wait the same, so the idle CPU it adds is the same for both.
 */
const TAIL_MS = 1500;

/** Before each phase, the processes measured settle below this much CPU (in cores), for at most QUIET_MAX_MS. */
const QUIET_CORES = 0.2;
const QUIET_MAX_MS = 10_000;
const MEASURED = ['devServer', 'medicWorker', 'bareWorker'] as const;

/** Before the phases: how much CPU each process uses with nothing to do, to read the figures by. */
const IDLE_MS = 3000;

/** What one kind cost, per incident, over its phases together. */
export interface KindCpu {
  incidents: number;
  /** Incidents refused or not finished in time (their CPU is still in the totals). */
  failures: number;
  wallSeconds: number;
  /** CPU milliseconds per incident. */
  serverMs: number;
  workerMs: number;
  /** server + worker: what the ratio compares. */
  totalMs: number;
  /**
   * totalMs less what the same processes use with nothing to do over the kind's wall time: a check
   * that the ratio is not the idle CPU of a longer phase (medic's phases last longer).
   */
  totalNetOfIdleMs: number;
  /** The process that sent the alerts (medic: the intake; bare: the load generator's Temporal client). Not in the ratio. */
  clientMs: number;
}

export interface CpuPerIncidentResult {
  perSecond: number;
  /** Incidents per phase; each kind runs two phases. */
  perPhase: number;
  medic: KindCpu;
  bare: KindCpu;
  /** medic total / bare total (server + worker): the goal is <= 1.3. */
  medicOverBare: number;
  /** The same ratio with each kind's idle CPU taken out (see totalNetOfIdleMs). */
  medicOverBareNetOfIdle: number;
  /** The intake's CPU per medic incident, shown apart: bare has no intake, so it is not in the ratio. */
  intakeMsPerMedicIncident: number;
  /**
   * CPU milliseconds per wall second each process used with no incident running (the server's
   * housekeeping, the workers' polls), measured just before: it is in the per-incident figures
   * above (not subtracted), as much for both kinds per second of phase.
   */
  idleMsPerSecond: { server: number; medicWorker: number; bareWorker: number };
  /** The CPU seconds of every process in each phase, in the order run. */
  phases: { kind: Kind; split: CpuSplit }[];
  loadAverage: { start: number; end: number };
}

export interface CpuPerIncidentOptions {
  prefix: string;
  perPhase: number;
  perSecond: number;
  timeoutMs: number;
  /** pid by process name, as the run's CpuMeter reads them (devServer, medicWorker, bareWorker, intake, loadGenerator). */
  processes: () => Record<string, number>;
}

export async function measureCpuPerIncident(stack: BenchStack, http: LoadClient, o: CpuPerIncidentOptions): Promise<CpuPerIncidentResult> {
  const start = loadAverageNow();
  const meter = new CpuMeter(o.processes);
  await stack.settle(o.timeoutMs);
  await waitForQuiet(o.processes, MEASURED, QUIET_CORES, QUIET_MAX_MS);
  meter.mark();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  const idle = meter.since();
  const idleMsPerSecond = (key: string) => ((idle[key] ?? 0) * 1000) / Math.max(0.1, idle['wallSeconds'] ?? 0);
  const phases: { kind: Kind; split: CpuSplit; incidents: number; failures: number }[] = [];
  for (const [i, kind] of ORDER.entries()) {
    // The last phase's stragglers (and the settle polls) are not this phase's.
    await stack.settle(o.timeoutMs);
    await waitForQuiet(o.processes, MEASURED, QUIET_CORES, QUIET_MAX_MS);
    meter.mark();
    const fps = Array.from({ length: o.perPhase }, (_, n) => `${o.prefix}-${kind}-${i}-${n}`);
    const sent = await sendChunk(stack, http, kind, fps, { kind: 'steady', perSecond: o.perSecond }, false);
    const accepted = sent.filter((s) => s.ok).map((s) => s.workflowId);
    const missing = await stack.timings.waitFor(accepted, 'rejoin', o.timeoutMs);
    await stack.settle(o.timeoutMs);
    await new Promise((resolve) => setTimeout(resolve, TAIL_MS));
    phases.push({ kind, split: meter.since(), incidents: sent.length, failures: sent.length - accepted.length + missing.length });
  }
  const perKind = (kind: Kind): KindCpu => {
    const mine = phases.filter((p) => p.kind === kind);
    const sum = (key: string) => mine.reduce((s, p) => s + (p.split[key] ?? 0), 0);
    const incidents = mine.reduce((s, p) => s + p.incidents, 0);
    const perIncident = (seconds: number) => round((seconds * 1000) / Math.max(1, incidents), 2);
    const workerName = kind === 'medic' ? 'medicWorker' : 'bareWorker';
    const server = sum('devServer');
    const worker = sum(workerName);
    const idleSeconds = ((idleMsPerSecond('devServer') + idleMsPerSecond(workerName)) * sum('wallSeconds')) / 1000;
    return {
      incidents,
      failures: mine.reduce((s, p) => s + p.failures, 0),
      wallSeconds: round(sum('wallSeconds'), 1),
      serverMs: perIncident(server),
      workerMs: perIncident(worker),
      totalMs: perIncident(server + worker),
      totalNetOfIdleMs: perIncident(server + worker - idleSeconds),
      clientMs: perIncident(sum(kind === 'medic' ? 'intake' : 'loadGenerator')),
    };
  };
  const medic = perKind('medic');
  const bare = perKind('bare');
  return {
    perSecond: o.perSecond,
    perPhase: o.perPhase,
    medic,
    bare,
    medicOverBare: bare.totalMs > 0 ? round(medic.totalMs / bare.totalMs) : Number.NaN,
    medicOverBareNetOfIdle: bare.totalNetOfIdleMs > 0 ? round(medic.totalNetOfIdleMs / bare.totalNetOfIdleMs) : Number.NaN,
    intakeMsPerMedicIncident: medic.clientMs,
    idleMsPerSecond: { server: round(idleMsPerSecond('devServer'), 1), medicWorker: round(idleMsPerSecond('medicWorker'), 1), bareWorker: round(idleMsPerSecond('bareWorker'), 1) },
    phases: phases.map(({ kind, split }) => ({ kind, split })),
    loadAverage: { start, end: loadAverageNow() },
  };
}
