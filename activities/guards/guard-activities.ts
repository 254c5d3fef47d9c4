import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { MedicConfig } from '../../src/config/config-schema.js';
import { poolLimit, type GuardsConfig } from '../../src/config/guards-schema.js';
import { guardRequestSignal, guardStateQuery, guardWorkflowId, type GuardRequest } from '../../workflows/guards/definitions.js';
import { holderOf } from '../../workflows/guards/guard-state.js';

/** What the guard activities know of the configuration: targets' pools and the limits. */
export interface GuardConfigView {
  guards: GuardsConfig;
  targets: Pick<MedicConfig['targets'], string>;
}

/** The longest wait between two checks of a target's holder, in units of guards.holderCheck. */
const MAX_HOLDER_CHECK_FACTOR = 10;

export interface GuardAsk {
  requestId: string;
  incidentId: string;
  target: string;
}

/**
 * Deliver a request to the guard workflow of this task queue, starting it if it is not running.
 * Runs as a local activity of the incident, through the worker's own client; the guard answers
 * with a signal to the incident.
 */
async function send(request: GuardRequest): Promise<void> {
  const ctx = Context.current();
  await ctx.client.workflow.signalWithStart('guardWorkflow', {
    workflowId: guardWorkflowId(ctx.info.taskQueue),
    taskQueue: ctx.info.taskQueue,
    args: [],
    signal: guardRequestSignal,
    signalArgs: [request],
    staticSummary: 'medic guards: target locks, blast radius, restart budget, kill switch',
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
  // Own properties only: a target named after an Object.prototype member is simply unknown.
  const poolOf = (target: string) => (Object.hasOwn(view.targets, target) ? view.targets[target]?.pool : undefined);
  return {
    /** acquire and release: no configuration needed. */
    async guardSend(request: Extract<GuardRequest, { op: 'acquire' | 'release' }>): Promise<void> {
      await send(request);
    },
    /** Returns false when the target is in no pool: nothing to ask, no answer to wait for. */
    async guardAskIsolation(ask: GuardAsk): Promise<{ asked: boolean; pool?: string }> {
      const pool = poolOf(ask.target);
      if (pool === undefined) return { asked: false };
      const size = Object.values(view.targets).filter((t) => t?.pool === pool).length;
      await send({ op: 'isolate', requestId: ask.requestId, incidentId: ask.incidentId, pool, member: ask.target, maxIsolated: poolLimit(view.guards, pool, size) });
      return { asked: true, pool };
    },
    async guardReleaseIsolation(ask: GuardAsk): Promise<void> {
      const pool = poolOf(ask.target);
      if (pool !== undefined) await send({ op: 'releaseIsolation', requestId: ask.requestId, incidentId: ask.incidentId, pool, member: ask.target });
    },
    async guardAskRestart(ask: GuardAsk): Promise<void> {
      const { max, window } = view.guards.restartBudget;
      await send({ op: 'restart', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, max, windowMs: window });
    },
    /**
     * Whoever holds the target now: if it ended without giving it back (terminated by hand),
     * free the target for it. Answers when to check again (the worker's guards.holderCheck).
     */
    async guardReapTarget(input: { requestId: string; target: string; checks?: number }): Promise<{ holder?: string; reaped: boolean; checkAgainMs: number }> {
      // Every check is a few events in the waiter's history, and a holder may be held for a human
      // for a day: check less often the longer the wait (1, 2, 4, 8, then 10 x holderCheck).
      const checkAgainMs = view.guards.holderCheck * Math.min(2 ** Math.min(input.checks ?? 0, 4), MAX_HOLDER_CHECK_FACTOR);
      const ctx = Context.current();
      const state = await ctx.client.workflow.getHandle(guardWorkflowId(ctx.info.taskQueue)).query(guardStateQuery);
      const holder = holderOf(state, input.target);
      if (holder === undefined || (await isRunning(holder))) return { ...(holder !== undefined && { holder }), reaped: false, checkAgainMs };
      await send({ op: 'release', requestId: input.requestId, incidentId: holder, target: input.target, outcome: 'terminated' });
      ctx.log.warn('released a target whose holder ended without giving it back', { target: input.target, holder });
      return { holder, reaped: true, checkAgainMs };
    },
  };
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
