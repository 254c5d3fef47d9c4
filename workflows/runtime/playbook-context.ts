import type { IncidentInput } from '../definitions.js';
import type { CompensationStack } from './compensations.js';
import type { Escalations } from './escalations.js';
import type { HumanGates } from './human-gates.js';
import type { ActivityName, ActivityOutput } from '../../activities/contract.js';
import type { PlaybookContext, StepSpec } from './playbook-api.js';
import { runStep, type StepEnv } from './step-runner.js';

export interface ContextDeps {
  input: IncidentInput;
  incidentId: string;
  stepEnv: StepEnv;
  compensations: CompensationStack;
  gates: HumanGates;
  escalations: Escalations;
}

/** Build the step API a playbook sees for one run. */
export function createPlaybookContext(deps: ContextDeps): PlaybookContext {
  const { input, stepEnv, compensations, gates } = deps;
  return {
    incidentId: deps.incidentId,
    target: input.target,
    service: input.service,
    alertname: input.alertname,
    severity: input.severity,
    dryRun: input.dryRun,
    params: input.params,

    async step<K extends ActivityName>(spec: StepSpec<K>): Promise<ActivityOutput<K>> {
      const output: ActivityOutput<K> = await runStep(stepEnv, spec);
      if (spec.compensate !== undefined) {
        compensations.push(typeof spec.compensate === 'function' ? spec.compensate(output) : spec.compensate);
      }
      return output;
    },

    async approval(question, { timeout }) {
      if (input.dryRun) {
        stepEnv.timeline.add('step-dry-run', `would wait up to ${String(timeout)} for approval: ${question}`);
        return 'approved';
      }
      return gates.requestApproval(question, timeout);
    },

    async escalate(reason, { ackTimeout }) {
      const delivered = await deps.escalations.trigger('escalate', reason);
      stepEnv.timeline.add('escalated', `escalated to a human${delivered ? '' : ' (page NOT delivered)'}: ${reason}`);
      stepEnv.metrics.escalated();
      if (input.dryRun) return 'no-ack';
      return gates.waitForAck(ackTimeout);
    },

    note(message, data) {
      stepEnv.timeline.add('note', message, data === undefined ? {} : { data });
    },
  };
}
