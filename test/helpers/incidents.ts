import type { WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { sendHumanAction } from '../../src/incidents/human-actions.js';
import { deliverSignal } from '../../src/incidents/open-incident.js';
import type { RoutedSignal } from '../../src/routing/route-signal.js';
import { makeSignal } from '../../src/signals/make-signal.js';
import type { Signal, SignalInput } from '../../src/signals/signal-schema.js';
import { signalsQuery, type HumanAction, type IncidentResult, type IncidentState, type TimelineEntry, type TimelineKind } from '../../workflows/definitions.js';
import type { incidentWorkflow } from '../../workflows/index.js';
import { testTemporal } from './temporal.js';

export function testSignal(fingerprint: string, overrides: Partial<SignalInput> = {}): Signal {
  return makeSignal({
    alertname: 'HighErrorRate',
    service: 'checkout-api',
    severity: 'critical',
    source: 'generic',
    fingerprint,
    ...overrides,
  });
}

export function testRoute(overrides: Partial<RoutedSignal> = {}): RoutedSignal {
  // Tests close recovered incidents at once unless they test the settle window.
  return { route: 'test', playbook: 'http-service-outage', target: 'checkout-api-1', dryRun: false, ...overrides, params: { settleFor: '0s', ...overrides.params } };
}

/** Deliver a signal the way the intake does, and return the incident's handle. */
export async function openIncident(
  taskQueue: string,
  signal: Signal,
  route: RoutedSignal = testRoute(),
): Promise<WorkflowHandle<typeof incidentWorkflow>> {
  const { client } = await testTemporal();
  const delivery = await deliverSignal(client, signal, route, { taskQueue });
  return client.workflow.getHandle<typeof incidentWorkflow>(delivery.incidentId);
}

/** A human action as the CLI sends it (resends an update the server dropped). */
export async function act(
  handle: WorkflowHandle,
  update: UpdateDefinition<IncidentState, [HumanAction]>,
  by = 'test',
  reason = 'test',
): Promise<IncidentState> {
  const { client } = await testTemporal();
  return sendHumanAction(client, handle.workflowId, update, { by, reason });
}

export function kinds(timeline: TimelineEntry[]): TimelineKind[] {
  return timeline.map((e) => e.kind);
}

export function entriesOf(result: IncidentResult, kind: TimelineKind): TimelineEntry[] {
  return result.timeline.filter((e) => e.kind === kind);
}

/** The ids of the signals an incident recorded (repeats are counted, not listed in its timeline). */
export async function recordedSignalIds(handle: WorkflowHandle): Promise<string[]> {
  return (await handle.query(signalsQuery)).ids;
}

/** How many times an activity of this type completed in the incident's history (a waiter's holder checks, say). */
export async function completedActivities(handle: WorkflowHandle, activityType: string): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(events.flatMap((e) => (e.activityTaskScheduledEventAttributes?.activityType?.name === activityType ? [String(e.eventId)] : [])));
  return events.filter((e) => scheduled.has(String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? ''))).length;
}
