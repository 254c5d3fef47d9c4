import type { Client } from '@temporalio/client';
import type { Deliverer } from '../src/intake/accept-signals.js';
import { deliverResolved, incidentSummary } from '../src/incidents/open-incident.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from '../src/intake/temporal-deliverer.js';
import { alertSignal, incidentWorkflowId, type IncidentInput } from '../workflows/definitions.js';
import { incidentWorkflow } from '../workflows/index.js';

/**
 * An experiment, not shipped code (`--intake-deliverer signal-only`, see TUNING.md): medic's
 * deliverer does signalWithStart and then describe() on the run, only to tell "opened" from
 * "deduplicated". This one makes the same signalWithStart (the 202 still waits for Temporal to
 * record the signal) and skips the describe, so the bench can say what that second call costs.
 */
export function signalOnlyDeliverer(client: Client, options: { taskQueue: string }): Deliverer {
  const within = <T>(fn: () => Promise<T>): Promise<T> => client.withDeadline(Date.now() + DEFAULT_DELIVERY_TIMEOUT_MS, fn);
  return {
    firing: (signal, route) =>
      within(async () => {
        const input: IncidentInput = {
          fingerprint: signal.fingerprint,
          playbook: route.playbook,
          target: route.target,
          params: route.params,
          dryRun: route.dryRun,
          service: signal.service,
          alertname: signal.alertname,
          severity: signal.severity,
        };
        const incidentId = incidentWorkflowId(signal.fingerprint);
        await client.workflow.signalWithStart(incidentWorkflow, {
          workflowId: incidentId,
          taskQueue: options.taskQueue,
          args: [input],
          signal: alertSignal,
          signalArgs: [signal],
          staticSummary: incidentSummary(signal),
        });
        return { kind: 'incident', incidentId };
      }),
    resolved: (signal) => within(() => deliverResolved(client, signal)),
  };
}
