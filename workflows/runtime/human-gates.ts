import { condition } from '@temporalio/workflow';
import type { HumanAction } from '../definitions.js';
import type { Timeline } from './timeline.js';

const MAX_ACTOR = 200;
const MAX_REASON = 2_000;

/** The one who-and-why check of every human action: the audit needs a who and a why. */
export function validateAction(action: HumanAction): void {
  if (typeof action?.by !== 'string' || action.by.trim() === '' || action.by.length > MAX_ACTOR) {
    throw new Error(`"by" must name who is acting (1-${MAX_ACTOR} characters), e.g. --by alice`);
  }
  if (typeof action.reason !== 'string' || action.reason.trim() === '' || action.reason.length > MAX_REASON) {
    throw new Error(`"reason" must say why (1-${MAX_REASON} characters), e.g. --reason "checked the dashboards"`);
  }
}

export interface GatesSnapshot {
  pendingApproval?: string;
  awaitingAck: boolean;
  acked: boolean;
}

/** How a wait for a person ended: answered, timed out, or interrupted so the incident can continue as new. */
export type WaitEnd = 'answered' | 'timed-out' | 'interrupted';

/**
 * The places where an incident waits for a person: an approval gate, and the acknowledgement of
 * an escalation. Updates flip the flags; playbooks wait on them until an absolute deadline (so a
 * wait that continues as new keeps its deadline).
 */
export class HumanGates {
  pendingApproval: string | undefined;
  awaitingAck: boolean;
  acked: boolean;
  private approval: HumanAction | undefined;

  constructor(
    private readonly timeline: Timeline,
    snapshot?: GatesSnapshot,
  ) {
    this.pendingApproval = snapshot?.pendingApproval;
    this.awaitingAck = snapshot?.awaitingAck ?? false;
    this.acked = snapshot?.acked ?? false;
  }

  /** Wait for `approve` until `deadline` (workflow time, ms); `interrupt` ends the wait early. */
  async waitForApproval(question: string, deadline: number, interrupt: () => boolean): Promise<WaitEnd> {
    this.pendingApproval = question;
    const answered = await condition(() => this.approval !== undefined || interrupt(), Math.max(1, deadline - Date.now()));
    if (this.approval !== undefined) {
      this.approval = undefined;
      this.pendingApproval = undefined;
      return 'answered';
    }
    if (answered) return 'interrupted';
    this.pendingApproval = undefined;
    return 'timed-out';
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

  /** Wait for `ack` until `deadline` (workflow time, ms); `interrupt` ends the wait early. */
  async waitForAck(deadline: number, interrupt: () => boolean): Promise<WaitEnd> {
    const done = await condition(() => this.acked || interrupt(), Math.max(1, deadline - Date.now()));
    if (this.acked) return 'answered';
    return done ? 'interrupted' : 'timed-out';
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

  snapshot(): GatesSnapshot {
    return { ...(this.pendingApproval !== undefined && { pendingApproval: this.pendingApproval }), awaitingAck: this.awaitingAck, acked: this.acked };
  }
}
