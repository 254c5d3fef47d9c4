import type { Client } from '@temporalio/client';
import { deliverSignal } from '../../src/incidents/open-incident.js';
import type { RoutedSignal } from '../../src/routing/route-signal.js';
import type { Signal } from '../../src/signals/signal-schema.js';

/** Deliver a firing signal as the intake does; the run it landed in comes from Temporal's own answer. */
export async function openOrJoin(client: Client, signal: Signal, route: RoutedSignal, options: { taskQueue: string }): Promise<{ incidentId: string; signaledRunId: string }> {
  const delivery = await deliverSignal(client, signal, route, options);
  if (delivery.kind !== 'incident') throw new Error(`expected ${signal.id} to open or join an incident, got ${delivery.kind}`);
  if (delivery.runId === undefined) throw new Error(`Temporal did not say which run of ${delivery.incidentId} took ${signal.id}`);
  return { incidentId: delivery.incidentId, signaledRunId: delivery.runId };
}
