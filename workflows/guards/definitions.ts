import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GuardLimits, PinnedLimits } from './guard-limits.js';
import type { AcquireResult, GuardState, IsolationResult, RestartResult, TargetPolicy } from './guard-state.js';

/**
 * The guards of one task queue (so separate medic deployments and tests never share them), in
 * shards so that no one workflow carries every incident's asks:
 * - the control (`medic-guards-<queue>`): the kill switch, the pinned limits, and the incidents
 *   that must hear of either (each registers as it starts and leaves as it closes);
 * - TARGET_SHARDS target shards (`.../targets/<n>`, a target's by the hash of its name): the
 *   one-playbook locks, waiters and restart budgets of the targets that hash there;
 * - one shard per pool (`.../pool/<hash of its name>`): the members out of rotation.
 */
export const guardWorkflowId = (taskQueue: string): string => `medic-guards-${taskQueue}`;

export type GuardShard = { target: string } | { pool: string };

/**
 * The workflow id of a target's or a pool's shard. Names go in as hashes, never as they are:
 * names come from alert labels (any string), and workflow ids are never encrypted, so with
 * payload encryption on a target's name must not appear in the clear in its incidents' histories.
 * A shard's state is keyed by name, so any number of targets (or two pools with one hash) share
 * one correctly.
 */
export function guardShardId(taskQueue: string, shard: GuardShard): string {
  if ('pool' in shard) return `${guardWorkflowId(taskQueue)}/pool/${nameHash(shard.pool)}`;
  return `${guardWorkflowId(taskQueue)}/targets/${Number.parseInt(nameHash(shard.target).slice(0, 8), 16) % TARGET_SHARDS}`;
}

/**
 * Target shards per task queue. Measured on a 2-core dev server (test/workflows/guard-concurrency,
 * 300 incidents on 300 targets at once): one workflow per target cost more than it saved (a new
 * workflow started for every new target, and no asks batched: p50 12.5-19 s to the first step),
 * 16 shared shards p50 12 s, p99 15 s. Changing it moves targets between shards: every worker and
 * the CLI must agree, so only with every incident closed (or `medic pause`, then a full rollout).
 */
export const TARGET_SHARDS = 16;

/** FNV-1a, 32 bits twice: tells long names apart in an id (not a secret, not for security). */
function nameHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 0x01000193);
    b = Math.imul(b ^ text.charCodeAt(text.length - 1 - i), 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

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
// The control pins one set of limits and hands it to every incident that registers; an incident
// asks its shards with exactly those (the pool's limit, the budget), and refuses itself, before
// asking, when its worker's own configuration differs (two workers never each apply their own).
export type GuardRequest =
  /** To the control: this incident runs now (told of pauses and limit changes); `offer` pins limits if none are. */
  | { op: 'register'; requestId: string; incidentId: string; target: string; offer: PinLimitsRequest }
  | { op: 'deregister'; requestId: string; incidentId: string; target: string }
  /** To the target's shard. */
  | { op: 'acquire'; requestId: string; incidentId: string; target: string; policy: TargetPolicy }
  /** `why` is set when someone other than the holder gives the target back for it (it ended). */
  | { op: 'release'; requestId: string; incidentId: string; target: string; outcome: string; why?: string }
  | { op: 'restart'; requestId: string; incidentId: string; target: string; max: number; windowMs: number }
  /** To the pool's shard. */
  | { op: 'isolate'; requestId: string; incidentId: string; target: string; pool: string; maxIsolated: number }
  | { op: 'releaseIsolation'; requestId: string; incidentId: string; target: string; pool: string };

/** The control's answer to a registration: the limits every incident applies, and the kill switch. */
export interface RegisterResult {
  registered: true;
  limits: PinnedLimits;
}

export type GuardResult = AcquireResult | IsolationResult | RestartResult | RegisterResult;
/** The kill switch as the guard saw it when it answered. */
export interface PauseView {
  paused: GuardState['paused'];
  pauseVersion: number;
}
export interface GuardReply {
  requestId: string;
  /** The pause view comes from the control only; a shard knows nothing of the kill switch. */
  result: GuardResult & Partial<PauseView>;
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
/** Other limits were adopted (`medic guards adopt-config`): the registered incidents apply these from now on. */
export const limitsPinnedSignal = defineSignal<[PinnedLimits]>('guardLimitsPinned');
