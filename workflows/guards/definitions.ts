import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GuardLimits, PinnedLimits } from './guard-limits.js';
import type { AcquireResult, GuardState, IsolationResult, RestartResult, TargetPolicy } from './guard-state.js';

/** One guard per task queue, so separate medic deployments (and tests) never share guards. */
export const guardWorkflowId = (taskQueue: string): string => `medic-guards-${taskQueue}`;

export interface PauseRequest {
  paused: boolean;
  by: string;
  reason: string;
}

// Incidents talk to the guard with signals, not updates: a server caps the updates in flight per
// workflow (10 by default), and an alert storm opens far more incidents than that at once.
// Every request carries an id; the guard answers those that need an answer with a reply signal,
// and never applies an id twice: a request asked again (an answer late or lost, a local activity
// retried) is answered from the guard's record of it.
// Requests that need limits carry only the hash of the asking worker's guard configuration: the
// guard applies the limits it pinned, and refuses a worker whose configuration is another.
export type GuardRequest =
  | { op: 'acquire'; requestId: string; incidentId: string; target: string; policy: TargetPolicy }
  /** `why` is set when someone other than the holder gives the target back for it (it ended). */
  | { op: 'release'; requestId: string; incidentId: string; target: string; outcome: string; why?: string }
  | { op: 'isolate'; requestId: string; incidentId: string; target: string; limits: string }
  | { op: 'releaseIsolation'; requestId: string; incidentId: string; target: string }
  | { op: 'restart'; requestId: string; incidentId: string; target: string; limits: string };

export type GuardResult = AcquireResult | IsolationResult | RestartResult;
/** The kill switch as the guard saw it when it answered. */
export interface PauseView {
  paused: GuardState['paused'];
  pauseVersion: number;
}
export interface GuardReply {
  requestId: string;
  result: GuardResult & PauseView;
}

export const guardRequestSignal = defineSignal<[GuardRequest]>('guardRequest');
export const setPausedUpdate = defineUpdate<GuardState['paused'], [PauseRequest]>('setPaused');
export const guardStateQuery = defineQuery<GuardState>('guardState');

/** Pin the guards' limits: a worker sends `if-unpinned`; `medic guards adopt-config` sends `adopt`. */
export interface PinLimitsRequest {
  limits: GuardLimits;
  mode: 'if-unpinned' | 'adopt';
  by: string;
  reason: string;
}
export interface PinLimitsAnswer {
  pinned: PinnedLimits;
  previous: PinnedLimits | null;
  changed: boolean;
}
export const pinLimitsUpdate = defineUpdate<PinLimitsAnswer, [PinLimitsRequest]>('pinLimits');
/**
 * The same, as a signal: what a worker sends before its first ask that needs limits. A signal, not
 * an update, because it is sent from an incident's local activity, which must never wait on the
 * guard workflow's own task (both need the same worker's slots: under load they would starve).
 * Signals from one sender arrive in order, so the pin lands before the asks that follow it.
 */
export const pinLimitsSignal = defineSignal<[PinLimitsRequest]>('pinLimitsRequest');

/** A human put a pool member back in rotation by hand: it no longer counts against its pool. */
export interface RejoinedRequest {
  pool: string;
  member: string;
  by: string;
  reason: string;
}
/** Answers the members of the pool still out of rotation. */
export const rejoinedUpdate = defineUpdate<string[], [RejoinedRequest]>('rejoined');

// Sent by the guard to incidents.
export const guardReplySignal = defineSignal<[GuardReply]>('guardReply');
/**
 * The target is this incident's now; `holder` and `outcome` say how the incident before it ended,
 * `passedOver` the waiters ahead of it that had ended and were released instead of granted.
 */
export const targetGrantedSignal = defineSignal<[{ target: string; holder?: string; outcome?: string; passedOver?: string[] }]>('targetGranted');
export const holderFinishedSignal = defineSignal<[{ target: string; holder: string; outcome: string }]>('holderFinished');
/** The kill switch changed; the version orders notices and answers that overtake each other. */
export const pausedSignal = defineSignal<[GuardState['paused'], number]>('guardPaused');
