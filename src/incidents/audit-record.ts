import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';
import { timelineQuery, type IncidentResult, type TimelineEntry } from '../../workflows/definitions.js';
import { decodeHistory } from '../temporal/decode-history.js';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export interface AuditEvent {
  id: number;
  time: string;
  type: string;
  /** One line for a human. */
  what: string;
  details?: unknown;
}

/** The complete record of an incident from its event history: what was done, to what, by whom. */
export interface AuditRecord {
  incidentId: string;
  runId: string;
  workflowStatus: string;
  input: unknown;
  outcome?: string;
  timeline?: TimelineEntry[];
  events: AuditEvent[];
}

function decode(payloads: Payload[] | null | undefined): unknown[] {
  return (payloads ?? []).map((p) => {
    try {
      return defaultPayloadConverter.fromPayload(p);
    } catch {
      return '<encrypted payload: set MEDIC_ENCRYPTION_KEY or MEDIC_ENCRYPTION_KEY_FILE to read it>';
    }
  });
}

const summaryOf = (e: { userMetadata?: temporal.api.sdk.v1.IUserMetadata | null }): string | undefined => {
  const payload = e.userMetadata?.summary;
  return payload ? String(decode([payload as Payload])[0]) : undefined;
};

function describe(e: HistoryEvent): { what: string; details?: unknown } {
  const a = e;
  if (a.workflowExecutionStartedEventAttributes) return { what: 'incident opened', details: decode(a.workflowExecutionStartedEventAttributes.input?.payloads as Payload[])[0] };
  if (a.workflowExecutionSignaledEventAttributes) {
    const s = a.workflowExecutionSignaledEventAttributes;
    return { what: `signal ${s.signalName}`, details: decode(s.input?.payloads as Payload[])[0] };
  }
  if (a.workflowExecutionUpdateAcceptedEventAttributes) {
    const req = a.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input;
    return { what: `human action ${req?.name} accepted`, details: decode(req?.args?.payloads as Payload[])[0] };
  }
  if (a.workflowExecutionUpdateCompletedEventAttributes) return { what: 'human action completed' };
  if (a.activityTaskScheduledEventAttributes) {
    const s = a.activityTaskScheduledEventAttributes;
    return { what: `scheduled ${s.activityType?.name}: ${summaryOf(e) ?? ''}`.trim(), details: decode(s.input?.payloads as Payload[])[0] };
  }
  if (a.activityTaskStartedEventAttributes) return { what: `activity started (attempt ${a.activityTaskStartedEventAttributes.attempt}) by ${a.activityTaskStartedEventAttributes.identity}` };
  if (a.activityTaskCompletedEventAttributes) return { what: 'activity completed', details: decode(a.activityTaskCompletedEventAttributes.result?.payloads as Payload[])[0] };
  if (a.activityTaskFailedEventAttributes) return { what: `activity failed: ${a.activityTaskFailedEventAttributes.failure?.message}` };
  if (a.activityTaskTimedOutEventAttributes) return { what: `activity timed out: ${a.activityTaskTimedOutEventAttributes.failure?.message}` };
  if (a.activityTaskCancelRequestedEventAttributes) return { what: 'activity cancel requested' };
  if (a.activityTaskCanceledEventAttributes) return { what: 'activity cancelled' };
  if (a.timerStartedEventAttributes) return { what: `timer started: ${summaryOf(e) ?? a.timerStartedEventAttributes.timerId}` };
  if (a.timerFiredEventAttributes) return { what: 'timer fired' };
  if (a.upsertWorkflowSearchAttributesEventAttributes) {
    const fields = a.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
    const values = Object.fromEntries(Object.entries(fields).map(([k, p]) => [k, decode([p as Payload])[0]]));
    return { what: `search attributes ${Object.entries(values).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`, details: values };
  }
  if (a.workflowExecutionCompletedEventAttributes) return { what: 'incident closed', details: decode(a.workflowExecutionCompletedEventAttributes.result?.payloads as Payload[])[0] };
  if (a.workflowExecutionFailedEventAttributes) return { what: `incident workflow failed: ${a.workflowExecutionFailedEventAttributes.failure?.message}` };
  if (a.workflowExecutionCanceledEventAttributes) return { what: 'incident workflow cancelled' };
  if (a.workflowExecutionCancelRequestedEventAttributes) return { what: `cancellation requested by ${a.workflowExecutionCancelRequestedEventAttributes.identity}` };
  if (a.workflowExecutionTerminatedEventAttributes) {
    const t = a.workflowExecutionTerminatedEventAttributes;
    return { what: `terminated by ${t.identity}: ${t.reason}` };
  }
  if (a.workflowTaskFailedEventAttributes) return { what: `workflow task failed: ${a.workflowTaskFailedEventAttributes.failure?.message ?? a.workflowTaskFailedEventAttributes.cause}` };
  return { what: '' };
}

const eventTypeName = (type: temporal.api.enums.v1.EventType | null | undefined): string =>
  (proto.temporal.api.enums.v1.EventType[type ?? 0] ?? 'UNKNOWN').replace(/^EVENT_TYPE_/, '');

// Bookkeeping events of the workflow task protocol say nothing to an auditor.
const NOISE = new Set(['WORKFLOW_TASK_SCHEDULED', 'WORKFLOW_TASK_STARTED', 'WORKFLOW_TASK_COMPLETED']);

export async function auditRecord(client: Client, incidentId: string, options: { includeTaskEvents?: boolean } = {}): Promise<AuditRecord> {
  const handle = client.workflow.getHandle(incidentId);
  const description = await handle.describe();
  const history = await handle.fetchHistory();
  // Encrypted payloads (MEDIC_ENCRYPTION_KEY) are decrypted with the client's codec before reading.
  await decodeHistory(history, client.options.loadedDataConverter.payloadCodecs);
  const events = (history.events ?? [])
    .map((e) => {
      const type = eventTypeName(e.eventType);
      const seconds = Number(e.eventTime?.seconds ?? 0);
      const nanos = Number(e.eventTime?.nanos ?? 0);
      return { id: Number(e.eventId ?? 0), time: new Date(seconds * 1000 + nanos / 1e6).toISOString(), type, ...describe(e) };
    })
    .filter((e) => options.includeTaskEvents === true || !NOISE.has(e.type));
  const input = events.find((e) => e.type === 'WORKFLOW_EXECUTION_STARTED')?.details;
  const completed = events.find((e) => e.type === 'WORKFLOW_EXECUTION_COMPLETED')?.details as IncidentResult | undefined;
  let timeline = completed?.timeline;
  if (timeline === undefined && description.status.name === 'RUNNING') timeline = await handle.query(timelineQuery);
  return {
    incidentId,
    runId: description.runId,
    workflowStatus: description.status.name,
    input,
    ...(completed !== undefined && { outcome: completed.outcome }),
    ...(timeline !== undefined && { timeline }),
    events,
  };
}
