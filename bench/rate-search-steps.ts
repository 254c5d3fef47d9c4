import { percentile, round } from './stats.js';

// Row 9's search, as pure functions (unit-tested in test/bench/rate-search-steps.test.ts): which
// rate to try next, and what the steps tried so far say. Doubling from the start rate until a step
// fails (or the start rate fails: halving until one passes), then bisection between the highest
// rate that passed and the lowest that failed, until the bracket is narrow enough.

/** One step of the search: alerts at one steady rate, and the first action's percentiles. */
export interface RateStep {
  /** Alerts per second. */
  rate: number;
  /** Alerts the step would send over its whole time. */
  planned: number;
  /** Alerts it sent (fewer when it stopped early). */
  incidents: number;
  /** Alert -> first action, ms; null when the percentile falls on an incident whose first action never came in time. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** Alerts refused, or without a first action by the step's deadline: counted as over the limit. */
  late: number;
  /** The step stopped sending once its p99 was certainly over the limit. */
  stoppedEarly: boolean;
  /** p99 under the limit, every alert sent. */
  pass: boolean;
}

export interface SearchBounds {
  startRate: number;
  maxRate: number;
  /** Bisection stops once (lowest failing - highest passing) <= resolution x highest passing (and at 1/s). */
  resolution: number;
  maxStepsPerKind: number;
}

/** A step's figures from its first-action times (Infinity: none came in time). */
export function stepResult(rate: number, planned: number, firstActionsMs: readonly number[], stoppedEarly: boolean, limitMs: number): RateStep {
  const sorted = [...firstActionsMs].sort((a, b) => a - b);
  const finite = (v: number) => (Number.isFinite(v) ? round(v) : null);
  // Judged on the figure as reported (rounded), so the verdict and the p99 in the table always agree.
  const p99 = round(percentile(sorted, 99));
  return {
    rate,
    planned,
    incidents: sorted.length,
    p50Ms: finite(percentile(sorted, 50)),
    p99Ms: Number.isFinite(p99) ? p99 : null,
    late: sorted.filter((v) => !Number.isFinite(v)).length,
    stoppedEarly,
    pass: !stoppedEarly && sorted.length > 0 && p99 < limitMs,
  };
}

/** What the steps tried say: the highest passing rate below the lowest failing one. */
export function searchAnswer(steps: readonly RateStep[]): { highestPassingRate: number; lowestFailingRate?: number } {
  const failing = steps.filter((s) => !s.pass).map((s) => s.rate);
  const hi = failing.length > 0 ? Math.min(...failing) : undefined;
  // A pass above a failure (noise) is not believed: the answer is a rate that held, with none lower failing.
  const passing = steps.filter((s) => s.pass && (hi === undefined || s.rate < hi)).map((s) => s.rate);
  const lo = passing.length > 0 ? Math.max(...passing) : 0;
  return { highestPassingRate: lo, ...(hi !== undefined && { lowestFailingRate: hi }) };
}

/** The next rate to try, or undefined when the search for this kind is over. */
export function nextRate(steps: readonly RateStep[], b: SearchBounds): number | undefined {
  if (steps.length >= b.maxStepsPerKind) return undefined;
  if (steps.length === 0) return b.startRate;
  const { highestPassingRate: lo, lowestFailingRate: hi } = searchAnswer(steps);
  if (hi === undefined) return lo >= b.maxRate ? undefined : Math.min(b.maxRate, lo * 2);
  if (lo === 0) {
    const lower = Math.floor(hi / 2);
    return lower >= 1 ? lower : undefined;
  }
  if (hi - lo <= Math.max(1, b.resolution * lo)) return undefined;
  const mid = Math.round((lo + hi) / 2);
  return mid > lo && mid < hi ? mid : undefined;
}
