import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation, WorkflowNotFoundError } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { MedicConfig } from '../../src/config/config-schema.js';
import { poolLimit, type GuardsConfig } from '../../src/config/guards-schema.js';
import {
  acquireTargetUpdate,
  guardWorkflowId,
  releaseIsolationUpdate,
  releaseTargetUpdate,
  requestIsolationUpdate,
  requestRestartUpdate,
} from '../../workflows/guards/definitions.js';
import type { AcquireResult, IsolationResult, RestartResult, TargetPolicy } from '../../workflows/guards/guard-state.js';

export interface GuardTargetInput {
  incidentId: string;
  target: string;
}

/** What the guard activities know of the configuration: targets' pools and the limits. */
export interface GuardConfigView {
  guards: GuardsConfig;
  targets: Pick<MedicConfig['targets'], string>;
}

/**
 * Send an update to the guard workflow of this task queue, starting it if it is not running.
 * Runs as a local activity in the incident's worker, through the worker's own client.
 */
async function toGuard<Ret, Args extends [unknown]>(update: UpdateDefinition<Ret, Args>, arg: Args[0]): Promise<Ret> {
  const ctx = Context.current();
  const workflowId = guardWorkflowId(ctx.info.taskQueue);
  return ctx.client.workflow.executeUpdateWithStart(update, {
    args: [arg] as unknown as Args,
    startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', {
      workflowId,
      taskQueue: ctx.info.taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [],
      staticSummary: 'medic guards: target locks, blast radius, restart budget, kill switch',
    }),
  });
}

async function isRunning(incidentId: string): Promise<boolean> {
  try {
    const description = await Context.current().client.workflow.getHandle(incidentId).describe();
    return description.status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

export function createGuardActivities(view: GuardConfigView) {
  const poolOf = (target: string) => view.targets[target]?.pool;
  return {
    async guardAcquireTarget(input: GuardTargetInput & { policy: TargetPolicy }): Promise<AcquireResult> {
      const answer = await toGuard(acquireTargetUpdate, input);
      if (answer.granted || (await isRunning(answer.holder))) return answer;
      // The holder ended without giving the target back (e.g. terminated by hand): free it.
      await toGuard(releaseTargetUpdate, { target: input.target, incidentId: answer.holder, outcome: 'terminated' });
      return toGuard(acquireTargetUpdate, input);
    },
    async guardReleaseTarget(input: GuardTargetInput & { outcome: string }): Promise<void> {
      await toGuard(releaseTargetUpdate, input);
    },
    async guardRequestIsolation(input: GuardTargetInput): Promise<IsolationResult & { pool?: string }> {
      const pool = poolOf(input.target);
      if (pool === undefined) return { allowed: true };
      const size = Object.values(view.targets).filter((t) => t?.pool === pool).length;
      const maxIsolated = poolLimit(view.guards, pool, size);
      return { ...(await toGuard(requestIsolationUpdate, { pool, member: input.target, incidentId: input.incidentId, maxIsolated })), pool };
    },
    async guardReleaseIsolation(input: GuardTargetInput): Promise<void> {
      const pool = poolOf(input.target);
      if (pool !== undefined) await toGuard(releaseIsolationUpdate, { pool, member: input.target });
    },
    async guardRequestRestart(input: GuardTargetInput): Promise<RestartResult> {
      const { max, window } = view.guards.restartBudget;
      return toGuard(requestRestartUpdate, { target: input.target, max, windowMs: window });
    },
  };
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
