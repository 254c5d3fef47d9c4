import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { MedicConfig } from '../../src/config/config-schema.js';
import type { GuardsConfig } from '../../src/config/guards-schema.js';
import { guardRequestSignal, guardStateQuery, guardWorkflowId, pinLimitsSignal, type GuardRequest } from '../../workflows/guards/definitions.js';
import { limitDifferences, limitsHash, type PinnedLimits } from '../../workflows/guards/guard-limits.js';
import { holderOf } from '../../workflows/guards/guard-state.js';
import { guardLimitsOf } from './guard-limits-view.js';

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

/** How long the incident waits for an answer to what was just sent, and how often it asks in all. */
export interface AskTiming {
  answerWithinMs: number;
  asks: number;
}

const GUARD_SUMMARY = 'medic guards: target locks, blast radius, restart budget, kill switch';

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
    staticSummary: GUARD_SUMMARY,
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
  // Read at each ask, not once: whoever holds the view may replace its configuration (the
  // generated-scenario bench does, then adopts the new limits as an operator would).
  const current = () => {
    const limits = guardLimitsOf(view);
    return { limits, hash: limitsHash(limits) };
  };
  const timing = (): AskTiming => ({ answerWithinMs: view.guards.answerDeadline, asks: view.guards.asks });
  // Before its first ask that needs limits, a worker offers its own for pinning (kept only if the
  // guards have none yet; otherwise the guards keep theirs and refuse this worker's asks if they
  // differ). Once per process and task queue: the pin is durable in the guard workflow. A signal,
  // never a wait on the guard from inside a local activity (see pinLimitsSignal).
  const offered = new Map<string, Promise<unknown>>();
  const offerLimits = (): Promise<unknown> => {
    const ctx = Context.current();
    const taskQueue = ctx.info.taskQueue;
    const existing = offered.get(taskQueue);
    if (existing !== undefined) return existing;
    const offering = ctx.client.workflow
      .signalWithStart('guardWorkflow', {
        workflowId: guardWorkflowId(taskQueue),
        taskQueue,
        args: [],
        signal: pinLimitsSignal,
        signalArgs: [{ limits: current().limits, mode: 'if-unpinned', by: `medic worker on ${hostname()} (pid ${process.pid})`, reason: 'the first guard request of this worker' }],
        staticSummary: GUARD_SUMMARY,
      })
      .catch((err: unknown) => {
        offered.delete(taskQueue); // offer again on the next ask
        throw err;
      });
    offered.set(taskQueue, offering);
    return offering;
  };

  return {
    /**
     * Offer this worker's limits again: the guard workflow that answered has none pinned (it is a
     * new one: terminated, reset or timed out since this worker's first offer).
     */
    async guardOfferLimits(): Promise<void> {
      offered.delete(Context.current().info.taskQueue);
      await offerLimits();
    },
    /** acquire and release: no limits needed. */
    async guardSend(request: Extract<GuardRequest, { op: 'acquire' | 'release' }>): Promise<AskTiming> {
      await send(request);
      return timing();
    },
    /** The guards decide the pool and its limit from the limits they pinned. */
    async guardAskIsolation(ask: GuardAsk): Promise<AskTiming> {
      await offerLimits();
      await send({ op: 'isolate', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, limits: current().hash });
      return timing();
    },
    async guardReleaseIsolation(ask: GuardAsk): Promise<void> {
      await send({ op: 'releaseIsolation', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target });
    },
    async guardAskRestart(ask: GuardAsk): Promise<AskTiming> {
      await offerLimits();
      await send({ op: 'restart', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, limits: current().hash });
      return timing();
    },
    /** The guards refused this worker's limits: in what this worker's configuration differs from theirs. */
    async guardExplainLimits(input: { pinned: PinnedLimits | null }): Promise<{ theirs: string; differences: string[] }> {
      const { limits, hash } = current();
      if (input.pinned === null) return { theirs: hash, differences: ['the guards have no limits pinned'] };
      return { theirs: hash, differences: limitDifferences(limits, input.pinned.limits) };
    },
    /**
     * Whoever holds the target now: if it ended without giving it back (terminated by hand),
     * free the target for it. Answers when to check again (the worker's guards.holderCheck).
     * An ordinary activity, not a local one: it queries the guard workflow, and while a local
     * activity runs its incident can act on no signal (a grant waited for it) and its worker
     * cannot stop (a stopping worker serves no queries: it waited on itself for minutes).
     */
    async guardReapTarget(input: { requestId: string; target: string; checks?: number }): Promise<{ holder?: string; reaped: boolean; checkAgainMs: number }> {
      // Every check is a few events in the waiter's history, and a holder may be held for a human
      // for a day: check less often the longer the wait (1, 2, 4, 8, then 10 x holderCheck).
      const checkAgainMs = view.guards.holderCheck * Math.min(2 ** Math.min(input.checks ?? 0, 4), MAX_HOLDER_CHECK_FACTOR);
      const ctx = Context.current();
      const state = await ctx.client.workflow.getHandle(guardWorkflowId(ctx.info.taskQueue)).query(guardStateQuery);
      const holder = holderOf(state, input.target);
      if (holder === undefined || (await isRunning(holder))) return { ...(holder !== undefined && { holder }), reaped: false, checkAgainMs };
      await send({
        op: 'release',
        requestId: input.requestId,
        incidentId: holder,
        target: input.target,
        outcome: 'terminated',
        why: 'it ended (closed or terminated) without giving the target back; a waiter noticed',
      });
      ctx.log.warn('released a target whose holder ended without giving it back', { target: input.target, holder });
      return { holder, reaped: true, checkAgainMs };
    },
  };
}

export type GuardActivities = ReturnType<typeof createGuardActivities>;
