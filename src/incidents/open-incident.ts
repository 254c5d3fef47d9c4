import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/index.js';
import { alertSignal, incidentWorkflowId, resolvedSignal, type IncidentInput } from '../../workflows/definitions.js';
import type { RoutedSignal } from '../routing/route-signal.js';
import type { Signal } from '../signals/signal-schema.js';

export type Delivery =
  /**
   * Recorded in the incident for the signal's fingerprint. `opened` says whether this call started
   * the incident (true) or joined the one already open (false); undefined if that could not be told.
   */
  | { kind: 'incident'; incidentId: string; opened?: boolean | undefined }
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
  if (signal.status === 'resolved') return deliverResolved(client, signal);
  const { incidentId, signaledRunId, openedBy } = await openOrJoinIncident(client, signal, route, options);
  return { kind: 'incident', incidentId, opened: await startedBy(client, incidentId, signaledRunId, openedBy) };
}

/**
 * The signalWithStart of a firing signal, alone: opens the incident for its fingerprint or joins
 * the open one, and resolves once Temporal has recorded the signal. `openedBy` is the token left in
 * the memo of the run this call would start. Use deliverSignal; this is for measuring the call on
 * its own (bench/signal-only-deliverer.ts).
 */
export async function openOrJoinIncident(
  client: Client,
  signal: Signal,
  route: RoutedSignal,
  options: { taskQueue: string },
): Promise<{ incidentId: string; signaledRunId: string; openedBy: string }> {
  const incidentId = incidentWorkflowId(signal.fingerprint);
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
  // Each call leaves a token in the memo of the run it would start; finding our own token on the
  // run that was signalled proves this call started it. (The SDK drops the server's `started` flag.)
  const openedBy = randomUUID();
  const handle = await client.workflow.signalWithStart(incidentWorkflow, {
    workflowId: incidentId,
    memo: { [OPENED_BY_MEMO]: { delivery: openedBy, signalId: signal.id } },
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
  return { incidentId, signaledRunId: handle.signaledRunId, openedBy };
}

/** Memo key naming the signal (and delivery) that opened an incident. */
export const OPENED_BY_MEMO = 'medicOpenedBy';

async function startedBy(client: Client, incidentId: string, runId: string, token: string): Promise<boolean | undefined> {
  try {
    const { memo } = await client.workflow.getHandle(incidentId, runId).describe();
    const openedBy = memo?.[OPENED_BY_MEMO] as { delivery?: string } | undefined;
    return openedBy?.delivery === token;
  } catch {
    // The signal is recorded either way; only the opened/joined count is unknown.
    return undefined;
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
