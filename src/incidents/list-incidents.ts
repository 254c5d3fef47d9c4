import type { Client } from '@temporalio/client';
import { listExecutions } from './list-executions.js';
import { INCIDENT_STATUSES, type IncidentStatus } from '../../workflows/definitions.js';

export interface IncidentFilter {
  status?: IncidentStatus;
  service?: string;
  playbook?: string;
  since?: Date;
  limit?: number;
}

export interface IncidentRow {
  incidentId: string;
  runId: string;
  status: string;
  service: string;
  alert: string;
  severity: string;
  playbook: string;
  startTime: string;
  closeTime?: string;
  workflowStatus: string;
}

// Filter values go into a visibility query: keep them to a safe alphabet instead of escaping.
const SAFE_VALUE = /^[\p{L}\p{N}._:\/@ -]{1,200}$/u;

export class FilterError extends Error {
  override readonly name = 'FilterError';
}

function safe(field: string, value: string): string {
  if (!SAFE_VALUE.test(value)) throw new FilterError(`--${field} "${value}" has characters medic does not put in a query (allowed: letters, digits, . _ : / @ - space)`);
  return value;
}

/** The visibility query for a filter (incidents only: other workflows in the namespace are ignored). */
export function incidentQuery(filter: IncidentFilter): string {
  const parts = [`WorkflowType = "incidentWorkflow"`];
  if (filter.status !== undefined) {
    if (!INCIDENT_STATUSES.includes(filter.status)) throw new FilterError(`--status must be one of ${INCIDENT_STATUSES.join(', ')}`);
    parts.push(`MedicStatus = "${filter.status}"`);
  }
  if (filter.service !== undefined) parts.push(`MedicService = "${safe('service', filter.service)}"`);
  if (filter.playbook !== undefined) parts.push(`MedicPlaybook = "${safe('playbook', filter.playbook)}"`);
  if (filter.since !== undefined) parts.push(`StartTime >= "${filter.since.toISOString()}"`);
  return parts.join(' AND ');
}

export async function listIncidents(client: Client, filter: IncidentFilter): Promise<IncidentRow[]> {
  const rows: IncidentRow[] = [];
  for await (const wf of listExecutions(client, incidentQuery(filter))) {
    rows.push({
      incidentId: wf.workflowId,
      runId: wf.runId,
      status: wf.keyword('MedicStatus'),
      service: wf.keyword('MedicService'),
      alert: wf.keyword('MedicAlert'),
      severity: wf.keyword('MedicSeverity'),
      playbook: wf.keyword('MedicPlaybook'),
      startTime: (wf.startTime ?? new Date(0)).toISOString(),
      ...(wf.closeTime !== undefined && { closeTime: wf.closeTime.toISOString() }),
      workflowStatus: wf.status,
    });
    if (rows.length >= (filter.limit ?? 1000)) break;
  }
  return rows;
}

/** "30m", "24h", "7d" or an ISO date: the start of a reporting period. */
export function parseSince(value: string, now: Date = new Date()): Date {
  const relative = /^(\d+)\s*(m|h|d)$/.exec(value.trim());
  if (relative) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 'm' | 'h' | 'd'];
    return new Date(now.getTime() - Number(relative[1]) * unit);
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new FilterError(`--since "${value}" is neither a duration like 30m, 24h, 7d nor a date`);
  return date;
}
