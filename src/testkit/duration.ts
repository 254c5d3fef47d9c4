import { parseDuration } from '../config/duration-schema.js';
import { TestKitError } from './test-kit-error.js';

/** A duration in medic's one format: milliseconds, or text such as "500ms", "90s", "10 minutes", "1d". */
export type TestDuration = number | string;

/** Milliseconds of a kit duration; a typo is an error here, not a test that waits the wrong time. */
export function durationToMs(duration: TestDuration, what: string): number {
  const ms = typeof duration === 'number' ? duration : parseDuration(duration);
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) {
    throw new TestKitError(`${what}: "${String(duration)}" is not a duration. To fix: write milliseconds or a number and a unit, e.g. 500ms, 90s, 10 minutes, 1h, 1d`);
  }
  return ms;
}
