import type { Duration } from '@temporalio/common';
import { condition } from '@temporalio/workflow';
import type { HumanAction } from '../definitions.js';
import type { ApprovalResult, EscalationResult } from './playbook-api.js';
import type { Timeline } from './timeline.js';

const MAX_ACTOR = 200;
const MAX_REASON = 2_000;

/** Shared validation of every human action: the audit needs a who and a why. */
export function validateAction(action: HumanAction): void {
  if (typeof action?.by !== 'string' || action.by.trim() === '' || action.by.length > MAX_ACTOR) {
    throw new Error(`"by" must name who is acting (1-${MAX_ACTOR} characters), e.g. --by alice`);
  }
  if (typeof action.reason !== 'string' || action.reason.trim() === '' || action.reason.length > MAX_REASON) {
    throw new Error(`"reason" must say why (1-${MAX_REASON} characters), e.g. --reason "checked the dashboards"`);
  }
}

/**
 * The places where an incident waits for a person: an approval gate, and the acknowledgement
 * of an escalation. Updates flip the flags; playbooks wait on them with a timeout.
 */
export class HumanGates {
  pendingApproval: string | undefined;
  awaitingAck = false;
  acked = false;
  private approval: HumanAction | undefined;
  /** Told whether the incident now waits for a human; the workflow maps that to MedicStatus. */
  onChange: (waiting: boolean) => void = () => undefined;

  constructor(private readonly timeline: Timeline) {}

  async requestApproval(question: string, timeout: Duration): Promise<ApprovalResult> {
    this.pendingApproval = question;
    this.approval = undefined;
    this.timeline.add('approval-requested', `waiting for approval: ${question}`, { data: { timeout: String(timeout) } });
    this.onChange(true);
    try {
      const answered = await condition(() => this.approval !== undefined, timeout, { summary: `waiting for approval: ${question}` });
      if (!answered) {
        this.timeline.add('approval-timed-out', `nobody approved within ${String(timeout)}: ${question}`);
        return 'timed-out';
      }
      return 'approved';
    } finally {
      this.pendingApproval = undefined;
      this.onChange(false);
    }
  }

  approve(action: HumanAction): void {
    this.approval = action;
    this.timeline.add('approved', `approved: ${this.pendingApproval ?? ''} (${action.reason})`, { actor: action.by });
  }

  /** Mark an escalation as sent and unacknowledged, without waiting. */
  awaitAck(): void {
    this.awaitingAck = true;
    this.acked = false;
  }

  async waitForAck(timeout: Duration): Promise<EscalationResult> {
    this.awaitAck();
    this.onChange(true);
    const acked = await condition(() => this.acked, timeout, { summary: 'waiting for a human to ack the escalation' });
    if (!acked) {
      this.timeline.add('ack-timed-out', `nobody acknowledged the escalation within ${String(timeout)}`);
      return 'no-ack';
    }
    return 'acked';
  }

  ack(action: HumanAction): void {
    this.acked = true;
    this.awaitingAck = false;
    this.timeline.add('acked', `escalation acknowledged: ${action.reason}`, { actor: action.by });
  }

  /** Before a retried run: earlier escalations are settled. */
  reset(): void {
    this.awaitingAck = false;
    this.acked = false;
  }
}
