import { setCurrentDetails, upsertSearchAttributes, type CancellationScope } from '@temporalio/workflow';
import type { Signal } from '../../src/signals/signal-schema.js';
import type { HumanAction, IncidentInput, IncidentOutcome, IncidentState, IncidentStatus } from '../definitions.js';
import { MedicStatus } from '../search-attributes.js';
import { renderDetails } from './details.js';
import type { HumanGates } from './human-gates.js';
import type { Timeline } from './timeline.js';

/**
 * The mutable state of one incident, shared by the workflow's main loop and its handlers.
 * Handlers only record requests here; the main loop acts on them, in one place.
 */
export class IncidentRun {
  status: IncidentStatus = 'open';
  runningStep: string | undefined;
  outcome: IncidentOutcome | undefined;
  abortRequest: HumanAction | undefined;
  retryRequest: HumanAction | undefined;
  resolvedBy: Signal | undefined;
  /** Escalated or failed, waiting for a human to retry or abort. */
  holding = false;
  heldOutcome: 'escalated' | 'failed' = 'escalated';
  playbookScope: CancellationScope | undefined;
  playbookRunning = false;
  resolvedDuringHold = false;
  resolvedAfterRun = false;
  /** Set once the final status is in place: what an abort answers with. */
  closed = false;
  readonly seenSignals = new Set<string>();

  constructor(
    readonly incidentId: string,
    readonly input: IncidentInput,
    readonly timeline: Timeline,
    readonly gates: HumanGates,
  ) {}

  state(): IncidentState {
    return {
      status: this.status,
      playbook: this.input.playbook,
      target: this.input.target,
      ...(this.runningStep !== undefined && { runningStep: this.runningStep }),
      ...(this.gates.pendingApproval !== undefined && { pendingApproval: this.gates.pendingApproval }),
      awaitingAck: this.gates.awaitingAck,
      signals: this.seenSignals.size,
    };
  }

  /** The "current details" of the Web UI: refreshed whenever something an engineer reads changes. */
  refreshDetails(): void {
    setCurrentDetails(renderDetails(this.incidentId, this.input, this.state(), this.timeline.last(6)));
  }

  setStatus(next: IncidentStatus): void {
    if (next === this.status) return;
    this.status = next;
    upsertSearchAttributes([{ key: MedicStatus, value: next }]);
    this.timeline.add('status', `status is now ${next}`);
    this.refreshDetails();
  }

  setRunningStep(label: string | undefined): void {
    this.runningStep = label;
    this.refreshDetails();
  }

  closedMessage(): string {
    return `incident ${this.incidentId} has already ended (${this.outcome})`;
  }
}
