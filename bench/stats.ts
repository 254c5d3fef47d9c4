/** Summary of a sample of durations in milliseconds. */
export interface Distribution {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  max: number;
}

/** Nearest-rank percentile of an ascending sample (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Rounded to 0.01 ms: finer digits would be noise on a shared machine. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = sorted.reduce((s, v) => s + v, 0) / (sorted.length || 1);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
    mean: round(mean),
    max: round(sorted[sorted.length - 1] ?? Number.NaN),
  };
}

/** a / b per percentile, for "medic / bare" style comparisons. */
export function ratios(a: Distribution, b: Distribution): { p50: number; p95: number; p99: number } {
  return { p50: round(a.p50 / b.p50), p95: round(a.p95 / b.p95), p99: round(a.p99 / b.p99) };
}

/**
 * Wall-clock milliseconds with sub-millisecond resolution. Every bench process uses this same
 * clock (the machine's), so a time taken in the load generator and one taken inside an activity
 * in the worker process can be subtracted.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
