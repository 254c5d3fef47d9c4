import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import {
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { findPlaybook } from '../playbooks/index.js';
import type { Signal } from '../src/signals/signal-schema.js';
import {
  abortUpdate,
  ackUpdate,
  alertSignal,
  approveUpdate,
  noteUpdate,
  resolvedSignal,
  retryUpdate,
  stateQuery,
  timelineQuery,
  type HumanAction,
  type IncidentInput,
  type IncidentOutcome,
  type IncidentResult,
  type IncidentState,
  type IncidentStatus,
} from './definitions.js';
import { CompensationStack } from './runtime/compensations.js';
import { HumanGates, validateAction } from './runtime/human-gates.js';
import { createPlaybookContext } from './runtime/playbook-context.js';
import { RETRY } from './runtime/retry-profiles.js';
import { failureFacts, runStep, type StepEnv } from './runtime/step-runner.js';
import { Escalations } from './runtime/escalations.js';
import { incidentMetrics } from './runtime/incident-metrics.js';
import { GUARD_REFUSED, IncidentGuards } from './runtime/incident-guards.js';
import { holderFinishedSignal, pausedSignal, targetGrantedSignal } from './guards/definitions.js';
import { recoverySeconds } from './runtime/recovery-time.js';
import { Timeline } from './runtime/timeline.js';
import { renderDetails } from './runtime/details.js';
import { MedicAlert, MedicFingerprint, MedicPlaybook, MedicService, MedicSeverity, MedicStatus } from './search-attributes.js';

/** How long an escalated or failed incident stays open for a human to retry or abort it. */
const DEFAULT_HUMAN_HOLD: Duration = '24 hours';
/** How long a recovered incident stays open for its alert to clear (route param settleFor; 0 to close at once). */
const DEFAULT_SETTLE: Duration = '2 minutes';

const PATCH_RESOLUTION_ENDS_HOLD = 'resolution-ends-hold';
const PATCH_SETTLE_AFTER_RECOVERY = 'settle-after-recovery';

const asOutcome = (value: string): IncidentOutcome =>
  (['recovered', 'escalated', 'failed', 'aborted', 'resolved'] as const).find((o) => o === value) ?? 'resolved';

const durationOf = (value: unknown, fallback: Duration): Duration =>
  typeof value === 'string' || typeof value === 'number' ? (value as Duration) : fallback;

/**
 * One incident: the durable life of one alert fingerprint, from the first signal to an outcome.
 * Signals for the same fingerprint land here (deduplicated by signal id) while it is open.
 */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentResult> {
  const incidentId = workflowInfo().workflowId;
  const timeline = new Timeline();
  const compensations = new CompensationStack();
  const gates = new HumanGates(timeline);
  const seenSignals = new Set<string>();
  const metrics = incidentMetrics(input.playbook, input.dryRun);

  let status: IncidentStatus = 'open';
  let runningStep: string | undefined;
  let outcome: IncidentOutcome | undefined;
  let abortRequest: HumanAction | undefined;
  let retryRequest: HumanAction | undefined;
  let resolvedBy: Signal | undefined;
  let holding = false;
  let playbookScope: CancellationScope | undefined;
  let heldOutcome: 'escalated' | 'failed' = 'escalated';
  let resolvedDuringHold = false;
  let resolvedAfterRun = false;
  /** Set once the final status is in place: what an abort answers with. */
  let closed = false;
  let playbookRunning = false;

  const state = (): IncidentState => ({
    status,
    playbook: input.playbook,
    target: input.target,
    ...(runningStep !== undefined && { runningStep }),
    ...(gates.pendingApproval !== undefined && { pendingApproval: gates.pendingApproval }),
    awaitingAck: gates.awaitingAck,
    signals: seenSignals.size,
  });
  const refreshDetails = (): void => setCurrentDetails(renderDetails(incidentId, input, state(), timeline.last(6)));
  const setStatus = (next: IncidentStatus): void => {
    if (next === status) return;
    status = next;
    upsertSearchAttributes([{ key: MedicStatus, value: next }]);
    timeline.add('status', `status is now ${next}`);
    refreshDetails();
  };
  gates.onChange = (waiting) => {
    if (outcome !== undefined) return;
    setStatus(waiting ? 'awaiting-human' : holding ? status : 'recovering');
  };

  const stepEnv: StepEnv = {
    incidentId,
    target: input.target,
    params: input.params,
    dryRun: input.dryRun,
    timeline,
    metrics,
    onRunning: (label) => {
      runningStep = label;
      refreshDetails();
    },
  };

  // --- signals: every distinct notification is recorded once ---
  const takeSignal = (signal: Signal): boolean => {
    if (seenSignals.has(signal.id)) return false;
    seenSignals.add(signal.id);
    timeline.add(signal.status === 'resolved' ? 'resolved' : 'signal', `${signal.status}: ${signal.alertname} on ${signal.service}`, {
      actor: signal.source,
      data: {
        signalId: signal.id,
        severity: signal.severity,
        ...(signal.startsAt !== undefined && { startsAt: signal.startsAt }),
        ...(signal.summary !== undefined && { summary: signal.summary }),
      },
    });
    return true;
  };
  const onResolved = (signal: Signal): void => {
    if (!takeSignal(signal) || resolvedBy !== undefined) return;
    resolvedBy = signal;
    if (holding) resolvedDuringHold = true;
    if (!playbookRunning) resolvedAfterRun = true;
    const playbook = findPlaybook(input.playbook);
    if (playbookScope !== undefined && playbook?.stopsOnResolve) {
      timeline.add('note', `${input.playbook} stops when its alert resolves: stopping and undoing its steps`);
      playbookScope.cancel();
    }
  };
  setHandler(alertSignal, (signal) => {
    if (signal.status === 'resolved') onResolved(signal);
    else takeSignal(signal);
    refreshDetails();
  });
  setHandler(resolvedSignal, (signal) => {
    onResolved(signal);
    refreshDetails();
  });
  setHandler(timelineQuery, () => timeline.all());
  setHandler(stateQuery, state);

  // --- human actions: updates whose validators reject what makes no sense now ---
  const closedMessage = (): string => `incident ${incidentId} has already ended (${outcome})`;
  setHandler(
    approveUpdate,
    (action) => {
      gates.approve(action);
      return state();
    },
    {
      validator: (action) => {
        validateAction(action);
        if (outcome !== undefined) throw new Error(closedMessage());
        if (gates.pendingApproval === undefined) {
          throw new Error(`nothing to approve: incident ${incidentId} is ${status} and no approval is waiting`);
        }
      },
      description: 'Approve the step the playbook is waiting on.',
    },
  );
  setHandler(
    ackUpdate,
    async (action) => {
      gates.ack(action);
      setStatus(holding ? heldOutcome : 'escalated');
      await escalations.followUp('acknowledge', `acknowledged by ${action.by}: ${action.reason}`);
      return state();
    },
    {
      validator: (action) => {
        validateAction(action);
        if (outcome !== undefined) throw new Error(closedMessage());
        if (!gates.awaitingAck) {
          throw new Error(`nothing to acknowledge: incident ${incidentId} is ${status} and has no unacknowledged escalation`);
        }
      },
      description: 'Acknowledge an escalation: a human owns the incident now.',
    },
  );
  setHandler(
    retryUpdate,
    (action) => {
      retryRequest = action;
      timeline.add('retry', `retry requested: ${action.reason}`, { actor: action.by });
      return state();
    },
    {
      validator: (action) => {
        validateAction(action);
        if (outcome !== undefined) throw new Error(closedMessage());
        if (!holding || retryRequest !== undefined) {
          throw new Error(
            `cannot retry incident ${incidentId} while it is ${status}: retry is for an escalated or failed playbook waiting for a human`,
          );
        }
      },
      description: 'Run the playbook again after it escalated or failed.',
    },
  );
  setHandler(
    abortUpdate,
    async (action) => {
      abortRequest = action;
      timeline.add('abort', `abort requested: ${action.reason}`, { actor: action.by });
      playbookScope?.cancel();
      // Answer once the undo has run, so the caller sees the incident's final state.
      await condition(() => closed);
      return state();
    },
    {
      validator: (action) => {
        validateAction(action);
        if (outcome !== undefined) throw new Error(closedMessage());
        if (abortRequest !== undefined) throw new Error(`incident ${incidentId} is already being aborted by ${abortRequest.by}`);
      },
      description: 'Stop the playbook and undo its steps (compensations run newest first).',
    },
  );
  setHandler(
    noteUpdate,
    (action) => {
      timeline.add('note', action.reason, { actor: action.by });
      return state();
    },
    { validator: validateAction, description: 'Add a note to the timeline.' },
  );

  // --- the run ---
  upsertSearchAttributes([
    { key: MedicService, value: input.service },
    { key: MedicAlert, value: input.alertname },
    { key: MedicSeverity, value: input.severity },
    { key: MedicPlaybook, value: input.playbook },
    { key: MedicFingerprint, value: input.fingerprint },
    { key: MedicStatus, value: status },
  ]);
  timeline.add('incident-opened', `${input.alertname} on ${input.service}: running ${input.playbook} on ${input.target}${input.dryRun ? ' (dry run)' : ''}`);
  refreshDetails();

  const escalations = new Escalations(stepEnv, input);
  const guards = new IncidentGuards(incidentId, input.target, input.dryRun, timeline, (waiting) => {
    if (outcome === undefined) setStatus(waiting ? 'awaiting-human' : 'recovering');
  });
  stepEnv.guards = guards;
  setHandler(targetGrantedSignal, () => guards.onGranted());
  setHandler(holderFinishedSignal, (finished) => guards.onHolderFinished(finished));
  setHandler(pausedSignal, (paused) => {
    guards.onPaused(paused);
    refreshDetails();
  });
  const undoAll = (reason: string) => CancellationScope.nonCancellable(() => compensations.runAll(stepEnv, reason));
  try {
    const playbook = findPlaybook(input.playbook);
    if (playbook === undefined) {
      timeline.add('note', `unknown playbook "${input.playbook}": nothing was run. To fix: route this alert to a playbook in playbooks/index.ts`);
      outcome = 'failed';
    }
    if (playbook !== undefined) {
      const wait = await guards.acquireTarget(playbook.targetPolicy ?? 'wait', () => abortRequest !== undefined || resolvedBy !== undefined);
      if (wait.kind === 'joined') {
        timeline.add('note', `${wait.holder} ended ${wait.outcome}; this incident ends with it`);
        outcome = asOutcome(wait.outcome);
      } else if (wait.kind === 'stopped') {
        outcome = abortRequest !== undefined ? 'aborted' : 'resolved';
      }
    }
    while (playbook !== undefined && outcome === undefined) {
      setStatus('recovering');
      const ctx = createPlaybookContext({ input, incidentId, stepEnv, compensations, gates, escalations });
      playbookScope = new CancellationScope();
      const scope = playbookScope;
      let ran: 'recovered' | 'escalated' | 'failed' | 'stopped' | 'refused';
      try {
        playbookRunning = true;
        ran = await scope.run(() => playbook.run(ctx));
      } catch (err) {
        if (isCancellation(err)) {
          // Our own scope was cancelled by abort or resolution; a cancelled workflow goes up.
          if (CancellationScope.current().consideredCancelled) throw err;
          ran = 'stopped';
        } else if (failureFacts(err).type === GUARD_REFUSED) {
          timeline.add('note', `a guard refused: ${failureFacts(err).message}`);
          ran = 'refused';
        } else {
          const facts = failureFacts(err);
          timeline.add('note', `playbook failed: ${facts.message}`);
          log.warn('playbook failed', { error: facts.message });
          ran = 'failed';
        }
      } finally {
        playbookScope = undefined;
        playbookRunning = false;
      }

      if (ran === 'stopped') {
        await undoAll(abortRequest ? 'aborted' : 'alert resolved');
        outcome = abortRequest ? 'aborted' : 'resolved';
        break;
      }
      if (ran === 'recovered') {
        // Recovered: the target is back in service; nothing is left to undo.
        compensations.clear();
        outcome = 'recovered';
        await settleAfterRecovery();
        break;
      }
      if (ran === 'failed') {
        await undoAll('playbook failed');
        await notifyFailure();
      }
      if (ran === 'refused') {
        // Escalate instead of acting, and undo nothing: what was done so far is the safe state.
        if (await escalations.trigger('escalate', `a guard stopped ${input.playbook} on ${input.target}`)) gates.awaitAck();
        metrics.escalated();
        ran = 'escalated';
      }
      if (input.dryRun) {
        outcome = ran;
        break;
      }
      // Escalated or failed: hold the incident open for a human to retry, abort or resolve it.
      heldOutcome = ran;
      holding = true;
      setStatus(gates.acked ? ran : 'awaiting-human');
      const hold = (input.params['humanHold'] as Duration | undefined) ?? DEFAULT_HUMAN_HOLD;
      // A resolution that came while the undo or the failure notice ran also ends the hold.
      const lateResolutionEndsHold = patched(PATCH_RESOLUTION_ENDS_HOLD);
      const resolvedNow = () => resolvedDuringHold || (lateResolutionEndsHold && resolvedAfterRun);
      await condition(() => retryRequest !== undefined || abortRequest !== undefined || resolvedNow(), hold, {
        summary: `held open for a human to retry or abort (${ran})`,
      });
      holding = false;
      if (retryRequest !== undefined) {
        retryRequest = undefined;
        gates.reset();
        continue;
      }
      if (abortRequest !== undefined) {
        await undoAll('aborted');
        outcome = 'aborted';
      } else if (resolvedNow()) {
        outcome = 'resolved';
      } else {
        timeline.add('note', `nobody retried or aborted within ${hold}: closing as ${ran}`);
        outcome = ran;
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The workflow was cancelled (e.g. from the Web UI): undo, record, then end as cancelled.
    timeline.add('abort', 'the incident workflow was cancelled', { actor: 'temporal' });
    await undoAll('workflow cancelled');
    outcome = 'aborted';
    await CancellationScope.nonCancellable(async () => finish());
    throw err;
  }
  return finish();

  async function notifyFailure(): Promise<void> {
    try {
      if (await escalations.trigger('notify: playbook failed', `${input.playbook} failed on ${input.target}`)) gates.awaitAck();
    } catch (err) {
      if (isCancellation(err)) throw err;
      timeline.add('note', `could not notify anyone of the failure: ${failureFacts(err).message}`);
    }
  }

  /**
   * After a verified recovery, stay open a while: the alert usually clears a little later, and a
   * repeat notification in the meantime must join this incident, not start the playbook again.
   */
  async function settleAfterRecovery(): Promise<void> {
    const settle = durationOf(input.params['settleFor'], DEFAULT_SETTLE);
    if (input.dryRun || msToNumber(settle) <= 0 || resolvedBy !== undefined || !patched(PATCH_SETTLE_AFTER_RECOVERY)) return;
    setStatus('recovered');
    timeline.add('note', `recovered; staying open up to ${String(settle)} for the alert to clear (repeats join this incident)`);
    const cleared = await condition(() => resolvedBy !== undefined, settle, { summary: 'waiting for the alert to clear' });
    if (!cleared) timeline.add('note', `the alert did not clear within ${String(settle)} of the recovery; closing as recovered`);
  }

  async function finish(): Promise<IncidentResult> {
    const left = compensations.pending();
    if (left.length > 0) {
      timeline.add('note', `left in place for a human: ${left.map((c) => c.name).join(', ')}`, {
        data: { leftInPlace: left.map((c) => c.name) },
      });
    }
    const final = outcome ?? 'failed';
    await guards.releaseTarget(final);
    if (final === 'recovered' || final === 'resolved' || final === 'aborted') {
      await escalations.followUp('resolve', `incident ${final}`);
    }
    status = final;
    closed = true;
    upsertSearchAttributes([{ key: MedicStatus, value: final }]);
    timeline.add('outcome', `incident ${final}`);
    metrics.closed(final, recoverySeconds(final, timeline.all()));
    runningStep = undefined;
    refreshDetails();
    await condition(allHandlersFinished);
    return {
      incidentId,
      fingerprint: input.fingerprint,
      playbook: input.playbook,
      target: input.target,
      dryRun: input.dryRun,
      outcome: final,
      signals: seenSignals.size,
      timeline: timeline.all(),
    };
  }
}
