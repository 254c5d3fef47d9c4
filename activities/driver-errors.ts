import { FailureType } from './contract.js';

// The errors drivers throw. Each says what happened and what to do; create-activities turns them
// into ApplicationFailures whose type the step runner reads (non-retryable ones stop a step at once).
// Messages go into the workflow history: they name targets and channels, never a URL or a secret.

type DriverFailureType = (typeof FailureType)[keyof typeof FailureType];

export abstract class DriverError extends Error {
  abstract readonly code: DriverFailureType;
  abstract readonly retryable: boolean;
}

/** The configuration cannot work (wrong name, missing program, permission): retrying cannot help. */
export class MisconfigurationError extends DriverError {
  override readonly name = 'MisconfigurationError';
  readonly code = FailureType.Misconfiguration;
  readonly retryable = false;
}

/** The target or a system medic talks to is not answering as expected now: a retry may help. */
export class TargetUnavailableError extends DriverError {
  override readonly name: string = 'TargetUnavailableError';
  readonly code = FailureType.TargetUnavailable;
  readonly retryable = true;
}

/** A safety rule stops the change (e.g. the last serving server, no older release): a human must decide. */
export class RefusedError extends DriverError {
  override readonly name = 'RefusedError';
  readonly code = FailureType.Refused;
  readonly retryable = false;
}

/** A notification endpoint answered 4xx: the request or its credentials are wrong, so it is not resent. */
export class DeliveryRejectedError extends DriverError {
  override readonly name = 'DeliveryRejectedError';
  readonly code = FailureType.DeliveryRejected;
  readonly retryable = false;
}

/** A notification endpoint answered 5xx or 429, timed out, or could not be reached: worth another try. */
export class DeliveryFailedError extends DriverError {
  override readonly name = 'DeliveryFailedError';
  readonly code = FailureType.DeliveryFailed;
  readonly retryable = true;
}
