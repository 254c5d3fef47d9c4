import type { Logger } from 'pino';
import type { StepInput, StepOutput } from '../../activities/contract.js';
import type { ActivityRef } from '../../activities/declarations.js';

// The worker side of a user's activity: its implementation, typed by the reference its workflows
// module declared (defineActivity). Plain Node code: it may do I/O, and should be idempotent and
// heartbeat while it waits, like medic's own drivers (activities/README.md).

/** What an implementation gets besides its input: the target's configuration (its own section included). */
export interface ActivityContext {
  /** The target's entry in the configuration's `targets` ({} for a target outside it, when the activity needs no section). */
  target: Record<string, unknown>;
  /** A logger tagged with the incident, the target and the step. */
  logger: Logger;
}

export type ActivityImplementation<I extends object = object, O extends StepOutput = StepOutput> = (input: StepInput & I, context: ActivityContext) => Promise<O>;

/** One implemented activity, as the extension's activities module exports it (in `activities`). */
export interface ImplementedActivity {
  readonly name: string;
  readonly run: ActivityImplementation<object, StepOutput>;
}

/** Pair an implementation with the activity it implements; its types follow from the declaration. */
export function implement<I extends object, O extends StepOutput>(activity: ActivityRef<I, O>, run: ActivityImplementation<I, O>): ImplementedActivity {
  return { name: activity.name, run: run as unknown as ActivityImplementation<object, StepOutput> };
}
