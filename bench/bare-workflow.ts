// The floor: what a hand-written Temporal workflow costs for the same steps, with no medic in it
// (no intake, routing, timeline, search attributes, details, guards or retry loop). Started by
// signalWithStart like an incident; runs the same five no-op activities as http-service-outage's
// happy path, with the same timeouts and one attempt each.
import { defineSignal, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { MedicActivities } from '../activities/contract.js';
import type { Params } from '../workflows/definitions.js';

export const BARE_STEPS = ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'] as const;

export interface BareInput {
  target: string;
  params: Params;
}

/** Repeats of the same alert join the running workflow, as incidents do. */
export const bareAlertSignal = defineSignal<[{ id: string }]>('alert');

const steps = proxyActivities<MedicActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

export async function bareIncidentWorkflow(input: BareInput): Promise<number> {
  const seen = new Set<string>();
  setHandler(bareAlertSignal, (signal) => {
    seen.add(signal.id);
  });
  const stepInput = { incidentId: workflowInfo().workflowId, target: input.target, params: input.params };
  for (const step of BARE_STEPS) await steps[step](stepInput);
  return seen.size;
}
