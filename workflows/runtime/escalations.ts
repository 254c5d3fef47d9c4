import { isCancellation } from '@temporalio/workflow';
import type { IncidentInput } from '../definitions.js';
import { failureFacts, runStep, STOPPED, type StepEnv } from './step-runner.js';

export interface EscalationsSnapshot {
  /** A page went out and has not been resolved. */
  open: boolean;
  acked: boolean;
}

/**
 * Pages a human and keeps the page in step with the incident: `trigger` once, `acknowledge` when
 * someone acks, and `resolve` when the incident closes, so no page outlives its incident.
 */
export class Escalations {
  private open: boolean;
  private acked: boolean;

  constructor(
    private readonly env: StepEnv,
    private readonly input: IncidentInput,
    snapshot?: EscalationsSnapshot,
    /** True once a human aborted: a page not yet sent is called off (unless it is about what the abort left). */
    private readonly aborted: () => boolean = () => false,
  ) {
    this.open = snapshot?.open ?? false;
    this.acked = snapshot?.acked ?? false;
  }

  /**
   * Send the page. Returns whether it was delivered. A page nobody received must not make the
   * outage worse: the failure is recorded loudly and the incident waits for a human with
   * everything left as it is; it never fails the playbook into its undos.
   */
  async trigger(stepName: string, reason: string, options: { evenIfAborted?: boolean } = {}): Promise<boolean> {
    try {
      const stopIf = options.evenIfAborted === true ? undefined : this.aborted;
      await runStep(this.env, stepName, 'escalate', { with: { event: 'trigger', reason, severity: this.input.severity }, ...(stopIf !== undefined && { stopIf }) });
      this.open = !this.input.dryRun;
      this.acked = false;
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      const facts = failureFacts(err);
      if (facts.type === STOPPED) {
        this.env.timeline.add('note', `page not sent: the incident was aborted (${reason})`);
        return false;
      }
      this.env.timeline.add(
        'note',
        `PAGE NOT DELIVERED: ${facts.message}. Nobody was notified: the incident waits here for a human, with everything left as it is`,
        { data: { pageNotDelivered: true } },
      );
      return false;
    }
  }

  /** Best effort: a follow-up that fails is recorded, and never changes the incident's outcome. */
  async followUp(event: 'acknowledge' | 'resolve', reason: string): Promise<void> {
    if (!this.open || this.input.dryRun) return;
    if (event === 'acknowledge') this.acked = true;
    else this.open = false;
    try {
      // Retried as patiently as an undo: a page left open keeps paging someone.
      await runStep(this.env, `${event} the page`, 'escalate', { with: { event, reason, severity: this.input.severity }, retry: 'compensation' });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.env.timeline.add('note', `PAGE STILL OPEN: could not ${event} it: ${failureFacts(err).message}. Close it by hand in the paging tool`, { data: { pageNotClosed: event } });
    }
  }

  /** At close: a page still open is resolved, unless a human acknowledged it and the incident did not recover. */
  async close(outcome: string): Promise<void> {
    if (!this.open) return;
    const humanOwnsIt = this.acked && (outcome === 'escalated' || outcome === 'failed');
    if (!humanOwnsIt) await this.followUp('resolve', `incident ${outcome}`);
  }

  snapshot(): EscalationsSnapshot {
    return { open: this.open, acked: this.acked };
  }
}
