import { CancellationScope, allHandlersFinished, condition, continueAsNew, isCancellation, log, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { findPlaybook, type Playbook } from '../playbooks/index.js';
import { formatDuration } from '../src/config/duration-schema.js';
import type { IncidentInput, IncidentOutcome, IncidentResult, Params } from './definitions.js';
import { CompensationStack } from './runtime/compensations.js';
import { DryRunAssumptions, type Assumptions } from './runtime/dry-run-assumptions.js';
import { UNDO_MEMO, type ContinuedIncident, type Stage, type UndoMemo } from './runtime/continued-incident.js';
import { parseRouteParams, type EngineParams } from './runtime/engine-params.js';
import { Escalations } from './runtime/escalations.js';
import { HumanGates } from './runtime/human-gates.js';
import { registerGuardSignals, registerHumanActions, registerSignalHandlers } from './runtime/incident-handlers.js';
import { IncidentGuards } from './runtime/incident-guards.js';
import { incidentMetrics } from './runtime/incident-metrics.js';
import { IncidentRun } from './runtime/incident-run.js';
import { Journal, PLAYBOOK_CHANGED } from './runtime/journal.js';
import type { HeldOutcome } from './runtime/lifecycle.js';
import { createPlaybookContext } from './runtime/playbook-context.js';
import { activityNamesOf } from './runtime/playbook-api.js';
import { recoverySeconds } from './runtime/recovery-time.js';
import { SignalRecord } from './runtime/signal-record.js';
import { failureFacts, GUARD_REFUSED, type StepEnv } from './runtime/step-runner.js';
import { noFacts } from './runtime/target-facts.js';
import { Timeline } from './runtime/timeline.js';
import { MedicAlert, MedicFingerprint, MedicPlaybook, MedicService, MedicSeverity, MedicStatus } from './search-attributes.js';

type RunEnd = 'recovered' | 'escalated' | 'failed' | 'stopped' | 'refused' | 'changed' | 'parked';

/**
 * One incident: the durable life of one alert fingerprint, from the first signal to one outcome.
 * Signals for the same fingerprint land here (deduplicated, repeats counted) while it is open.
 * It continues as new at safe points before any Temporal limit, carrying all its state over.
 */
export async function incidentWorkflow(input: IncidentInput, continued?: ContinuedIncident): Promise<IncidentResult> {
  const timeline = new Timeline(continued?.timeline);
  const gates = new HumanGates(timeline, continued?.gates);
  const signals = new SignalRecord(continued?.signals);
  const run = new IncidentRun(workflowInfo().workflowId, input, timeline, gates, signals);
  if (continued !== undefined) {
    run.phase = continued.phase;
    if (continued.resolvedBy !== undefined) run.resolvedBy = continued.resolvedBy;
    run.resolvedWhileRunning = continued.resolvedWhileRunning;
  }
  const compensations = new CompensationStack(continued?.compensations);
  const journal = new Journal(continued?.journal);
  const metrics = incidentMetrics(input.playbook, input.dryRun);
  const playbook = findPlaybook(input.playbook);
  const parsed = playbook === undefined ? undefined : parseRouteParams(playbook, input.params);
  const engineParams: EngineParams = parsed?.ok === true ? parsed.engine : { humanHold: 24 * 3_600_000, settleFor: 0 };

  const engineEnv: StepEnv = {
    incidentId: run.incidentId,
    target: input.target,
    params: input.params,
    dryRun: input.dryRun,
    ...(input.dryRun && { assumed: new DryRunAssumptions(input.assume as Assumptions | undefined) }),
    timeline,
    metrics,
    facts: continued?.facts ?? noFacts(),
    onRunning: (label) => run.setRunningStep(label),
  };
  const escalations = new Escalations(engineEnv, input, continued?.escalations, () => run.abortRequest !== undefined);
  registerSignalHandlers(run, playbook?.stopsOnResolve ?? true);
  registerHumanActions(run, escalations);
  const guards = new IncidentGuards(
    run.incidentId,
    input.target,
    !input.dryRun,
    timeline,
    (holding) => run.apply(holding ? { type: 'human-needed', gate: 'pause' } : { type: 'human-answered' }),
    // The first run of this incident's chain: unique to it even when a closed incident's very
    // notification opens it again (a signal id would repeat), and the same across continue-as-new.
    () => workflowInfo().firstExecutionRunId,
    continued?.guards,
  );
  engineEnv.guards = guards;
  registerGuardSignals(run, guards);

  if (continued === undefined || continued.takenOver !== undefined) {
    upsertSearchAttributes([
      { key: MedicService, value: input.service },
      { key: MedicAlert, value: input.alertname },
      { key: MedicSeverity, value: input.severity },
      { key: MedicPlaybook, value: input.playbook },
      { key: MedicFingerprint, value: input.fingerprint },
      { key: MedicStatus, value: run.status },
    ]);
    if (continued === undefined) {
      timeline.add('incident-opened', `${input.alertname} on ${input.service}: running ${input.playbook} on ${input.target}${input.dryRun ? ' (dry run)' : ''}`);
    } else {
      timeline.add('note', `taken over from run ${continued.takenOver?.runId ?? '?'}, which could no longer run: ${continued.compensations.length} undo(s) carried over`);
    }
  }
  run.refreshDetails();
  /** Keep the memo in step with what is left to undo (read only by a takeover). */
  const recordUndo = () => {
    const memo: UndoMemo = { input, compensations: compensations.snapshot(), facts: engineEnv.facts, ...(signals.firstId !== undefined && { openedBy: signals.firstId }) };
    if (!input.dryRun) upsertMemo({ [UNDO_MEMO]: memo });
  };
  if (continued === undefined) recordUndo();

  const undoAll = (reason: string) =>
    CancellationScope.nonCancellable(async () => {
      const report = await compensations.runAll(engineEnv, reason, () => guards.paused !== null);
      recordUndo();
      return report;
    });
  const page = async (why: string, options: { evenIfAborted?: boolean } = {}): Promise<void> => {
    if (await escalations.trigger('escalate', why, options)) gates.awaitAck();
    metrics.escalated();
  };
  // A dry run changed nothing and paged nobody: it stays open only as long as a recovery settles,
  // so repeats join it, then closes with the outcome it would have had.
  const holdFor = input.dryRun ? engineParams.settleFor : engineParams.humanHold;
  const hold = (held: HeldOutcome): Stage => ({ at: 'hold', held, until: Date.now() + holdFor });

  let stage: Stage = continued?.stage ?? { at: 'target' };
  try {
    const cannotRun = whyItCannotRun(input.playbook, playbook, parsed);
    if (cannotRun !== undefined && stage.at !== 'hold') {
      // Nothing is guessed: a human is told, and whatever was done before stays undoable by abort.
      timeline.add('note', cannotRun);
      await page(cannotRun);
      stage = hold('escalated');
    }
    while (run.outcome === undefined) {
      if (stage.at === 'target') stage = await takeTarget(playbook as Playbook);
      else if (stage.at === 'run') stage = await runAndDecide(playbook as Playbook, (parsed as { playbook: Params }).playbook);
      else if (stage.at === 'hold') stage = await holdForHuman(stage);
      else stage = await settle(stage);
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // The workflow was cancelled (e.g. from the Web UI): undo what is safe, record, then end as cancelled.
    timeline.add('abort', 'the incident workflow was cancelled', { actor: 'temporal' });
    await undoAll('workflow cancelled');
    await CancellationScope.nonCancellable(async () => finish('aborted'));
    throw err;
  }
  return finish(run.outcome as IncidentOutcome);

  function close(outcome: IncidentOutcome): Stage {
    run.apply({ type: 'closed', outcome });
    return stage;
  }

  /** Hand over to a new run at a safe point, unless a human action needs this one first. */
  async function continueIfDue(next: Stage): Promise<Stage> {
    await condition(() => allHandlersFinished() || run.abortRequest !== undefined);
    if (run.abortRequest !== undefined) return next;
    timeline.add('note', `continuing as a new run (${signals.thisRun} signals, ${workflowInfo().historyLength} events in this one); nothing is lost`);
    return continueAsNew<typeof incidentWorkflow>(input, {
      stage: next,
      phase: run.phase,
      timeline: timeline.snapshot(),
      signals: signals.snapshot(),
      journal: journal.snapshot(),
      compensations: compensations.snapshot(),
      facts: engineEnv.facts,
      guards: guards.snapshot(),
      gates: gates.snapshot(),
      escalations: escalations.snapshot(),
      ...(run.resolvedBy !== undefined && { resolvedBy: run.resolvedBy }),
      resolvedWhileRunning: run.resolvedWhileRunning,
      runs: (continued?.runs ?? 0) + 1,
    });
  }

  /** One playbook per target: run, wait for the target, or decide after the incident this one joined. */
  async function takeTarget(pb: Playbook): Promise<Stage> {
    const stopped = () => run.abortRequest !== undefined || run.resolvedBy !== undefined;
    const wait = await guards.acquireTarget(pb.targetPolicy ?? 'wait', () => stopped() || run.continueDue());
    // An abort or a resolution while it waited ends it, whatever the wait's own answer was.
    if (stopped()) return close(run.abortRequest !== undefined ? 'aborted' : 'resolved');
    if (wait.kind === 'stopped') return continueIfDue({ at: 'target' });
    if (wait.kind === 'unanswered') {
      // Without the guards' answer nothing may act on the target: a human decides (retry asks again).
      timeline.add('note', wait.why);
      await page(`the guards did not answer for ${input.target}; ${input.playbook} did not start`);
      return hold('escalated');
    }
    const before = wait.kind === 'joined' ? wait : wait.after;
    if (wait.kind === 'joined' && wait.outcome === 'recovered') {
      timeline.add('note', `${wait.holder} recovered ${input.target}; this incident ends with it`, { data: { holder: wait.holder, holderOutcome: wait.outcome } });
      return close('recovered');
    }
    if (before !== undefined && before.outcome !== 'recovered') {
      // The target is in a state nobody verified: never act on it, never end silently.
      const why = `${before.holder} ended ${before.outcome} on ${input.target}, which this incident ${wait.kind === 'joined' ? 'joined' : 'waited for'}; a human must decide (retry runs ${input.playbook})`;
      timeline.add('note', why, { data: { holder: before.holder, holderOutcome: before.outcome } });
      await page(why);
      return hold('escalated');
    }
    return { at: 'run' };
  }

  /** Run the playbook (or re-enter it after continue-as-new) and decide what comes next. */
  async function runAndDecide(pb: Playbook, params: Params): Promise<Stage> {
    // An abort accepted while the run was ending (a step failed, a guard refused) is honoured first:
    // after an abort nothing but the safe undo runs.
    const ended = run.abortRequest !== undefined ? 'stopped' : await runPlaybookOnce(pb, params);
    switch (ended === 'parked' || run.abortRequest === undefined ? ended : 'stopped') {
      case 'parked':
        return continueIfDue({ at: 'run' });
      case 'stopped': {
        const aborted = run.abortRequest !== undefined;
        const report = await undoAll(aborted ? 'aborted' : 'alert resolved');
        const leftOut = [...report.skipped, ...report.failed];
        if (leftOut.length > 0 && aborted) {
          // The one who aborted owns what is left; the page says so (and is resolved as the incident closes).
          await page(`${run.abortRequest?.by ?? 'a human'} aborted ${input.playbook} on ${input.target}; not safely undone, left as it is: ${leftOut.join(', ')}`, { evenIfAborted: true });
        } else if (leftOut.length > 0) {
          // The alert cleared, but something could not be safely undone: a human must look.
          await page(`the alert resolved, but ${leftOut.join(', ')} could not be safely undone on ${input.target}`);
          return hold('escalated');
        }
        return close(aborted ? 'aborted' : 'resolved');
      }
      case 'recovered':
        // Recovered and verified: the target is back in service; nothing is left to undo.
        compensations.clear();
        // A dry run settles like a real one: repeats in the window join it instead of opening new runs.
        if (engineParams.settleFor <= 0 || run.resolvedBy !== undefined) return close('recovered');
        run.apply({ type: 'recovered' });
        timeline.add('note', `recovered; staying open up to ${formatDuration(engineParams.settleFor)} for the alert to clear (repeats join this incident)`);
        return { at: 'settle', until: Date.now() + engineParams.settleFor };
      case 'failed': {
        const report = await undoAll('playbook failed');
        const leftOut = [...report.skipped, ...report.failed];
        // What the undo left is paged about even if a human aborted meanwhile: nobody else will know.
        await page(`${input.playbook} failed on ${input.target}${leftOut.length > 0 ? `; left as it is: ${leftOut.join(', ')}` : ''}`, { evenIfAborted: leftOut.length > 0 });
        return hold('failed');
      }
      case 'refused':
        // A guard stopped a change: escalate instead of acting, and undo nothing (the safe state).
        await page(`a guard stopped ${input.playbook} on ${input.target}`);
        return hold('escalated');
      case 'changed':
        await page(`the code of ${input.playbook} changed under this incident; it stopped where it was`);
        return hold('escalated');
      case 'escalated':
        return hold('escalated');
    }
  }

  async function runPlaybookOnce(pb: Playbook, params: Params): Promise<RunEnd> {
    // An abort (or, for a playbook that stops on resolve, the resolution) that came before the
    // playbook started has no scope to cancel: honour it now.
    if (run.abortRequest !== undefined || (run.resolvedBy !== undefined && pb.stopsOnResolve)) {
      timeline.add('note', `${run.abortRequest !== undefined ? 'aborted' : 'resolved'} before ${input.playbook} started: nothing more was run`);
      return 'stopped';
    }
    if (run.phase.name === 'opening' || run.phase.name === 'held') run.apply({ type: 'run-started' });
    const ctx = createPlaybookContext({ input, run, params, stepEnv: { ...engineEnv, allowed: activityNamesOf(pb) }, compensations, gates, escalations, journal, onStepDone: recordUndo });
    const scope = new CancellationScope();
    run.playbookScope = scope;
    run.parked = false;
    try {
      const playing = scope.run(() => pb.run(ctx));
      const result = await Promise.race([playing, condition(() => run.parked).then(() => 'parked' as const)]);
      if (result === 'parked') playing.catch(() => undefined); // abandoned: the next run re-enters it
      return result;
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
      if (err instanceof Error && err.name === PLAYBOOK_CHANGED) {
        timeline.add('note', `${err.message}. To fix: keep the old code registered until running incidents end (see ARCHITECTURE.md)`);
        return 'changed';
      }
      timeline.add('note', `playbook failed: ${facts.message}`);
      log.warn('playbook failed', { error: facts.message });
      return 'failed';
    } finally {
      run.playbookScope = undefined;
    }
  }

  /** Escalated or failed: hold the incident open for a human to retry, abort or resolve it. */
  async function holdForHuman(stage: Extract<Stage, { at: 'hold' }>): Promise<Stage> {
    if (run.phase.name !== 'held') run.apply({ type: 'held', held: stage.held, acked: gates.acked });
    // A resolution that came while the playbook ran may be its own doing; one after it ends the hold.
    const resolved = () => run.resolvedBy !== undefined && !run.resolvedWhileRunning;
    const woke = await condition(
      () => run.retryRequest !== undefined || run.abortRequest !== undefined || resolved() || run.continueDue(),
      Math.max(1, stage.until - Date.now()),
    );
    if (run.retryRequest !== undefined) {
      run.retryRequest = undefined;
      gates.reset();
      journal.reset();
      // One that joined another incident never held the target: it takes it now, like any other.
      return guards.enabled && !guards.holdsTarget ? { at: 'target' } : { at: 'run' };
    }
    if (run.abortRequest !== undefined) {
      await undoAll('aborted');
      return close('aborted');
    }
    if (resolved()) return close('resolved');
    if (woke) return continueIfDue(stage);
    timeline.add('note', input.dryRun ? `dry run: closing as ${stage.held} (what a real run would have been)` : `nobody retried or aborted within ${formatDuration(holdFor)}: closing as ${stage.held}`);
    return close(stage.held);
  }

  /**
   * After a verified recovery, stay open a while: the alert usually clears a little later, and a
   * repeat notification in the meantime must join this incident, not start the playbook again.
   */
  async function settle(stage: Extract<Stage, { at: 'settle' }>): Promise<Stage> {
    const woke = await condition(() => run.resolvedBy !== undefined || run.abortRequest !== undefined || run.continueDue(), Math.max(1, stage.until - Date.now()));
    // A human who ends the settle window closes a recovered incident: nothing is left to undo.
    if (run.abortRequest !== undefined) timeline.add('note', `${run.abortRequest.by} closed the settle window; the recovery stands`, { actor: run.abortRequest.by });
    else if (run.resolvedBy === undefined && woke) return continueIfDue(stage);
    if (!woke) timeline.add('note', `the alert did not clear within ${formatDuration(engineParams.settleFor)} of the recovery; closing as recovered`);
    return close('recovered');
  }

  async function finish(outcome: IncidentOutcome): Promise<IncidentResult> {
    if (!run.closed) run.apply({ type: 'closed', outcome });
    const left = compensations.pending();
    if (left.length > 0) {
      timeline.add('note', `left in place for a human: ${left.map((c) => c.name).join(', ')}`, { data: { leftInPlace: left.map((c) => c.name) } });
    }
    if (signals.total > 1) {
      const { firing, resolved } = signals;
      timeline.add('note', `${signals.total} signals in all: ${firing.count} firing${firing.last !== undefined ? ` (last ${firing.last})` : ''}, ${resolved.count} resolved`);
    }
    await guards.releaseTarget(outcome);
    await escalations.close(outcome);
    timeline.add('outcome', `incident ${outcome}`);
    metrics.closed(outcome, recoverySeconds(outcome, timeline.all()));
    run.setRunningStep(undefined);
    await condition(allHandlersFinished);
    return {
      incidentId: run.incidentId,
      fingerprint: input.fingerprint,
      playbook: input.playbook,
      target: input.target,
      dryRun: input.dryRun,
      outcome,
      signals: signals.total,
      timeline: timeline.all(),
    };
  }
}

/** Why this incident cannot run its playbook in this worker, in words for the timeline; undefined when it can. */
function whyItCannotRun(name: string, playbook: Playbook | undefined, parsed: ReturnType<typeof parseRouteParams> | undefined): string | undefined {
  if (playbook === undefined) {
    return `playbook "${name}" is not registered in this worker (retired, renamed or misspelled): nothing more is run, a human decides. To fix: route this alert to a registered playbook, or register it again`;
  }
  if (parsed !== undefined && !parsed.ok) {
    return `the route's parameters for ${playbook.name} are wrong (${parsed.problems.join('; ')}): nothing was run. To fix: correct the route's params (medic checks them when it loads the configuration)`;
  }
  return undefined;
}
