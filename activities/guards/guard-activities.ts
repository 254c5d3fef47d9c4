import { hostname } from 'node:os';
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { MedicConfig } from '../../src/config/config-schema.js';
import type { GuardsConfig } from '../../src/config/guards-schema.js';
import { guardRequestSignal, guardShardId, guardStateQuery, guardWorkflowId, type GuardRequest } from '../../workflows/guards/definitions.js';
import { limitsDiffer, limitsHash, type LimitsDiffer, type PinnedLimits } from '../../workflows/guards/guard-limits.js';
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

const GUARD_SUMMARY = 'medic guards: the kill switch, the pinned limits, the running incidents';
const SHARD_SUMMARY = { target: 'medic guards: one target\'s lock and restart budget', pool: 'medic guards: one pool\'s members out of rotation' };

/** The workflow a request goes to: the control, the target's shard or the pool's shard. */
function addressOf(taskQueue: string, request: GuardRequest): { workflowId: string; staticSummary: string } {
  switch (request.op) {
    case 'register':
    case 'deregister':
      return { workflowId: guardWorkflowId(taskQueue), staticSummary: GUARD_SUMMARY };
    case 'isolate':
    case 'releaseIsolation':
      return { workflowId: guardShardId(taskQueue, { pool: request.pool }), staticSummary: SHARD_SUMMARY.pool };
    default:
      return { workflowId: guardShardId(taskQueue, { target: request.target }), staticSummary: SHARD_SUMMARY.target };
  }
}

/**
 * Deliver a request to its guard workflow, starting it if it is not running. Runs as a local
 * activity of the incident, through the worker's own client; the guard answers with a signal.
 */
async function send(request: GuardRequest): Promise<void> {
  const ctx = Context.current();
  await ctx.client.workflow.signalWithStart('guardWorkflow', {
    ...addressOf(ctx.info.taskQueue, request),
    taskQueue: ctx.info.taskQueue,
    args: [],
    signal: guardRequestSignal,
    signalArgs: [request],
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
  /** Refuse to ask with limits this worker's configuration does not have: say in what it differs. */
  const differs = (pinned: PinnedLimits): LimitsDiffer | undefined => limitsDiffer(current().limits, pinned);

  return {
    /**
     * The incident runs: register with the control, offering this worker's limits for pinning
     * (kept only if none are pinned yet). The answer brings the pinned limits and the kill switch.
     */
    async guardRegister(ask: GuardAsk): Promise<AskTiming> {
      const offer = { limits: current().limits, mode: 'if-unpinned' as const, by: `medic worker on ${hostname()} (pid ${process.pid})`, reason: 'the first guard request of this worker' };
      await send({ op: 'register', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, offer });
      return timing();
    },
    /** For a step that asks no shard (a target in no pool): whether this worker's limits are the pinned ones. */
    async guardCheckLimits(input: { pinned: PinnedLimits }): Promise<LimitsDiffer | { same: true }> {
      return differs(input.pinned) ?? { same: true };
    },
    /** acquire, release and deregister: no limits needed. */
    async guardSend(request: Extract<GuardRequest, { op: 'acquire' | 'release' | 'deregister' }>): Promise<AskTiming> {
      await send(request);
      return timing();
    },
    /** Ask the pool's shard, with the pool's limit as pinned; never with limits this worker does not have. */
    async guardAskIsolation(ask: GuardAsk & { pinned: PinnedLimits; pool: string; maxIsolated: number }): Promise<AskTiming | LimitsDiffer> {
      const refusal = differs(ask.pinned);
      if (refusal !== undefined) return refusal;
      await send({ op: 'isolate', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, pool: ask.pool, maxIsolated: ask.maxIsolated });
      return timing();
    },
    async guardReleaseIsolation(ask: GuardAsk & { pool: string }): Promise<void> {
      await send({ op: 'releaseIsolation', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, pool: ask.pool });
    },
    /** Ask the target's shard, with the budget as pinned; never with limits this worker does not have. */
    async guardAskRestart(ask: GuardAsk & { pinned: PinnedLimits }): Promise<AskTiming | LimitsDiffer> {
      const refusal = differs(ask.pinned);
      if (refusal !== undefined) return refusal;
      const { max, windowMs } = ask.pinned.limits.restartBudget;
      await send({ op: 'restart', requestId: ask.requestId, incidentId: ask.incidentId, target: ask.target, max, windowMs });
      return timing();
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
      const state = await ctx.client.workflow.getHandle(guardShardId(ctx.info.taskQueue, { target: input.target })).query(guardStateQuery);
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
