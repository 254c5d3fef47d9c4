import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import {
  acquireTargetUpdate,
  guardStateQuery,
  holderFinishedSignal,
  pausedSignal,
  releaseIsolationUpdate,
  releaseTargetUpdate,
  requestIsolationUpdate,
  requestRestartUpdate,
  setPausedUpdate,
  targetGrantedSignal,
} from './definitions.js';
import * as rules from './guard-state.js';
import type { GuardState } from './guard-state.js';

// Past this many events the guard starts afresh with its state (continue-as-new), so that a
// long-lived guard under an alert storm never grows a history Temporal would refuse.
const MAX_HISTORY_EVENTS = 5_000;

/**
 * The guards, durable in Temporal rather than in a worker's memory: one playbook per target,
 * the blast radius per pool, the restart budget per target, and the kill switch. Incidents reach
 * it through updates (sent by local activities) and hear back through signals.
 */
export async function guardWorkflow(initial?: GuardState): Promise<void> {
  const state: GuardState = initial ?? rules.emptyGuardState();

  /** Tell an incident something; one that already ended no longer needs to know. */
  const tell = async (incidentId: string, send: (h: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>) => {
    try {
      await send(getExternalWorkflowHandle(incidentId));
    } catch (err) {
      log.info('incident no longer running; not told', { incidentId, error: String(err) });
    }
  };

  setHandler(acquireTargetUpdate, ({ target, incidentId, policy }) => rules.acquireTarget(state, target, incidentId, policy));
  setHandler(releaseTargetUpdate, async ({ target, incidentId, outcome }) => {
    const { joined, next } = rules.releaseTarget(state, target, incidentId);
    for (const id of joined) await tell(id, (h) => h.signal(holderFinishedSignal, { target, holder: incidentId, outcome }));
    if (next !== undefined) await tell(next, (h) => h.signal(targetGrantedSignal, { target }));
  });
  setHandler(requestIsolationUpdate, (req) => rules.requestIsolation(state, req));
  setHandler(releaseIsolationUpdate, ({ pool, member }) => rules.releaseIsolation(state, pool, member));
  setHandler(requestRestartUpdate, (req) => rules.requestRestart(state, { ...req, nowMs: Date.now() }));
  setHandler(
    setPausedUpdate,
    async ({ paused, by, reason }) => {
      state.paused = paused ? { by, reason, at: new Date().toISOString() } : null;
      for (const id of rules.activeIncidents(state)) await tell(id, (h) => h.signal(pausedSignal, state.paused));
      return state.paused;
    },
    {
      validator: ({ by, reason }) => {
        if (typeof by !== 'string' || by.trim() === '') throw new Error('"by" must name who is pausing or resuming');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('"reason" must say why');
      },
    },
  );
  setHandler(guardStateQuery, () => state);

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof guardWorkflow>(state);
}
