import type { Duration } from '@temporalio/common';
import type { ActivityInput, ActivityName, ActivityOutput, StepInput } from '../../activities/contract.js';
import type { Params } from '../definitions.js';
import type { StepRetry } from './retry-profiles.js';

/** An undo registered by a successful step; run in reverse order when the playbook fails or is aborted. */
export interface CompensationSpec {
  name: string;
  activity: ActivityName;
  params?: Params;
  /** Time allowed for one attempt of the undo. */
  timeout?: Duration;
  /** Set for undos that wait (a rejoin draining, a roll-forward restarting). */
  heartbeatTimeout?: Duration;
}

export interface StepSpec<K extends ActivityName> {
  /** Human name shown in the timeline and the Web UI, e.g. "isolate checkout-api". */
  name: string;
  activity: K;
  /** Extra parameters for this call, merged over the incident's parameters. */
  params?: Params;
  /** Fields of the activity's input beyond the common ones (e.g. the escalation event). */
  with?: Omit<ActivityInput<K>, keyof StepInput>;
  retry?: StepRetry;
  /** Time allowed for one attempt. */
  timeout?: Duration;
  /** Set for steps that wait: the activity must heartbeat more often than this. */
  heartbeatTimeout?: Duration;
  /** The undo of this step, registered once it succeeded. */
  compensate?: CompensationSpec | ((output: ActivityOutput<K>) => CompensationSpec);
  /** What the step is assumed to return in a dry run, where nothing is called. */
  dryRunResult: ActivityOutput<K>;
}

export type ApprovalResult = 'approved' | 'timed-out';
export type EscalationResult = 'acked' | 'no-ack';
/** How a playbook run ends when it does not throw. */
export type PlaybookOutcome = 'recovered' | 'escalated';

/** The step API a playbook is written against. */
export interface PlaybookContext {
  readonly incidentId: string;
  readonly target: string;
  readonly service: string;
  readonly alertname: string;
  readonly severity: string;
  readonly dryRun: boolean;
  readonly params: Params;
  step<K extends ActivityName>(spec: StepSpec<K>): Promise<ActivityOutput<K>>;
  /** Wait for a human `approve`; resolves 'timed-out' when nobody answers in time. */
  approval(question: string, options: { timeout: Duration }): Promise<ApprovalResult>;
  /** Notify the escalation channel, then wait for a human `ack`. */
  escalate(reason: string, options: { ackTimeout: Duration }): Promise<EscalationResult>;
  note(message: string, data?: Params): void;
}

export interface Playbook {
  name: string;
  description: string;
  /**
   * Whether a `resolved` signal stops the playbook (its compensations run).
   * False where the playbook's own actions can make the alert resolve, e.g. isolating a
   * backend clears an error-rate alert before the backend is actually fixed.
   */
  stopsOnResolve: boolean;
  /**
   * When another incident already runs a playbook on the same target: `wait` for it to finish,
   * then run; or `join` it, running nothing and ending as it ends. Default `wait`.
   */
  targetPolicy?: 'wait' | 'join';
  run(ctx: PlaybookContext): Promise<PlaybookOutcome>;
}
