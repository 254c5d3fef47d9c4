import type { Client } from '@temporalio/client';
import { deliverResolved, deliverSignal, incidentRunIsOpen } from '../incidents/open-incident.js';
import type { Deliverer } from './accept-signals.js';

/** Alertmanager gives a webhook at least 10 s; answer well before, so a 503 reaches it. */
export const DEFAULT_DELIVERY_TIMEOUT_MS = 5_000;

/**
 * The real deliverer: signalWithStart / signal on the incident workflow. Each call has a deadline,
 * so an unreachable Temporal becomes a prompt 503 rather than a request that hangs on retries.
 */
export function temporalDeliverer(client: Client, options: { taskQueue: string; timeoutMs?: number }): Deliverer {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  const within = <T>(fn: () => Promise<T>): Promise<T> => client.withDeadline(Date.now() + timeoutMs, fn);
  return {
    firing: (signal, route) => within(() => deliverSignal(client, signal, route, { taskQueue: options.taskQueue })),
    resolved: (signal) => within(() => deliverResolved(client, signal)),
  };
}

/**
 * Whether an incident run still runs, within the same deadline: what lets the intake answer a
 * retry from memory only while the answer is still true (see shared-deliveries.ts).
 */
export function temporalRunCheck(client: Client, options: { timeoutMs?: number } = {}): (incidentId: string, runId: string) => Promise<boolean> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  return (incidentId, runId) => client.withDeadline(Date.now() + timeoutMs, () => incidentRunIsOpen(client, incidentId, runId));
}
