import type { Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';
import { ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { activityNameOf, declarationOf, type ActivityRef, type StepResult } from '../../activities/declarations.js';
import type { IncidentInput, JsonValue, Params } from '../definitions.js';
import type { CompensationStack } from './compensations.js';
import type { Escalations } from './escalations.js';
import type { HumanGates } from './human-gates.js';
import type { IncidentRun } from './incident-run.js';
import type { Journal, JournalEntry } from './journal.js';
import type { PlaybookContext, StepOptions } from './playbook-api.js';
import { failureFacts, runStep, type StepEnv } from './step-runner.js';
import { APPROVAL } from './dry-run-assumptions.js';
import { formatDuration } from '../../src/config/duration-schema.js';

const words = (d: Duration): string => (typeof d === 'number' ? formatDuration(d) : String(d));

export interface ContextDeps {
  input: IncidentInput;
  run: IncidentRun;
  params: Params;
  stepEnv: StepEnv;
  compensations: CompensationStack;
  gates: HumanGates;
  escalations: Escalations;
  journal: Journal;
  /** After each step, done or failed: the workflow keeps its memo of what is left to undo. */
  onStepDone(): void;
}

/** Never resolves: the playbook stops here while the incident continues as new (it re-enters from the journal). */
const parked = (run: IncidentRun): Promise<never> => {
  run.parked = true;
  return new Promise<never>(() => undefined);
};

/** Build the step API a playbook sees for one run. */
export function createPlaybookContext(deps: ContextDeps): PlaybookContext<Params> {
  const { input, run, stepEnv, compensations, gates, journal } = deps;
  const timeline = stepEnv.timeline;
  // Between calls is a safe point: no activity runs, so the incident may continue as new here.
  const checkpoint = async () => {
    if (!journal.replaying && !input.dryRun && run.continueDue()) await parked(run);
  };

  const ctx: PlaybookContext<Params> = {
    incidentId: run.incidentId,
    target: input.target,
    service: input.service,
    alertname: input.alertname,
    severity: input.severity,
    dryRun: input.dryRun,
    params: deps.params,

    async step<K extends string>(name: string, called: K | ActivityRef, options: StepOptions<K> = {}): Promise<StepResult<K>> {
      const activity = activityNameOf(called) as K;
      const done = journal.next<Extract<JournalEntry, { kind: 'step' }>>('step', name, (e) => e.name === name);
      if (done !== undefined) {
        if (done.failure !== undefined) throw ApplicationFailure.create({ type: done.failure.type, nonRetryable: true, message: done.failure.message });
        return done.output as unknown as StepResult<K>;
      }
      await checkpoint();
      const entry = journal.record<Extract<JournalEntry, { kind: 'step' }>>({ kind: 'step', name });
      try {
        const output = await runStep(stepEnv, name, activity, options);
        entry.output = output as unknown as JsonValue;
        const undo = declarationOf(activity).undo;
        if (undo !== undefined && options.undo !== false && !input.dryRun) {
          const params = undo.params?.(output as never);
          compensations.push({ name: undo.name(input.target, output as never), activity: undo.activity, ...(params !== undefined && { params }) });
        }
        return output;
      } catch (err) {
        if (!isCancellation(err)) {
          const facts = failureFacts(err);
          entry.failure = { message: facts.message, type: facts.type };
        }
        throw err;
      } finally {
        deps.onStepDone();
      }
    },

    async optional(what, fn) {
      try {
        return await fn();
      } catch (err) {
        // An abort or a resolution must stop the playbook, however it is written.
        if (isCancellation(err)) throw err;
        if (!journal.replaying) ctx.note(`${what} failed, carrying on without it: ${failureFacts(err).message}`);
        return undefined;
      }
    },

    async approval(question, { timeout }) {
      if (input.dryRun) {
        const assumed = stepEnv.assumed?.next(APPROVAL) === 'timed-out' ? 'timed-out' : 'approved';
        timeline.add('step-dry-run', `would wait up to ${words(timeout)} for approval: ${question} (assumed ${assumed})`);
        return assumed;
      }
      let entry = journal.next<Extract<JournalEntry, { kind: 'approval' }>>('approval', question, (e) => e.question === question);
      if (entry?.result !== undefined) return entry.result;
      if (entry === undefined) {
        await checkpoint();
        entry = journal.record({ kind: 'approval', question, deadline: Date.now() + msToNumber(timeout as Duration) });
        timeline.add('approval-requested', `waiting for approval: ${question}`, { data: { timeout: words(timeout) } });
      }
      run.apply({ type: 'human-needed', gate: 'approval' });
      const end = await gates.waitForApproval(question, entry.deadline, () => run.continueDue());
      if (end === 'interrupted') return parked(run);
      run.apply({ type: 'human-answered' });
      if (end === 'timed-out') timeline.add('approval-timed-out', `nobody approved within ${words(timeout)}: ${question}`);
      entry.result = end === 'answered' ? 'approved' : 'timed-out';
      return entry.result;
    },

    async escalate(reason, { ackTimeout }) {
      let entry = journal.next<Extract<JournalEntry, { kind: 'escalate' }>>('escalate', reason, (e) => e.reason === reason);
      if (entry?.result !== undefined) return entry.result;
      if (entry === undefined) {
        await checkpoint();
        entry = journal.record({ kind: 'escalate', reason, deadline: Date.now() + msToNumber(ackTimeout as Duration) });
        const delivered = await deps.escalations.trigger('escalate', reason);
        timeline.add('escalated', `escalated to a human${delivered ? '' : ' (page NOT delivered)'}: ${reason}`);
        stepEnv.metrics.escalated();
        if (input.dryRun) return (entry.result = 'no-ack');
        gates.awaitAck();
      }
      run.apply({ type: 'human-needed', gate: 'ack' });
      const end = await gates.waitForAck(entry.deadline, () => run.continueDue());
      if (end === 'interrupted') return parked(run);
      run.apply({ type: 'human-answered' });
      if (end === 'timed-out') timeline.add('ack-timed-out', `nobody acknowledged the escalation within ${words(ackTimeout)}`);
      entry.result = end === 'answered' ? 'acked' : 'no-ack';
      return entry.result;
    },

    note(message, data) {
      if (journal.next('note', message, () => true) !== undefined) return;
      journal.record({ kind: 'note' });
      timeline.add('note', message, data === undefined ? {} : { data });
    },
  };
  return ctx;
}
