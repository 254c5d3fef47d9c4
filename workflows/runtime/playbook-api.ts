import type { Duration } from '@temporalio/common';
import type { z } from 'zod';
import type { StepOutput } from '../../activities/contract.js';
import type { ActivityRef, RetryProfileName, StepResult, StepWith } from '../../activities/declarations.js';
import type { Params } from '../definitions.js';
import type { StepRetry } from './retry-profiles.js';

/**
 * What differs in one call from the activity's declaration (activities/declarations.ts): the
 * timeouts, heartbeat, retry profile, undo and dry-run result all come from there by default.
 */
export interface CallOptions<W extends object = object, O extends StepOutput = StepOutput> {
  /** Extra parameters for this call, merged over the incident's parameters. */
  params?: Params;
  /** Fields of the activity's input beyond the common ones (e.g. the escalation event). */
  with?: W;
  retry?: RetryProfileName | StepRetry;
  /** Time allowed for one attempt. */
  timeout?: Duration;
  /** For steps that wait: the activity must heartbeat more often than this. */
  heartbeat?: Duration;
  /** `false`: register no undo for this step, even if the activity declares one. */
  undo?: false;
  /** What a dry run assumes the step returned (default: the activity's declared dry-run result). */
  dryRun?: O;
}

/** The options of a step calling activity `K` (a shipped activity's name, or any declared one). */
export type StepOptions<K extends string> = CallOptions<StepWith<K>, StepResult<K>>;

type ShippedActivity = import('../../activities/contract.js').ActivityName;

export type ApprovalResult = 'approved' | 'timed-out';
export type EscalationResult = 'acked' | 'no-ack';
/** How a playbook run ends when it does not throw. */
export type PlaybookOutcome = 'recovered' | 'escalated';

/** The step API a playbook is written against. `P` is its parameters, parsed with defaults. */
export interface PlaybookContext<P = Params> {
  readonly incidentId: string;
  readonly target: string;
  readonly service: string;
  readonly alertname: string;
  readonly severity: string;
  readonly dryRun: boolean;
  readonly params: P;
  /** Run one activity as a named step: retried, recorded, guarded, its undo registered. */
  step<K extends ShippedActivity>(name: string, activity: K, options?: StepOptions<K>): Promise<StepResult<K>>;
  /** The same for an activity of the user's extension (defineActivity). */
  step<I extends object, O extends StepOutput>(name: string, activity: ActivityRef<I, O>, options?: CallOptions<I, O>): Promise<O>;
  /**
   * Run something whose failure must not stop the playbook (evidence, a courtesy notice). A
   * failure is noted and `undefined` returned; a cancellation (abort, resolution) is never
   * swallowed: it goes on up, so the playbook stops.
   */
  optional<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Wait for a human `approve`; resolves 'timed-out' when nobody answers in time. */
  approval(question: string, options: { timeout: Duration }): Promise<ApprovalResult>;
  /** Notify the escalation channel, then wait for a human `ack`. */
  escalate(reason: string, options: { ackTimeout: Duration }): Promise<EscalationResult>;
  note(message: string, data?: Params): void;
}

/** A zod object schema of a playbook's route parameters, with defaults. */
export type ParamsSchema = z.ZodObject;

export interface Playbook<S extends ParamsSchema = ParamsSchema> {
  name: string;
  description: string;
  /**
   * The route parameters it takes, with their defaults. Routes are checked against it when the
   * configuration loads, so a typo ("15 minuets") is an error at start, not at 3 a.m.
   */
  params: S;
  /**
   * The activities it may call. The configuration check requires, for each route's target, the
   * sections those activities declare; a call to any other activity is refused.
   */
  activities: readonly (ShippedActivity | Pick<ActivityRef, 'name'>)[];
  /**
   * Whether a `resolved` signal stops the playbook (its undos run).
   * False where the playbook's own actions can make the alert resolve, e.g. isolating a
   * backend clears an error-rate alert before the backend is actually fixed.
   */
  stopsOnResolve: boolean;
  /**
   * When another incident already runs a playbook on the same target: `wait` for it to finish,
   * then run; or `join` it, running nothing and ending as it ends. Default `wait`.
   */
  targetPolicy?: 'wait' | 'join';
  run(ctx: PlaybookContext<z.output<S>>): Promise<PlaybookOutcome>;
}

/** Declare a playbook; the type of `ctx.params` follows from its schema. */
export function definePlaybook<S extends ParamsSchema>(playbook: Playbook<S>): Playbook<S> {
  return playbook;
}

/** The names of the activities a playbook declares (shipped names and its extension's). */
export const activityNamesOf = (playbook: Pick<Playbook, 'activities'>): string[] => playbook.activities.map((a) => (typeof a === 'string' ? a : a.name));
