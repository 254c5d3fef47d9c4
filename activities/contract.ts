import type { Params } from '../workflows/definitions.js';

// The activities a playbook can call. Workflows import this file for types only;
// implementations live beside it and are chosen per target from the configuration.

/** What every step receives: target *names*, never addresses or secrets. */
export interface StepInput {
  incidentId: string;
  target: string;
  params: Params;
}

/** What a step did, in words for the timeline, plus structured facts. */
export interface StepOutput {
  summary: string;
  data?: Params;
}

export interface VerifyOutput extends StepOutput {
  healthy: boolean;
}

export interface RollbackOutput extends StepOutput {
  fromVersion: string;
  toVersion: string;
}

/** What a configured command does to its target: the playbook states it at the call, the configuration declares it. */
export type CommandEffect = 'changes' | 'read-only';

export interface CommandInput extends StepInput {
  /** The action's name under `targets.<target>.commands`; its argv comes from there, never from the call. */
  action: string;
  /** What the playbook expects the action to do; the activity refuses when the configuration says otherwise. */
  effect: CommandEffect;
}

export interface CommandOutput extends StepOutput {
  exitCode: number;
}

export type EscalationEvent = 'trigger' | 'acknowledge' | 'resolve';

export interface EscalateInput extends StepInput {
  event: EscalationEvent;
  reason: string;
  severity: string;
}

export interface MedicActivities {
  isolate(input: StepInput): Promise<StepOutput>;
  rejoin(input: StepInput): Promise<StepOutput>;
  diagnose(input: StepInput): Promise<StepOutput>;
  restart(input: StepInput): Promise<StepOutput>;
  verify(input: StepInput): Promise<VerifyOutput>;
  rollback(input: StepInput): Promise<RollbackOutput>;
  rollforward(input: StepInput): Promise<StepOutput>;
  escalate(input: EscalateInput): Promise<StepOutput>;
  command(input: CommandInput): Promise<CommandOutput>;
}

export type ActivityName = keyof MedicActivities;
export type ActivityInput<K extends ActivityName> = Parameters<MedicActivities[K]>[0];
export type ActivityOutput<K extends ActivityName> = Awaited<ReturnType<MedicActivities[K]>>;

/**
 * Failure types that cross the activity boundary (ApplicationFailure.type).
 * Non-retryable ones stop a step at once: retrying cannot fix a wrong configuration.
 */
export const FailureType = {
  UnknownTarget: 'UnknownTarget',
  Misconfiguration: 'Misconfiguration',
  TargetUnavailable: 'TargetUnavailable',
  /** A safety rule stopped a change (last serving server, no older release); non-retryable. */
  Refused: 'Refused',
  /** A notification endpoint answered 4xx; non-retryable. */
  DeliveryRejected: 'DeliveryRejected',
  /** A notification endpoint answered 5xx or 429, or timed out; retryable. */
  DeliveryFailed: 'DeliveryFailed',
  /** A configured command exited non-zero or ran past its timeout; retryable only where its configuration says so. */
  CommandFailed: 'CommandFailed',
} as const;
