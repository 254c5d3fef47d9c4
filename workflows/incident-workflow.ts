import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { CancellationScope, allHandlersFinished, condition, isCancellation, log, patched, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { findPlaybook, type Playbook } from '../playbooks/index.js';
import type { IncidentInput, IncidentOutcome, IncidentResult } from './definitions.js';
import { CompensationStack } from './runtime/compensations.js';
import { Escalations } from './runtime/escalations.js';
import { HumanGates } from './runtime/human-gates.js';
import { registerGuardSignals, registerHumanActions, registerSignalHandlers } from './runtime/incident-handlers.js';
import { GUARD_REFUSED, IncidentGuards } from './runtime/incident-guards.js';
import { incidentMetrics } from './runtime/incident-metrics.js';
import { IncidentRun } from './runtime/incident-run.js';
import { createPlaybookContext } from './runtime/playbook-context.js';
import { recoverySeconds } from './runtime/recovery-time.js';
import { failureFacts, type StepEnv } from './runtime/step-runner.js';
import { Timeline } from './runtime/timeline.js';
import { MedicAlert, MedicFingerprint, MedicPlaybook, MedicService, MedicSeverity, MedicStatus } from './search-attributes.js';

/** How long an escalated or failed incident stays open for a human to retry or abort it. */
const DEFAULT_HUMAN_HOLD: Duration = '24 hours';
/** How long a recovered incident stays open for its alert to clear (route param settleFor; 0 to close at once). */
const DEFAULT_SETTLE: Duration = '2 minutes';

const PATCH_RESOLUTION_ENDS_HOLD = 'resolution-ends-hold';
const PATCH_SETTLE_AFTER_RECOVERY = 'settle-after-recovery';
const PATCH_STOP_BEFORE_START = 'stop-before-playbook-starts';

const asOutcome = (value: string): IncidentOutcome =>
  (['recovered', 'escalated', 'failed', 'aborted', 'resolved'] as const).find((o) => o === value) ?? 'resolved';

const durationOf = (value: unknown, fallback: Duration): Duration =>
  typeof value === 'string' || typeof value === 'number' ? (value as Duration) : fallback;

type RunEnd = 'recovered' | 'escalated' | 'failed' | 'stopped' | 'refused';

/**
 * One incident: the durable life of one alert fingerprint, from the first signal to an outcome.
 * Signals for the same fingerprint land here (deduplicated by signal id) while it is open.
 */
export async function incidentWorkflow(input: IncidentInput): Promise<IncidentResult> {
  const timeline = new Timeline();
  const gates = new HumanGates(timeline);
  const run = new IncidentRun(workflowInfo().workflowId, input, timeline, gates);
  const compensations = new CompensationStack();
  const metrics = incidentMetrics(input.playbook, input.dryRun);
  gates.onChange = (waiting) => {
    if (run.outcome !== undefined) return;
    run.setStatus(waiting ? 'awaiting-human' : run.holding ? run.status : 'recovering');
  };
  const stepEnv: StepEnv = {
    incidentId: run.incidentId,
    target: input.target,
    params: input.params,
    dryRun: input.dryRun,
    timeline,
    metrics,
    onRunning: (label) => run.setRunningStep(label),
  };
  const escalations = new Escalations(stepEnv, input);
  registerSignalHandlers(run);
  registerHumanActions(run, escalations);

  upsertSearchAttributes([
    { key: MedicService, value: input.service },
    { key: MedicAlert, value: input.alertname },
    { key: MedicSeverity, value: input.severity },
    { key: MedicPlaybook, value: input.playbook },
    { key: MedicFingerprint, value: input.fingerprint },
    { key: MedicStatus, value: run.status },
  ]);
  timeline.add('incident-opened', `${input.alertname} on ${input.service}: running ${input.playbook} on ${input.target}${input.dryRun ? ' (dry run)' : ''}`);
  run.refreshDetails();

  const guards = new IncidentGuards(run.incidentId, input.target, input.dryRun, timeline, (waiting) => {
    if (run.outcome === undefined) run.setStatus(waiting ? 'awaiting-human' : 'recovering');
  }, () => run.seenSignals.values().next().value ?? 'no-signal');
  stepEnv.guards = guards;
  registerGuardSignals(run, guards);

  const undoAll = (reason: string) => CancellationScope.nonCancellable(() => compensations.runAll(stepEnv, reason));

  try {
    const playbook = findPlaybook(input.playbook);
    if (playbook === undefined) {
      timeline.add('note', `unknown playbook "${input.playbook}": nothing was run. To fix: route this alert to a playbook in playbooks/index.ts`);
      run.outcome = 'failed';
    } else {
      await takeTarget(playbook);
    }
    while (playbook !== undefined && run.outcome === undefined) {
      let ended = await runPlaybookOnce(playbook);
      if (ended === 'stopped') {
        await undoAll(run.abortRequest ? 'aborted' : 'alert resolved');
        run.outcome = run.abortRequest ? 'aborted' : 'resolved';
        break;
      }
      if (ended === 'recovered') {
        // Recovered: the target is back in service; nothing is left to undo.
        compensations.clear();
        run.outcome = 'recovered';
        await settleAfterRecovery();
        break;
      }
      if (ended === 'failed') {
        await undoAll('playbook failed');
        await notifyFailure();
      }
      if (ended === 'refused') {
        // Escalate instead of acting, and undo nothing: what was done so far is the safe state.
        if (await escalations.trigger('escalate', `a guard stopped ${input.playbook} on ${input.target}`)) gates.awaitAck();
        metrics.escalated();
        ended = 'escalated';
      }
      if (input.dryRun) {
        run.outcome = ended;
        break;
      }
      await holdForHuman(ended);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The workflow was cancelled (e.g. from the Web UI): undo, record, then end as cancelled.
    timeline.add('abort', 'the incident workflow was cancelled', { actor: 'temporal' });
    await undoAll('workflow cancelled');
    run.outcome = 'aborted';
    await CancellationScope.nonCancellable(async () => finish());
    throw err;
  }
  return finish();

  /** One playbook per target: run, wait for the target, or end with the incident this one joined. */
  async function takeTarget(playbook: Playbook): Promise<void> {
    const wait = await guards.acquireTarget(playbook.targetPolicy ?? 'wait', () => run.abortRequest !== undefined || run.resolvedBy !== undefined);
    if (wait.kind === 'joined') {
      timeline.add('note', `${wait.holder} ended ${wait.outcome}; this incident ends with it`);
      run.outcome = asOutcome(wait.outcome);
    } else if (wait.kind === 'stopped') {
      run.outcome = run.abortRequest !== undefined ? 'aborted' : 'resolved';
    }
  }

  async function runPlaybookOnce(playbook: Playbook): Promise<RunEnd> {
    // An abort (or, for a playbook that stops on resolve, the resolution) that came while the
    // incident was still taking its target had no playbook scope to cancel: honour it now.
    const stopAlready = run.abortRequest !== undefined || (run.resolvedBy !== undefined && playbook.stopsOnResolve);
    if (stopAlready && patched(PATCH_STOP_BEFORE_START)) {
      timeline.add('note', `${run.abortRequest !== undefined ? 'aborted' : 'resolved'} before ${input.playbook} started: nothing was run`);
      return 'stopped';
    }
    run.setStatus('recovering');
    const ctx = createPlaybookContext({ input, incidentId: run.incidentId, stepEnv, compensations, gates, escalations });
    const scope = new CancellationScope();
    run.playbookScope = scope;
    try {
      run.playbookRunning = true;
      return await scope.run(() => playbook.run(ctx));
    } catch (err) {
      if (isCancellation(err)) {
        // Our own scope was cancelled by abort or resolution; a cancelled workflow goes up.
        if (CancellationScope.current().consideredCancelled) throw err;
        return 'stopped';
      }
      const facts = failureFacts(err);
      if (facts.type === GUARD_REFUSED) {
        timeline.add('note', `a guard refused: ${facts.message}`);
        return 'refused';
      }
      timeline.add('note', `playbook failed: ${facts.message}`);
      log.warn('playbook failed', { error: facts.message });
      return 'failed';
    } finally {
      run.playbookScope = undefined;
      run.playbookRunning = false;
    }
  }

  /** Escalated or failed: hold the incident open for a human to retry, abort or resolve it. */
  async function holdForHuman(ended: 'escalated' | 'failed'): Promise<void> {
    run.heldOutcome = ended;
    run.holding = true;
    run.setStatus(gates.acked ? ended : 'awaiting-human');
    const hold = durationOf(input.params['humanHold'], DEFAULT_HUMAN_HOLD);
    // A resolution that came while the undo or the failure notice ran also ends the hold.
    const lateResolutionEndsHold = patched(PATCH_RESOLUTION_ENDS_HOLD);
    const resolvedNow = () => run.resolvedDuringHold || (lateResolutionEndsHold && run.resolvedAfterRun);
    await condition(() => run.retryRequest !== undefined || run.abortRequest !== undefined || resolvedNow(), hold, {
      summary: `held open for a human to retry or abort (${ended})`,
    });
    run.holding = false;
    if (run.retryRequest !== undefined) {
      run.retryRequest = undefined;
      gates.reset();
      return;
    }
    if (run.abortRequest !== undefined) {
      await undoAll('aborted');
      run.outcome = 'aborted';
    } else if (resolvedNow()) {
      run.outcome = 'resolved';
    } else {
      timeline.add('note', `nobody retried or aborted within ${String(hold)}: closing as ${ended}`);
      run.outcome = ended;
    }
  }

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
    if (input.dryRun || msToNumber(settle) <= 0 || run.resolvedBy !== undefined || !patched(PATCH_SETTLE_AFTER_RECOVERY)) return;
    run.setStatus('recovered');
    timeline.add('note', `recovered; staying open up to ${String(settle)} for the alert to clear (repeats join this incident)`);
    const cleared = await condition(() => run.resolvedBy !== undefined, settle, { summary: 'waiting for the alert to clear' });
    if (!cleared) timeline.add('note', `the alert did not clear within ${String(settle)} of the recovery; closing as recovered`);
  }

  async function finish(): Promise<IncidentResult> {
    const left = compensations.pending();
    if (left.length > 0) {
      timeline.add('note', `left in place for a human: ${left.map((c) => c.name).join(', ')}`, {
        data: { leftInPlace: left.map((c) => c.name) },
      });
    }
    const final = run.outcome ?? 'failed';
    await guards.releaseTarget(final);
    if (final === 'recovered' || final === 'resolved' || final === 'aborted') {
      await escalations.followUp('resolve', `incident ${final}`);
    }
    run.status = final;
    run.closed = true;
    upsertSearchAttributes([{ key: MedicStatus, value: final }]);
    timeline.add('outcome', `incident ${final}`);
    metrics.closed(final, recoverySeconds(final, timeline.all()));
    run.setRunningStep(undefined);
    await condition(allHandlersFinished);
    return {
      incidentId: run.incidentId,
      fingerprint: input.fingerprint,
      playbook: input.playbook,
      target: input.target,
      dryRun: input.dryRun,
      outcome: final,
      signals: run.seenSignals.size,
      timeline: timeline.all(),
    };
  }
}
