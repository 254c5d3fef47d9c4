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
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
};

const DURATION = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/;

// The one duration format of medic, for the configuration and for playbook parameters alike:
// a number of milliseconds, or a number and a unit ("500ms", "90s", "15m", "15 minutes", "1h", "1d").
// Pure (zod only), so playbooks and workflow code use it too.

/** Parse "500ms", "30s", "2 minutes", "1d" into milliseconds; undefined when it is not a duration. */
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
/** Milliseconds in the words an engineer reads: "15 minutes", "24 hours", "90 seconds". */
export function formatDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms === size ? '' : 's'}`;
  }
  return ms >= 1_000 ? `${(ms / 1_000).toFixed(1)} seconds` : `${ms} ms`;
}

const duration = (allowZero: boolean) =>
  z.union([z.number().int().min(allowZero ? 0 : 1), z.string()]).transform((value, ctx) => {
    const ms = typeof value === 'number' ? value : parseDuration(value);
    if (ms === undefined || ms < 0 || (ms === 0 && !allowZero)) {
      ctx.addIssue({ code: 'custom', message: `"${String(value)}" is not a duration; write e.g. 500ms, 90s, 15m, 2 minutes, 1h, 1d` });
      return z.NEVER;
    }
    return ms;
  });

export const durationMs = duration(false);
/** A duration where 0 means "not at all" (e.g. settleFor: 0 closes a recovered incident at once). */
export const durationOrZeroMs = duration(true);

/** A duration with a default, written the way an operator would write it. */
export const durationWithDefault = (fallback: string) => durationMs.prefault(fallback);
