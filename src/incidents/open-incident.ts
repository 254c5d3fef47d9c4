import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/index.js';
import { alertSignal, incidentWorkflowId, resolvedSignal, type IncidentInput } from '../../workflows/definitions.js';
import type { RoutedSignal } from '../routing/route-signal.js';
import type { Signal } from '../signals/signal-schema.js';
import { signalWithStartReportingStart } from './signal-with-start.js';

export type Delivery =
  /**
   * Recorded in run `runId` of the incident for the signal's fingerprint. `opened` says whether this
   * call started the incident (true) or joined the one already open (false), as Temporal answered.
   */
  | { kind: 'incident'; incidentId: string; runId?: string | undefined; opened: boolean }
  | { kind: 'resolved'; incidentId: string }
  | { kind: 'no-open-incident'; incidentId: string };

/** temporal.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING */
const STATUS_RUNNING = 1;

export function incidentSummary(signal: Signal): string {
  return `${signal.alertname} on ${signal.service} (${signal.severity})`;
}

/**
 * Hand a signal to Temporal. A firing signal opens the incident for its fingerprint or joins the
 * open one (signalWithStart); a resolved one only signals an open incident, never starts one.
 * Resolves once Temporal has recorded the signal. Opened or joined comes from the signalWithStart
 * answer itself (one call per alert).
 */
export async function deliverSignal(
  client: Client,
  signal: Signal,
  route: RoutedSignal,
  options: { taskQueue: string },
): Promise<Delivery> {
  if (signal.status === 'resolved') return deliverResolved(client, signal);
  const incidentId = incidentWorkflowId(signal.fingerprint);
  const input: IncidentInput = {
    fingerprint: signal.fingerprint,
    playbook: route.playbook,
    target: route.target,
    params: route.params,
    dryRun: route.dryRun,
    ...(route.dryRun && route.assume !== undefined && { assume: route.assume }),
    service: signal.service,
    alertname: signal.alertname,
    severity: signal.severity,
  };
  const { runId, started } = await signalWithStartReportingStart(client, {
    workflowId: incidentId,
    workflowType: incidentWorkflow.name,
    taskQueue: options.taskQueue,
    args: [input],
    signalName: alertSignal.name,
    signalArgs: [signal],
    staticSummary: incidentSummary(signal),
    staticDetails: incidentDetails(signal, route),
  });
  return { kind: 'incident', incidentId, runId, opened: started };
}

/** The markdown the Web UI shows for an incident, from the signal that opened it. */
function incidentDetails(signal: Signal, route: RoutedSignal): string {
  return [
    `**Alert:** ${signal.alertname}`,
    `**Service:** ${signal.service}`,
    `**Severity:** ${signal.severity}`,
    `**Playbook:** ${route.playbook} on \`${route.target}\` (route: ${route.route})${route.dryRun ? ', dry run' : ''}`,
    ...(signal.summary !== undefined ? [`**Summary:** ${signal.summary}`] : []),
  ].join('\n');
}

/**
 * Whether run `runId` of an incident is still running: what makes a remembered "recorded in this
 * incident" still true (src/intake/shared-deliveries.ts). A read, far cheaper for Temporal than
 * the signalWithStart it replaces; any doubt (not found, unreachable) reads as "not open".
 */
export async function incidentRunIsOpen(client: Client, incidentId: string, runId: string): Promise<boolean> {
  try {
    const described = await client.workflowService.describeWorkflowExecution({
      namespace: client.options.namespace,
      execution: { workflowId: incidentId, runId },
    });
    return described.workflowExecutionInfo?.status === STATUS_RUNNING;
  } catch {
    return false;
  }
}

/** A resolved signal only ever signals the open incident for its fingerprint; it never starts one. */
export async function deliverResolved(client: Client, signal: Signal): Promise<Delivery> {
  const incidentId = incidentWorkflowId(signal.fingerprint);
  try {
    await client.workflow.getHandle(incidentId).signal(resolvedSignal, signal);
    return { kind: 'resolved', incidentId };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'no-open-incident', incidentId };
    throw err;
  }
}
