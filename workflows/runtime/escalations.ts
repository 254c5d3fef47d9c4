import { isCancellation, patched } from '@temporalio/workflow';
import type { IncidentInput } from '../definitions.js';
import { RETRY } from './retry-profiles.js';
import { failureFacts, runStep, type StepEnv } from './step-runner.js';

/** Patch id: a page that could not be delivered holds the incident instead of failing the playbook. */
export const PATCH_ESCALATION_FAILURE_HOLDS = 'escalation-failure-holds';
/** Patch id: acknowledgements and closings follow the page (PagerDuty acknowledge / resolve). */
export const PATCH_ESCALATION_FOLLOW_UP = 'escalation-follow-up';

/**
 * Pages a human and keeps the page in step with the incident: `trigger` once, then `acknowledge`
 * when someone acks and `resolve` when the incident ends without needing them any more.
 */
export class Escalations {
  private triggered = false;

  constructor(
    private readonly env: StepEnv,
    private readonly input: IncidentInput,
  ) {}

  /**
   * Send the page. Returns whether it was delivered. A page nobody received must not make the
   * outage worse: with the patch, the failure is recorded loudly and the incident waits for a
   * human, with everything left as it is; it does not fail the playbook into its compensations.
   */
  async trigger(stepName: string, reason: string): Promise<boolean> {
    try {
      await runStep(this.env, {
        name: stepName,
        activity: 'escalate',
        with: { event: 'trigger', reason, severity: this.input.severity },
        retry: RETRY.quick,
        dryRunResult: { summary: 'dry run: nobody notified' },
      });
      this.triggered = true;
      return true;
    } catch (err) {
      if (isCancellation(err) || !patched(PATCH_ESCALATION_FAILURE_HOLDS)) throw err;
      this.env.timeline.add(
        'note',
        `PAGE NOT DELIVERED: ${failureFacts(err).message}. Nobody was notified: the incident waits here for a human, with everything left as it is`,
      );
      return false;
    }
  }

  /** Best effort: a follow-up that fails is recorded, and never changes the incident's outcome. */
  async followUp(event: 'acknowledge' | 'resolve', reason: string): Promise<void> {
    if (!this.triggered || this.input.dryRun || !patched(PATCH_ESCALATION_FOLLOW_UP)) return;
    try {
      await runStep(this.env, {
        name: `${event} the page`,
        activity: 'escalate',
        with: { event, reason, severity: this.input.severity },
        retry: RETRY.quick,
        dryRunResult: { summary: 'dry run' },
      });
    } catch (err) {
      if (isCancellation(err)) throw err;
      this.env.timeline.add('note', `could not ${event} the page: ${failureFacts(err).message}`);
    }
  }
}
