import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { FailureType } from './contract.js';
import { DriverError } from './driver-errors.js';

/** The target name is not in the configuration: retrying cannot help. */
export function unknownTarget(target: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.UnknownTarget,
    nonRetryable: true,
    message: `unknown target "${target}": it is not in the configuration's targets. To fix: add it under targets, or correct the route`,
  });
}

/** The target exists but lacks what this step needs: retrying cannot help. */
export function misconfigured(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: FailureType.Misconfiguration, nonRetryable: true, message });
}

/**
 * What crosses the activity boundary: driver errors become ApplicationFailures with their type and
 * retryability; cancellations and failures already made pass through. Anything else is a bug or an
 * unexpected condition: retryable, with its message only (a cause could carry a URL with a secret).
 */
export function toActivityFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (err instanceof DriverError) {
    return ApplicationFailure.create({ type: err.code, nonRetryable: !err.retryable, message: err.message });
  }
  if (err instanceof Error && err.name === 'AbortError') return err;
  const message = err instanceof Error ? err.message : String(err);
  return ApplicationFailure.create({ type: 'DriverBug', nonRetryable: false, message: `unexpected error: ${message}` });
}
