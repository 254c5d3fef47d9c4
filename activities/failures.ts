import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from './contract.js';

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
