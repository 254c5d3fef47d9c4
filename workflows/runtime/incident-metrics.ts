import { metricMeter } from '@temporalio/workflow';
import type { IncidentOutcome } from '../definitions.js';

// The figures of `medic report`, as Prometheus metrics of the worker (the SDK's metric meter:
// exported by the worker's Prometheus endpoint, and not emitted again during replay).

export interface IncidentMetrics {
  stepAttempt(activity: string, result: 'succeeded' | 'failed', durationMs: number): void;
  escalated(): void;
  closed(outcome: IncidentOutcome, recoverySeconds: number | undefined): void;
}

export function incidentMetrics(playbook: string, dryRun: boolean): IncidentMetrics {
  const meter = metricMeter.withTags({ playbook, dry_run: String(dryRun) });
  const attempts = meter.createCounter('medic_step_attempts', 'attempts', 'Step attempts by activity and result');
  const stepDuration = meter.createHistogram('medic_step_duration', 'int', 'ms', 'Duration of one step attempt');
  const escalations = meter.createCounter('medic_escalations', 'escalations', 'Escalations to a human');
  const closed = meter.createCounter('medic_incidents_closed', 'incidents', 'Incidents closed, by outcome');
  const recovery = meter.createHistogram('medic_time_to_recovery', 'float', 's', 'Detection to verified recovery (MTTR)');
  return {
    stepAttempt(activity, result, durationMs) {
      attempts.add(1, { activity, result });
      stepDuration.record(Math.max(0, Math.round(durationMs)), { activity });
    },
    escalated() {
      escalations.add(1);
    },
    closed(outcome, recoverySeconds) {
      closed.add(1, { outcome });
      if (recoverySeconds !== undefined) recovery.record(recoverySeconds);
    },
  };
}
