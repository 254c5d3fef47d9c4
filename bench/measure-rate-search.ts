import type { BenchStack } from './bench-stack.js';
import { waitForQuiet } from './cpu-usage.js';
import type { LoadClient } from './http-load.js';
import { loadAverageNow } from './machine-info.js';
import { nextRate, searchAnswer, stepResult, type RateStep, type SearchBounds } from './rate-search-steps.js';
import { sendIncident, workflowIdOf, type Kind, type Sent } from './send-incident.js';
import { round, wallClockMs } from './stats.js';

// Row 9: the highest steady alert rate at which the first action's p99 stays under 1 s, for medic
// and for bare. Each step sends alerts at one rate for a fixed time (so a rate the machine cannot
// sustain builds a queue, as in a real storm, rather than hiding in a short burst), then waits
// until no incident is open. medic and bare take turns step by step, the order swapping each round,
// so both see the machine in the same state; rate-search-steps.ts picks the rates (doubling, then
// bisection).

export const P99_LIMIT_MS = 1000;

/**
 * An incident with no first action this long after the limit is counted late while the step runs
 * (the activity's time reaches the bench over IPC in batches, so a first action just under the
 * limit may arrive a little after it).
 */
const OVERDUE_MARGIN_MS = 500;

/** Between steps, the dev server and the workers settle below this much CPU (in cores), for at most QUIET_MAX_MS. */
const QUIET_CORES = 0.2;
const QUIET_MAX_MS = 15_000;
const MEASURED = ['devServer', 'medicWorker', 'bareWorker'] as const;

export interface RateSearchOptions extends SearchBounds {
  prefix: string;
  /** Seconds each step sends for; a step sends at least minIncidents. */
  stepSeconds: number;
  minIncidents: number;
  /** The search starts no step after this long (a bounded bench). */
  budgetSeconds: number;
  /** How long after a step's last alert its first actions may still come; later ones count as over the limit. */
  drainSeconds: number;
  timeoutMs: number;
  /** pid by process name, as the run's CpuMeter reads them (devServer, medicWorker, bareWorker, ...). */
  processes: () => Record<string, number>;
  log?: (message: string) => void;
}

export interface KindSearch {
  /** The highest rate tried whose first-action p99 was under 1 s, with no lower rate failing (0: none). */
  highestPassingRate: number;
  /** The lowest rate that failed (absent: none did, so the answer is at least highestPassingRate). */
  lowestFailingRate?: number;
  steps: RateStep[];
}

export interface RateSearchResult {
  limitMs: number;
  stepSeconds: number;
  medic: KindSearch;
  bare: KindSearch;
  /** medic's highest passing rate / bare's: the goal is >= 0.8 (null when bare passed no rate). */
  medicOverBare: number | null;
  /** The time budget ran out before both searches ended. */
  stoppedByBudget: boolean;
  seconds: number;
  loadAverage: { start: number; end: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One step: alerts at `rate` for stepSeconds, stopping early once p99 is certainly over the limit. */
async function runStep(stack: BenchStack, http: LoadClient, kind: Kind, rate: number, tag: string, o: RateSearchOptions): Promise<RateStep> {
  const planned = Math.max(o.minIncidents, Math.round(rate * o.stepSeconds));
  // A nearest-rank p99 of `planned` values is under the limit only while at most this many are not.
  const allowedLate = planned - Math.ceil(0.99 * planned);
  const sent: { workflowId: string; sentMs: number }[] = [];
  const calls: Promise<Sent>[] = [];
  const began = wallClockMs();
  const overdue = () => {
    const now = wallClockMs();
    let late = 0;
    for (const s of sent) if (now - s.sentMs > P99_LIMIT_MS + OVERDUE_MARGIN_MS && stack.timings.first(s.workflowId, 'isolate') === undefined) late++;
    return late > allowedLate;
  };
  let stoppedEarly = false;
  const checkEvery = Math.max(1, Math.round(rate / 10)); // about every 100 ms
  for (let i = 0; i < planned; i++) {
    const wait = began + (i * 1000) / rate - wallClockMs();
    if (wait > 1) await sleep(wait);
    // A rate the machine cannot keep up with need not run its course (nor leave a long queue).
    if (i % checkEvery === 0 && overdue()) {
      stoppedEarly = true;
      break;
    }
    const fp = `${tag}-${i}`;
    const sentMs = wallClockMs();
    sent.push({ workflowId: workflowIdOf(kind, fp), sentMs });
    calls.push(sendIncident(stack, http, kind, fp, false, sentMs));
  }
  const answered = await Promise.all(calls);
  const deadline = began + (planned * 1000) / rate + o.drainSeconds * 1000;
  await stack.timings.waitFor(answered.filter((s) => s.ok).map((s) => s.workflowId), 'isolate', Math.max(0, deadline - wallClockMs()));
  const firstActions = answered.map((s) => {
    const isolate = s.ok ? stack.timings.first(s.workflowId, 'isolate') : undefined;
    return isolate === undefined || isolate.startMs > deadline ? Number.POSITIVE_INFINITY : isolate.startMs - s.sentMs;
  });
  // Whatever is still open finishes before the next step, and the server's own catching up after
  // an overload too (it goes on for seconds after the last workflow closed): no step inherits
  // another's queue. A step after a failing one measured 3.7 s at a rate that had just passed.
  await stack.settle(o.timeoutMs);
  await waitForQuiet(o.processes, MEASURED, QUIET_CORES, QUIET_MAX_MS);
  return stepResult(rate, planned, firstActions, stoppedEarly, P99_LIMIT_MS);
}

const describeStep = (kind: Kind, s: RateStep) =>
  `${kind} at ${s.rate}/s: ${s.incidents} alerts, p99 ${s.p99Ms === null ? `over ${P99_LIMIT_MS} ms (${s.late} without a first action in time)` : `${s.p99Ms} ms`}${s.stoppedEarly ? ', stopped early' : ''}: ${s.pass ? 'pass' : 'fail'}`;

export async function searchRates(stack: BenchStack, http: LoadClient, o: RateSearchOptions): Promise<RateSearchResult> {
  const started = performance.now();
  const start = loadAverageNow();
  const steps: Record<Kind, RateStep[]> = { medic: [], bare: [] };
  let stoppedByBudget = false;
  for (let r = 0; ; r++) {
    const order: Kind[] = r % 2 === 0 ? ['medic', 'bare'] : ['bare', 'medic'];
    const plan = order.flatMap((kind) => {
      const rate = nextRate(steps[kind], o);
      return rate === undefined ? [] : [{ kind, rate }];
    });
    if (plan.length === 0) break;
    if (performance.now() - started > o.budgetSeconds * 1000) {
      stoppedByBudget = true;
      break;
    }
    for (const { kind, rate } of plan) {
      const step = await runStep(stack, http, kind, rate, `${o.prefix}-${kind}-${r}`, o);
      steps[kind].push(step);
      o.log?.(describeStep(kind, step));
    }
  }
  const medic: KindSearch = { ...searchAnswer(steps.medic), steps: steps.medic };
  const bare: KindSearch = { ...searchAnswer(steps.bare), steps: steps.bare };
  return {
    limitMs: P99_LIMIT_MS,
    stepSeconds: o.stepSeconds,
    medic,
    bare,
    medicOverBare: bare.highestPassingRate > 0 ? round(medic.highestPassingRate / bare.highestPassingRate) : null,
    stoppedByBudget,
    seconds: round((performance.now() - started) / 1000, 1),
    loadAverage: { start, end: loadAverageNow() },
  };
}
