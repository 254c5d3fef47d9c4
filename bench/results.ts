import type { CpuSplit } from './cpu-usage.js';
import type { MachineInfo } from './machine-info.js';
import type { KeepAliveComparison } from './measure-keep-alive.js';
import type { LatencyResult } from './measure-latency.js';
import type { OpenIncidentsResult } from './measure-open-incidents.js';
import type { PlainResult } from './measure-plain.js';
import type { CpuPerIncidentResult } from './measure-cpu-per-incident.js';
import type { FloorResult } from './measure-floor.js';
import type { RateSearchResult } from './measure-rate-search.js';
import type { ThroughputResult } from './measure-throughput.js';
import type { CpuSplit as PhaseCpu } from './cpu-usage.js';
import { ratios, round, type Distribution } from './stats.js';
import type { WorkerTuning } from './worker-tuning.js';

/** What bench/results.json holds: the nine rows, the targets, and what they were measured on. */
export interface BenchResults {
  date: string;
  mode: 'full' | 'quick' | 'smoke';
  machine: MachineInfo;
  settings: {
    tuning: WorkerTuning;
    keepAlive: boolean;
    connections: number;
    intakeLogLevel: string;
    db: 'file' | 'memory';
  };
  durationSeconds: number;
  loadAverageAtEnd: number;
  /** Every row, unless the run was limited with --only. */
  rows: Partial<BenchRows>;
  /** Tuning checks run with --only (not rows). */
  keepAlive?: KeepAliveComparison;
  /** CPU seconds each process used in each phase (and the phase's wall seconds). */
  cpu: Record<string, CpuSplit>;
  targets: TargetCheck[];
}

/** The measurements: rows 1-6, then the three medic / bare ratios of issue 12 (7-9). */
export interface BenchRows {
  /** 1. */
  alertToFirstAction: {
    /** At the target's rate (50/s): on a 2-core machine running everything, a queue builds. */
    steady: LatencyResult & { perSecond: number };
    /** At a rate the machine keeps up with: the latency of one incident, without a queue. */
    light: LatencyResult & { perSecond: number };
    burst: LatencyResult & { burstSize: number };
  };
  /** 2. */
  bareFloor: {
    steady: LatencyResult;
    light: LatencyResult;
    burst: LatencyResult;
    /** medic / bare, alert -> first action, per percentile (and alert -> done for the steady run). */
    ratio: { steady: Ratios; light: Ratios; burst: Ratios; endToEndSteady: Ratios };
  };
  /** 3. */
  plainBaseline: PlainResult & {
    /** Alert -> last step done, divided by the steps (p50 of the light run: no queue in it). */
    medicPerStepMs: number;
    barePerStepMs: number;
    medicOverPlain: number;
    bareOverPlain: number;
    /** What one durable step costs beyond a plain call: medic per step - plain per step. */
    priceOfDurabilityMsPerStep: number;
  };
  /** 4. */
  intakeThroughput: IntakeThroughput[];
  /** 5. */
  openIncidents: OpenIncidentsResult;
  /** 6. */
  stepOverhead: { sleepMs: number; steps: number; medic: Distribution; bare: Distribution; medicOverBareP50: number };
  /** 7. medic / bare, alert -> first action at a light rate (rows 1-2's light run): the goal is <= 1.3. */
  lightRatio: LightRatio;
  /** 8. CPU per incident (dev server + the worker serving it), medic / bare: the goal is <= 1.3. */
  cpuPerIncident: CpuPerIncidentResult;
  /** 9. The highest alert rate keeping the first action's p99 under 1 s, medic / bare: the goal is >= 0.8. */
  rateSearch: RateSearchResult;
}

/** Row 7: the light run's first action, medic against bare, with the load average around it. */
export interface LightRatio {
  perSecond: number;
  incidents: { medic: number; bare: number };
  medicMs: { p50: number; p99: number };
  bareMs: { p50: number; p99: number };
  ratio: { p50: number; p99: number };
  loadAverage: { start: number; end: number };
}

export function lightRatio(medic: LatencyResult, bare: LatencyResult, perSecond: number, loadAverage: { start: number; end: number }): LightRatio {
  const r = compare(medic, bare);
  return {
    perSecond,
    incidents: { medic: medic.incidents, bare: bare.incidents },
    medicMs: { p50: medic.firstActionMs.p50, p99: medic.firstActionMs.p99 },
    bareMs: { p50: bare.firstActionMs.p50, p99: bare.firstActionMs.p99 },
    ratio: { p50: r.p50, p99: r.p99 },
    loadAverage,
  };
}

/** Row 4 for one number of fingerprints: through the intake, at the floor, and the ratio. */
export type IntakeThroughput = ThroughputResult & {
  /** Plain signalWithStart calls with the same arguments, same server and worker, same run. */
  floor?: FloorResult;
  /** Intake alerts/s ÷ floor calls/s: the goal is >= 0.85. */
  intakeOverFloor?: number;
  /** The intake process's CPU per accepted alert (its whole process: HTTP, parsing, routing, the gRPC client). */
  intakeCpuMsPerAlert?: number;
  /** The load generator's CPU per floor call (the plain client, building the arguments included). */
  floorClientCpuMsPerCall?: number;
};

export function withFloor(t: ThroughputResult, floor: FloorResult, intakeCpu: PhaseCpu | undefined, floorCpu: PhaseCpu | undefined): IntakeThroughput {
  const accepted = t.alertsPerSecond * t.seconds;
  return {
    ...t,
    floor,
    intakeOverFloor: floor.callsPerSecond > 0 ? round(t.alertsPerSecond / floor.callsPerSecond) : 0,
    ...(intakeCpu?.['intake'] !== undefined && accepted > 0 && { intakeCpuMsPerAlert: round((intakeCpu['intake'] * 1000) / accepted, 3) }),
    ...(floorCpu?.['loadGenerator'] !== undefined && floor.calls > 0 && { floorClientCpuMsPerCall: round((floorCpu['loadGenerator'] * 1000) / floor.calls, 3) }),
  };
}

export interface Ratios {
  p50: number;
  p95: number;
  p99: number;
}

export interface TargetCheck {
  name: string;
  target: string;
  measured: number;
  unit: string;
  pass: boolean;
}

export function derivePlain(plain: PlainResult, medic: LatencyResult, bare: LatencyResult): BenchRows['plainBaseline'] {
  const plainMs = plain.perStepMicros / 1000;
  const medicPerStepMs = medic.endToEndMs.p50 / plain.steps;
  const barePerStepMs = bare.endToEndMs.p50 / plain.steps;
  return {
    ...plain,
    medicPerStepMs: round(medicPerStepMs, 2),
    barePerStepMs: round(barePerStepMs, 2),
    medicOverPlain: Math.round(medicPerStepMs / plainMs),
    bareOverPlain: Math.round(barePerStepMs / plainMs),
    priceOfDurabilityMsPerStep: round(medicPerStepMs - plainMs, 2),
  };
}

export function compare(medic: LatencyResult, bare: LatencyResult): Ratios {
  return ratios(medic.firstActionMs, bare.firstActionMs);
}

/** The targets, checked against this run's figures (those of the rows it ran). */
export function checkTargets(rows: Partial<BenchRows>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const steady = rows.alertToFirstAction?.steady;
  if (steady !== undefined) {
    checks.push({
      name: `alert-to-first-action p99 at ${steady.perSecond} alerts/s`,
      target: '< 100 ms at 50 alerts/s',
      measured: steady.firstActionMs.p99,
      unit: 'ms',
      pass: steady.perSecond >= 50 && steady.firstActionMs.p99 < 100,
    });
  }
  if (rows.bareFloor !== undefined) {
    checks.push({
      name: 'medic / bare, alert-to-first-action p50 (steady)',
      target: '< 1.3',
      measured: rows.bareFloor.ratio.steady.p50,
      unit: '×',
      pass: rows.bareFloor.ratio.steady.p50 < 1.3,
    });
  }
  for (const t of rows.intakeThroughput ?? []) {
    checks.push({
      name: `intake alerts/s accepted, ${t.fingerprints.toLocaleString('en')} fingerprints`,
      target: '>= 1,000 /s on 2 cores',
      measured: t.alertsPerSecond,
      unit: '/s',
      pass: t.alertsPerSecond >= 1000 && t.guarantee.holds && t.refused === 0,
    });
    if (t.intakeOverFloor !== undefined) {
      checks.push({
        name: `intake / floor, alerts/s at ${t.fingerprints.toLocaleString('en')} fingerprints`,
        target: '>= 0.85',
        measured: t.intakeOverFloor,
        unit: '×',
        pass: t.intakeOverFloor >= 0.85 && t.guarantee.holds && t.refused === 0,
      });
    }
  }
  checks.push(...ratioTargets(rows));
  const open = rows.openIncidents;
  if (open !== undefined) {
    checks.push({
      name: `worker RSS with ${open.incidents.toLocaleString('en')} open incidents`,
      target: '< 1 GiB for 1,000',
      measured: open.workerRssMiB.open,
      unit: 'MiB',
      pass: open.incidents >= 1000 && open.failures === 0 && open.workerRssMiB.open < 1024,
    });
  }
  return checks;
}

/** Goals of the three medic / bare ratios (rows 7-9). */
export const RATIO_GOALS = { light: 1.3, cpu: 1.3, rate: 0.8 } as const;

/** Rows 7-9 against their goals: the names start with "ratio" so the table can pick them out. */
function ratioTargets(rows: Partial<BenchRows>): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const light = rows.lightRatio;
  if (light !== undefined) {
    for (const p of ['p50', 'p99'] as const) {
      checks.push({
        name: `ratio: medic / bare, alert-to-first-action ${p} at ${light.perSecond}/s (light)`,
        target: `<= ${RATIO_GOALS.light}`,
        measured: light.ratio[p],
        unit: '×',
        pass: light.ratio[p] <= RATIO_GOALS.light,
      });
    }
  }
  const cpu = rows.cpuPerIncident;
  if (cpu !== undefined) {
    checks.push({
      name: 'ratio: medic / bare, CPU per incident (dev server + worker)',
      target: `<= ${RATIO_GOALS.cpu}`,
      measured: cpu.medicOverBare,
      unit: '×',
      pass: cpu.medicOverBare <= RATIO_GOALS.cpu && cpu.medic.failures === 0 && cpu.bare.failures === 0,
    });
  }
  const rate = rows.rateSearch;
  if (rate !== undefined) {
    checks.push({
      name: `ratio: medic / bare, highest alert rate with first-action p99 < ${rate.limitMs / 1000} s`,
      target: `>= ${RATIO_GOALS.rate}`,
      // No bare rate passed: nothing to compare; 0 keeps the figure a number and the verdict a fail.
      measured: rate.medicOverBare ?? 0,
      unit: '×',
      pass: rate.medicOverBare !== null && rate.medicOverBare >= RATIO_GOALS.rate,
    });
  }
  return checks;
}
