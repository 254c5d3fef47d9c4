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
  pinLimitsSignal,
  pinLimitsUpdate,
  rejoinedUpdate,
  setPausedUpdate,
  targetGrantedSignal,
  type GuardRequest,
  type GuardResult,
  type PinLimitsRequest,
} from './definitions.js';
import * as rules from './guard-state.js';
import type { GuardState } from './guard-state.js';

// Past this many events the guard starts afresh with its state (continue-as-new), so that a
// long-lived guard under an alert storm never grows a history Temporal would refuse.
const MAX_HISTORY_EVENTS = 5_000;
// Requests remembered with their answers, to answer a request asked again from the record instead
// of applying it twice; far more than are ever in flight. One forgotten and asked again is applied
// again: harmless for a lock or an isolation (both idempotent), one restart counted twice for a
// budget (the safe side).
const REMEMBERED_REQUESTS = 2_000;
// Temporal refuses a workflow task that would leave more than 2,000 signals to other workflows in
// flight, and refuses it again on every retry: a guard that sent all its answers at once after a
// burst never answered anyone again. Answers and notices go out in batches, each awaited; the
// answer loop and a pause notice together stay under the limit.
const SIGNALS_PER_BATCH = 500;

type Outgoing = {
  incidentId: string;
  send: (h: ReturnType<typeof getExternalWorkflowHandle>) => Promise<void>;
  /** What to do when the incident can no longer be told (it closed or was terminated). */
  undeliverable?: () => void;
};

const validLimits = ({ limits }: Pick<PinLimitsRequest, 'limits'>): boolean =>
  Array.isArray(limits?.pools) && typeof limits.restartBudget?.max === 'number' && typeof limits.restartBudget.windowMs === 'number';

/** The guard's side as it crosses continue-as-new: the state, and the answers it remembers. */
export type GuardWorkflowInput = GuardState & { answers?: [string, GuardResult | null][]; renewAfterEvents?: number };

/**
 * The guards, durable in Temporal rather than in a worker's memory: one playbook per target,
 * the blast radius per pool, the restart budget per target, and the kill switch. Incidents send
 * requests as signals and hear back through signals; `medic pause` and `resume` are updates.
 */
export async function guardWorkflow(initial?: GuardWorkflowInput): Promise<void> {
  // Tests lower it to see a renewal happen; carried over with the state.
  const renewAfterEvents = initial?.renewAfterEvents ?? MAX_HISTORY_EVENTS;
  const answers = new Map<string, GuardResult | null>(initial?.answers ?? []);
  // The state alone, as the rules and the query see it (what crossed over beside it is read above).
  const { answers: _answers, renewAfterEvents: _renew, ...carried }: GuardWorkflowInput = initial ?? rules.emptyGuardState();
  const state: GuardState = carried;
  const outbox: Outgoing[] = [];
  const tell = (outgoing: Outgoing) => outbox.push(outgoing);
  // Send to incidents concurrently. One that can no longer be told needs no answer, but a target
  // handed to it must not stay with it: `undeliverable` takes it back.
  const deliver = (messages: Outgoing[]) =>
    Promise.all(
      messages.map(async ({ incidentId, send, undeliverable }) => {
        try {
          await send(getExternalWorkflowHandle(incidentId));
        } catch (err) {
          log.info('incident no longer running; not told', { incidentId, error: String(err) });
          undeliverable?.();
        }
      }),
    );

  /**
   * The target is free of `from`: tell those riding along how `after` ended, and hand it to the
   * next waiter. A waiter that can no longer be told is released in turn, on the record, and the
   * target goes on to the one after it: never to an incident that is not running.
   */
  const handOn = (target: string, from: string, after: { holder: string; outcome: string; passedOver?: string[] }) => {
    const { joined, next } = rules.releaseTarget(state, target, from);
    for (const id of joined) tell({ incidentId: id, send: (h) => h.signal(holderFinishedSignal, { target, holder: after.holder, outcome: after.outcome }) });
    // The next in line hears how the one before it ended: after anything but a recovery it must
    // not act on a target in an unknown state without a human.
    if (next === undefined) return;
    tell({
      incidentId: next,
      send: (h) => h.signal(targetGrantedSignal, { target, ...after }),
      undeliverable: () => {
        rules.recordRelease(state, { at: new Date().toISOString(), target, incidentId: next, why: 'its turn came, but it had ended (closed or terminated) and could not be told' });
        log.warn('released a target from a waiter that had ended', { target, incidentId: next });
        handOn(target, next, { ...after, passedOver: [...(after.passedOver ?? []), next] });
      },
    });
  };

  const remember = (requestId: string, result: GuardResult | null) => {
    answers.set(requestId, result);
    if (answers.size > REMEMBERED_REQUESTS) answers.delete(answers.keys().next().value as string);
  };

  const apply = (req: GuardRequest): void => {
    // Every answer says whether medic is paused now: it may overtake the pause notice.
    const reply = (result: GuardResult) =>
      tell({
        incidentId: req.incidentId,
        send: (h) => h.signal(guardReplySignal, { requestId: req.requestId, result: { ...result, paused: state.paused, pauseVersion: state.pauseVersion } }),
      });
    if (answers.has(req.requestId)) {
      // Asked again: answer from the record, never apply twice.
      const recorded = answers.get(req.requestId);
      if (recorded !== undefined && recorded !== null) reply(recorded);
      return;
    }
    const answer = (result: GuardResult) => {
      remember(req.requestId, result);
      reply(result);
    };
    switch (req.op) {
      case 'acquire':
        answer(rules.acquireTarget(state, req.target, req.incidentId, req.policy));
        return;
      case 'release': {
        remember(req.requestId, null);
        const holder = rules.holderOf(state, req.target);
        if (req.why !== undefined && holder === req.incidentId) {
          rules.recordRelease(state, { at: new Date().toISOString(), target: req.target, incidentId: req.incidentId, why: req.why });
        }
        handOn(req.target, req.incidentId, { holder: req.incidentId, outcome: req.outcome });
        return;
      }
      case 'isolate':
        answer(rules.isolateUnderLimits(state, req));
        return;
      case 'releaseIsolation':
        remember(req.requestId, null);
        rules.releaseMember(state, req.target);
        return;
      case 'restart':
        answer(rules.restartUnderLimits(state, { ...req, nowMs: Date.now() }));
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
      const notices = rules.activeIncidents(state).map((incidentId): Outgoing => ({ incidentId, send: (h) => h.signal(pausedSignal, notice, version) }));
      while (notices.length > 0) await deliver(notices.splice(0, SIGNALS_PER_BATCH));
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
  const pin = (req: PinLimitsRequest) => {
    const answer = rules.pinLimits(state, { ...req, at: new Date().toISOString() });
    if (answer.changed) log.warn('guard limits pinned', { hash: answer.pinned.hash, previous: answer.previous?.hash, by: req.by, reason: req.reason, mode: req.mode });
    return answer;
  };
  setHandler(pinLimitsSignal, (req) => {
    // Only a first pin comes this way; a change of limits is an audited update (adopt-config).
    if (req.mode === 'if-unpinned' && validLimits(req)) pin(req);
  });
  setHandler(pinLimitsUpdate, pin, {
      validator: ({ limits, mode, by, reason }) => {
        if (typeof by !== 'string' || by.trim() === '') throw new Error('"by" must name who pins the limits');
        if (typeof reason !== 'string' || reason.trim() === '') throw new Error('"reason" must say why');
        if (mode !== 'if-unpinned' && mode !== 'adopt') throw new Error('"mode" must be if-unpinned or adopt');
        if (!validLimits({ limits })) throw new Error('"limits" must be guard limits in canonical form (pools, restartBudget)');
      },
    },
  );
  setHandler(guardStateQuery, () => state);

  const timeToRenew = () => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > renewAfterEvents;
  // Answer everything that came in at once.
  const flush = () => deliver(outbox.splice(0, SIGNALS_PER_BATCH));
  for (;;) {
    await condition(() => outbox.length > 0 || timeToRenew());
    if (outbox.length > 0) {
      await flush();
      continue;
    }
    await condition(allHandlersFinished);
    if (outbox.length === 0) break; // nothing left to tell: carry the state over
  }
  await continueAsNew<typeof guardWorkflow>({ ...state, answers: [...answers], ...(initial?.renewAfterEvents !== undefined && { renewAfterEvents }) });
}
