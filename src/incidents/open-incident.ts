import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/index.js';
import { alertSignal, incidentWorkflowId, resolvedSignal, type IncidentInput } from '../../workflows/definitions.js';
import type { RoutedSignal } from '../routing/route-signal.js';
import type { Signal } from '../signals/signal-schema.js';

export type Delivery =
  | { kind: 'incident'; incidentId: string }
  | { kind: 'resolved'; incidentId: string }
  | { kind: 'no-open-incident'; incidentId: string };

export function incidentSummary(signal: Signal): string {
  return `${signal.alertname} on ${signal.service} (${signal.severity})`;
}

/**
 * Hand a signal to Temporal. A firing signal opens the incident for its fingerprint or joins the
 * open one (signalWithStart); a resolved one only signals an open incident, never starts one.
 * Resolves once Temporal has recorded the signal.
 */
export async function deliverSignal(
  client: Client,
  signal: Signal,
  route: RoutedSignal,
  options: { taskQueue: string },
): Promise<Delivery> {
  const incidentId = incidentWorkflowId(signal.fingerprint);
  if (signal.status === 'resolved') {
    try {
      await client.workflow.getHandle(incidentId).signal(resolvedSignal, signal);
      return { kind: 'resolved', incidentId };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { kind: 'no-open-incident', incidentId };
      throw err;
    }
  }
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
  await client.workflow.signalWithStart(incidentWorkflow, {
    workflowId: incidentId,
    taskQueue: options.taskQueue,
    args: [input],
    signal: alertSignal,
    signalArgs: [signal],
    staticSummary: incidentSummary(signal),
    staticDetails: [
      `**Alert:** ${signal.alertname}`,
      `**Service:** ${signal.service}`,
      `**Severity:** ${signal.severity}`,
      `**Playbook:** ${route.playbook} on \`${route.target}\` (route: ${route.route})${route.dryRun ? ', dry run' : ''}`,
      ...(signal.summary !== undefined ? [`**Summary:** ${signal.summary}`] : []),
    ].join('\n'),
  });
  return { kind: 'incident', incidentId };
}
