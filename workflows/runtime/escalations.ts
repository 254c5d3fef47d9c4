import { isCancellation } from '@temporalio/workflow';
import type { IncidentInput } from '../definitions.js';
import { failureFacts, runStep, type StepEnv } from './step-runner.js';

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
  ) {
    this.open = snapshot?.open ?? false;
    this.acked = snapshot?.acked ?? false;
  }

  /**
   * Send the page. Returns whether it was delivered. A page nobody received must not make the
   * outage worse: the failure is recorded loudly and the incident waits for a human with
   * everything left as it is; it never fails the playbook into its undos.
   */
  async trigger(stepName: string, reason: string): Promise<boolean> {
    try {
      await runStep(this.env, stepName, 'escalate', { with: { event: 'trigger', reason, severity: this.input.severity } });
      this.open = !this.input.dryRun;
      this.acked = false;
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.env.timeline.add(
        'note',
        `PAGE NOT DELIVERED: ${failureFacts(err).message}. Nobody was notified: the incident waits here for a human, with everything left as it is`,
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
      await runStep(this.env, `${event} the page`, 'escalate', { with: { event, reason, severity: this.input.severity } });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.env.timeline.add('note', `could not ${event} the page: ${failureFacts(err).message}`);
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
