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
  guardReplySignal,
  guardRequestSignal,
  guardStateQuery,
  holderFinishedSignal,
  pausedSignal,
  rejoinedUpdate,
  setPausedUpdate,
  targetGrantedSignal,
  type GuardRequest,
  type GuardResult,
} from './definitions.js';
import * as rules from './guard-state.js';
import type { GuardState } from './guard-state.js';

// Past this many events the guard starts afresh with its state (continue-as-new), so that a
// long-lived guard under an alert storm never grows a history Temporal would refuse.
const MAX_HISTORY_EVENTS = 5_000;
// Request ids remembered to drop a request delivered twice; far more than are ever in flight.
const REMEMBERED_REQUESTS = 2_000;

type Outgoing = { incidentId: string; send: (h: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void> };

/**
 * The guards, durable in Temporal rather than in a worker's memory: one playbook per target,
 * the blast radius per pool, the restart budget per target, and the kill switch. Incidents send
 * requests as signals and hear back through signals; `medic pause` and `resume` are updates.
 */
export async function guardWorkflow(initial?: GuardState & { seen?: string[]; renewAfterEvents?: number }): Promise<void> {
  const state: GuardState = initial ?? rules.emptyGuardState();
  // Tests lower it to see a renewal happen; carried over with the state.
  const renewAfterEvents = initial?.renewAfterEvents ?? MAX_HISTORY_EVENTS;
  const seen = new Set<string>(initial?.seen ?? []);
  const outbox: Outgoing[] = [];
  const tell = (outgoing: Outgoing) => outbox.push(outgoing);
  // Send to incidents concurrently; an incident that already ended needs no answer.
  const deliver = (messages: Outgoing[]) =>
    Promise.all(
      messages.map(async ({ incidentId, send }) => {
        try {
          await send(getExternalWorkflowHandle(incidentId));
        } catch (err) {
          log.info('incident no longer running; not told', { incidentId, error: String(err) });
        }
      }),
    );

  const apply = (req: GuardRequest): void => {
    if (seen.has(req.requestId)) return;
    seen.add(req.requestId);
    if (seen.size > REMEMBERED_REQUESTS) seen.delete(seen.values().next().value as string);
    // Every answer says whether medic is paused now: it may overtake the pause notice.
    const reply = (result: GuardResult) =>
      tell({
        incidentId: req.incidentId,
        send: (h) => h.signal(guardReplySignal, { requestId: req.requestId, result: { ...result, paused: state.paused, pauseVersion: state.pauseVersion } }),
      });
    switch (req.op) {
      case 'acquire':
        reply(rules.acquireTarget(state, req.target, req.incidentId, req.policy));
        return;
      case 'release': {
        const { joined, next } = rules.releaseTarget(state, req.target, req.incidentId);
        for (const id of joined) {
          tell({ incidentId: id, send: (h) => h.signal(holderFinishedSignal, { target: req.target, holder: req.incidentId, outcome: req.outcome }) });
        }
        // The next in line hears how the one before it ended: after anything but a recovery it
        // must not act on a target in an unknown state without a human.
        if (next !== undefined) {
          tell({ incidentId: next, send: (h) => h.signal(targetGrantedSignal, { target: req.target, holder: req.incidentId, outcome: req.outcome }) });
        }
        return;
      }
      case 'isolate':
        reply(rules.requestIsolation(state, req));
        return;
      case 'releaseIsolation':
        rules.releaseIsolation(state, req.pool, req.member);
        return;
      case 'restart':
        reply(rules.requestRestart(state, { ...req, nowMs: Date.now() }));
        return;
    }
  };

  setHandler(guardRequestSignal, apply);
  setHandler(
    setPausedUpdate,
    async ({ paused, by, reason }) => {
      state.paused = paused ? { by, reason, at: new Date().toISOString() } : null;
      // Answer `medic pause` only once every running incident has the notice in its history: from
      // then on none of them starts a step that changes a target.
      state.pauseVersion += 1;
      const notice = state.paused;
      const version = state.pauseVersion;
      await deliver(rules.activeIncidents(state).map((incidentId) => ({ incidentId, send: (h) => h.signal(pausedSignal, notice, version) })));
      return notice;
    },
    {
      validator: ({ by, reason }) => {
        if (typeof by !== 'string' || by.trim() === '') throw new Error('"by" must name who is pausing or resuming');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('"reason" must say why');
      },
    },
  );
  setHandler(
    rejoinedUpdate,
    ({ pool, member, by, reason }) => {
      rules.releaseIsolation(state, pool, member);
      log.info('pool member back in rotation by hand', { pool, member, by, reason });
      return rules.isolatedMembers(state, pool);
    },
    {
      validator: ({ pool, member, by, reason }) => {
        if (typeof by !== 'string' || by.trim() === '') throw new Error('"by" must name who rejoined it');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('"reason" must say why');
        if (!rules.isolatedMembers(state, pool).includes(member)) {
          throw new Error(`${member} is not out of rotation in pool ${pool} as far as the guards know; nothing to release`);
        }
      },
    },
  );
  setHandler(guardStateQuery, () => state);

  const timeToRenew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > renewAfterEvents;
  // Answer everything that came in at once.
  const flush = () => deliver(outbox.splice(0));
  for (;;) {
    await condition(() => outbox.length > 0 || timeToRenew());
    if (outbox.length > 0) {
      await flush();
      continue;
    }
    await condition(allHandlersFinished);
    if (outbox.length === 0) break; // nothing left to tell: carry the state over
  }
  await continueAsNew<typeof guardWorkflow>({ ...state, seen: [...seen], ...(initial?.renewAfterEvents !== undefined && { renewAfterEvents }) });
}
