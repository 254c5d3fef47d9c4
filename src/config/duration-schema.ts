import { z } from 'zod';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  millisecond: 1,
  milliseconds: 1,
  s: 1_000,
  sec: 1_000,
  second: 1_000,
  seconds: 1_000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

/** Parse "500ms", "30s", "2 minutes" into milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim().toLowerCase());
  const unit = m?.[2] === undefined ? undefined : UNIT_MS[m[2]];
  if (m?.[1] === undefined || unit === undefined) return undefined;
  return Math.round(Number(m[1]) * unit);
}

/**
 * A duration in the configuration: a number of milliseconds, or text such as "30s" or "2 minutes".
 * Parsed once at load, so drivers only ever see milliseconds.
 */
export const durationMs = z.union([z.number().int().positive(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? value : parseDuration(value);
  if (ms === undefined || ms <= 0) {
    ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration; write e.g. 500ms, 30s, 2 minutes` });
    return z.NEVER;
  }
  return ms;
});

/** A duration with a default, written the way an operator would write it. */
export const durationWithDefault = (fallback: string) => durationMs.prefault(fallback);
