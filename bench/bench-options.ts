import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { RateSearchOptions } from './measure-rate-search.js';
import { parseTuning, type WorkerTuning } from './worker-tuning.js';

/** How much of each measurement a run does. The full sizes are the issue's; smoke only proves the harness. */
export interface BenchSizes {
  warmup: number;
  steady: { incidents: number; perSecond: number; rounds: number };
  /** A rate the machine keeps up with: latency without a queue. */
  light: { incidents: number; perSecond: number; rounds: number };
  burst: { size: number; rounds: number };
  overhead: { incidents: number; perSecond: number; rounds: number };
  plain: number;
  open: { incidents: number; concurrency: number };
  /** Each run sends alerts over this many fingerprints for this many seconds. */
  throughput: { fingerprints: number; seconds: number }[];
  throughputConcurrency: number;
  /** Incidents whose recorded signals are checked against the 202s, per throughput run. */
  guaranteeSample: number;
  /** Incidents of each kind whose histories explain where the time to the first action went. */
  breakdownSample: number;
  /** Row 8: phases of one kind only (medic, bare, bare, medic), each this many incidents at this rate. */
  cpu: { perPhase: number; perSecond: number };
  /** Row 9: the rate search's bounds (see measure-rate-search.ts). */
  rateSearch: Omit<RateSearchOptions, 'prefix' | 'timeoutMs' | 'processes' | 'log'>;
  /** Bound on any wait for incidents to finish (a bench reports what did not, never hangs). */
  timeoutMs: number;
}

export const FULL: BenchSizes = {
  warmup: 60,
  steady: { incidents: 1000, perSecond: 50, rounds: 4 },
  light: { incidents: 100, perSecond: 5, rounds: 4 },
  burst: { size: 250, rounds: 1 },
  overhead: { incidents: 60, perSecond: 5, rounds: 2 },
  plain: 10_000,
  open: { incidents: 1000, concurrency: 32 },
  throughput: [
    { fingerprints: 100, seconds: 20 },
    { fingerprints: 10_000, seconds: 20 },
  ],
  throughputConcurrency: 64,
  guaranteeSample: 100,
  breakdownSample: 40,
  cpu: { perPhase: 100, perSecond: 10 },
  // Doubling from 5/s, then bisection to 10%: about 7 steps a kind, 8 s of alerts each and at
  // least 100 (below 100 a p99 is the slowest alert: one stray would decide the step); the budget
  // bounds it (a failing step stops as soon as its p99 is certainly over 1 s).
  rateSearch: { startRate: 5, maxRate: 160, stepSeconds: 8, minIncidents: 100, resolution: 0.1, maxStepsPerKind: 9, budgetSeconds: 540, drainSeconds: 10 },
  timeoutMs: 180_000,
};

export const SMOKE: BenchSizes = {
  warmup: 4,
  steady: { incidents: 20, perSecond: 20, rounds: 1 },
  light: { incidents: 6, perSecond: 10, rounds: 1 },
  burst: { size: 10, rounds: 1 },
  overhead: { incidents: 10, perSecond: 20, rounds: 1 },
  plain: 200,
  open: { incidents: 20, concurrency: 8 },
  throughput: [
    { fingerprints: 10, seconds: 2 },
    { fingerprints: 40, seconds: 2 },
  ],
  throughputConcurrency: 8,
  guaranteeSample: 10,
  breakdownSample: 5,
  cpu: { perPhase: 5, perSecond: 10 },
  // Two steps a kind: 5/s, then 10/s (or a lower rate if 5/s failed).
  rateSearch: { startRate: 5, maxRate: 10, stepSeconds: 1, minIncidents: 5, resolution: 0.5, maxStepsPerKind: 2, budgetSeconds: 60, drainSeconds: 5 },
  timeoutMs: 60_000,
};

/** For trying a tuning (TUNING.md): the full run's shapes, fewer incidents; row 5 keeps its 1,000. */
export const QUICK: BenchSizes = {
  ...FULL,
  warmup: 30,
  steady: { incidents: 300, perSecond: 50, rounds: 2 },
  light: { incidents: 40, perSecond: 5, rounds: 2 },
  burst: { size: 150, rounds: 1 },
  overhead: { incidents: 40, perSecond: 5, rounds: 2 },
  throughput: [
    { fingerprints: 100, seconds: 10 },
    { fingerprints: 10_000, seconds: 10 },
  ],
  breakdownSample: 20,
  cpu: { perPhase: 50, perSecond: 10 },
  rateSearch: { ...FULL.rateSearch, stepSeconds: 5, minIncidents: 50, resolution: 0.15, maxStepsPerKind: 7, budgetSeconds: 300 },
};

export const PHASES = ['latency', 'cpu', 'rate', 'overhead', 'open', 'throughput'] as const;
/** Checks of a tuning that only run when asked for with --only. */
export const EXTRA_PHASES = ['keep-alive'] as const;
export type Phase = (typeof PHASES)[number] | (typeof EXTRA_PHASES)[number];

export interface BenchOptions {
  smoke: boolean;
  quick: boolean;
  sizes: BenchSizes;
  /** Where results.json and results.md go. */
  outDir: string;
  tuning: WorkerTuning;
  keepAlive: boolean;
  connections: number;
  intakeLogLevel: string;
  phases: Phase[];
  keepRunDir: boolean;
  /** The dev server's store: a SQLite file (as `medic dev` runs it) or memory. */
  db: 'file' | 'memory';
}

export const USAGE = `usage: tsx bench/run-bench.ts [--smoke | --quick] [--out DIR] [--worker KEY=N ...] [--no-keep-alive]
       [--connections N] [--intake-log-level LEVEL] [--only ${PHASES.join(',')}] [--db memory|file] [--keep]

  --smoke             20 incidents a measurement: proves the harness works (CI), not the numbers
  --quick             fewer incidents (row 5 keeps 1,000): for trying a tuning
  --out DIR           where results.json and results.md go (default: bench/)
  --worker KEY=N      a worker setting to try (see bench/TUNING.md), e.g. --worker maxCachedWorkflows=100
  --no-keep-alive     a new HTTP connection per alert (the load generator's default reuses them)
  --connections N     HTTP connections to the intake at most (default 64)
  --intake-log-level  the intake's pino level (default info, as medic intake runs)
  --only PHASES       run some phases: latency (rows 1-3 and 7), cpu (8), rate (9), overhead (6),
                      open (5), throughput (4);
                      keep-alive: intake throughput with and without connection reuse, alternating
  --db memory|file    the dev server's SQLite store: in memory (default; see bench/README.md), or a file as medic dev keeps it
  --keep              keep the run directory (dev server database, bundles, logs of the children)`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      worker: { type: 'string', multiple: true, default: [] },
      'no-keep-alive': { type: 'boolean', default: false },
      connections: { type: 'string', default: '64' },
      'intake-log-level': { type: 'string', default: 'info' },
      only: { type: 'string' },
      keep: { type: 'boolean', default: false },
      db: { type: 'string', default: 'memory' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) throw new Error(USAGE);
  const connections = Number(values.connections);
  if (!Number.isInteger(connections) || connections < 1) throw new Error(`--connections must be a whole number >= 1, got "${values.connections}"`);
  const phases = (values.only?.split(',') ?? [...PHASES]).map((p) => p.trim());
  for (const p of phases) {
    if (![...PHASES, ...EXTRA_PHASES].includes(p as Phase)) throw new Error(`--only: unknown phase "${p}". To fix: use some of ${[...PHASES, ...EXTRA_PHASES].join(', ')}`);
  }
  if (values.db !== 'file' && values.db !== 'memory') throw new Error(`--db must be file or memory, got "${values.db}"`);
  return {
    db: values.db,
    smoke: values.smoke,
    quick: values.quick,
    sizes: values.smoke ? SMOKE : values.quick ? QUICK : FULL,
    outDir: values.out ?? fileURLToPath(new URL('./', import.meta.url)),
    tuning: parseTuning(values.worker),
    keepAlive: !values['no-keep-alive'],
    connections,
    intakeLogLevel: values['intake-log-level'],
    phases: phases as Phase[],
    keepRunDir: values.keep,
  };
}
