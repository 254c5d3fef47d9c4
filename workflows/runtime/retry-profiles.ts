import type { RetryProfileName } from '../../activities/declarations.js';

/**
 * How a step retries. medic retries in the workflow rather than on the server so that
 * every attempt, with its error and duration, is in the timeline an on-call engineer reads.
 */
export interface StepRetry {
  maximumAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
}

export const RETRY = {
  /** Read-only or notification steps: cheap to repeat. */
  quick: { maximumAttempts: 3, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 10_000 },
  /** Steps that change the target: fewer, slower attempts. */
  careful: { maximumAttempts: 3, initialIntervalMs: 2_000, backoffCoefficient: 2, maximumIntervalMs: 30_000 },
  /** Undo steps: leaving a target half-changed is worse than waiting. */
  compensation: { maximumAttempts: 5, initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 30_000 },
  once: { maximumAttempts: 1, initialIntervalMs: 0, backoffCoefficient: 1, maximumIntervalMs: 0 },
} as const satisfies Record<RetryProfileName, StepRetry>;

/** Delay before attempt `attempt + 1`. */
export function backoffMs(retry: StepRetry, attempt: number): number {
  const raw = retry.initialIntervalMs * retry.backoffCoefficient ** (attempt - 1);
  return Math.min(raw, retry.maximumIntervalMs);
}
