import { setCurrentDetails, upsertSearchAttributes, workflowInfo, type CancellationScope } from '@temporalio/workflow';
import type { Signal } from '../../src/signals/signal-schema.js';
import type { HumanAction, IncidentInput, IncidentOutcome, IncidentState, IncidentStatus } from '../definitions.js';
import { MedicStatus } from '../search-attributes.js';
import { renderDetails } from './details.js';
import type { HumanGates } from './human-gates.js';
import { outcomeOf, statusOf, transition, type LifecycleEvent, type Phase } from './lifecycle.js';
import type { SignalRecord } from './signal-record.js';
import type { Timeline } from './timeline.js';

/**
 * Signals one run of the workflow takes before it continues as new: far below Temporal's limits
 * (10,000 signals and 51,200 events per run), so a fingerprint firing all day stays signalable.
 */
export const SIGNALS_PER_RUN = 500;
/** Events one run may have before it continues as new (the server suggests it earlier for size). */
export const EVENTS_PER_RUN = 8_000;

/**
 * The mutable state of one incident, shared by the workflow's main loop and its handlers.
 * Handlers only record requests here; the main loop acts on them, in one place. The lifecycle is
 * `phase` (lifecycle.ts): status and outcome are derived from it.
 */
export class IncidentRun {
  phase: Phase = { name: 'opening' };
  runningStep: string | undefined;
  abortRequest: HumanAction | undefined;
  retryRequest: HumanAction | undefined;
  resolvedBy: Signal | undefined;
  /** A resolution that came while the playbook ran may be its own doing (isolation clears an error rate). */
  resolvedWhileRunning = false;
  playbookScope: CancellationScope | undefined;
  /** The playbook stopped at a safe point so the incident can continue as new. */
  parked = false;

  constructor(
    readonly incidentId: string,
    readonly input: IncidentInput,
    readonly timeline: Timeline,
    readonly gates: HumanGates,
    readonly signals: SignalRecord,
  ) {}

  get status(): IncidentStatus {
    return statusOf(this.phase);
  }

  get outcome(): IncidentOutcome | undefined {
    return outcomeOf(this.phase);
  }

  get closed(): boolean {
    return this.phase.name === 'closed';
  }

  get playbookRunning(): boolean {
    return this.playbookScope !== undefined;
  }

  /** Move the lifecycle on; the status, its search attribute and the details follow. */
  apply(event: LifecycleEvent): void {
    const before = this.status;
    this.phase = transition(this.phase, event);
    const after = this.status;
    if (after === before) return;
    upsertSearchAttributes([{ key: MedicStatus, value: after }]);
    this.timeline.add('status', `status is now ${after}`);
    this.refreshDetails();
  }

  /** True when this run should hand over to a new one at its next safe point. */
  continueDue(): boolean {
    const info = workflowInfo();
    return this.signals.thisRun >= SIGNALS_PER_RUN || info.historyLength >= EVENTS_PER_RUN || info.continueAsNewSuggested;
  }

  state(): IncidentState {
    return {
      status: this.status,
      playbook: this.input.playbook,
      target: this.input.target,
      ...(this.runningStep !== undefined && { runningStep: this.runningStep }),
      ...(this.gates.pendingApproval !== undefined && { pendingApproval: this.gates.pendingApproval }),
      awaitingAck: this.gates.awaitingAck,
      signals: this.signals.total,
      repeats: { firing: this.signals.firing.count, resolved: this.signals.resolved.count, ...(this.signals.firing.last !== undefined && { lastFiring: this.signals.firing.last }) },
    };
  }

  /** The "current details" of the Web UI: refreshed whenever something an engineer reads changes. */
  refreshDetails(): void {
    setCurrentDetails(renderDetails(this.incidentId, this.input, this.state(), this.timeline.last(6)));
  }

  setRunningStep(label: string | undefined): void {
    this.runningStep = label;
    this.refreshDetails();
  }

  closedMessage(): string {
    return `incident ${this.incidentId} has already ended (${this.outcome})`;
  }
}
