import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AcquireResult, GuardState, IsolationRequest, IsolationResult, RestartResult, TargetPolicy } from './guard-state.js';

/** One guard per task queue, so separate medic deployments (and tests) never share guards. */
export const guardWorkflowId = (taskQueue: string): string => `medic-guards-${taskQueue}`;

export interface PauseRequest {
  paused: boolean;
  by: string;
  reason: string;
}

export const acquireTargetUpdate = defineUpdate<AcquireResult, [{ target: string; incidentId: string; policy: TargetPolicy }]>('acquireTarget');
export const releaseTargetUpdate = defineUpdate<void, [{ target: string; incidentId: string; outcome: string }]>('releaseTarget');
export const requestIsolationUpdate = defineUpdate<IsolationResult, [IsolationRequest]>('requestIsolation');
export const releaseIsolationUpdate = defineUpdate<void, [{ pool: string; member: string }]>('releaseIsolation');
export const requestRestartUpdate = defineUpdate<RestartResult, [{ target: string; max: number; windowMs: number }]>('requestRestart');
export const setPausedUpdate = defineUpdate<GuardState['paused'], [PauseRequest]>('setPaused');
export const guardStateQuery = defineQuery<GuardState>('guardState');

// Sent by the guard to incidents.
export const targetGrantedSignal = defineSignal<[{ target: string }]>('targetGranted');
export const holderFinishedSignal = defineSignal<[{ target: string; holder: string; outcome: string }]>('holderFinished');
export const pausedSignal = defineSignal<[GuardState['paused']]>('guardPaused');
