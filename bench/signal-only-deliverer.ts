import type { Client } from '@temporalio/client';
import type { Deliverer } from '../src/intake/accept-signals.js';
import { deliverResolved, openOrJoinIncident } from '../src/incidents/open-incident.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from '../src/intake/temporal-deliverer.js';

/**
 * An experiment, not shipped code (`--intake-deliverer signal-only`, see TUNING.md): medic's
 * deliverer does signalWithStart and then describe() on the run, only to tell "opened" from
 * "deduplicated". This one makes the same signalWithStart (medic's own, so the 202 still waits for
 * Temporal to record the signal) and skips the describe, so the bench can say what that second
 * call costs.
 */
export function signalOnlyDeliverer(client: Client, options: { taskQueue: string }): Deliverer {
  const within = <T>(fn: () => Promise<T>): Promise<T> => client.withDeadline(Date.now() + DEFAULT_DELIVERY_TIMEOUT_MS, fn);
  return {
    firing: (signal, route) =>
      within(async () => {
        const { incidentId } = await openOrJoinIncident(client, signal, route, options);
        return { kind: 'incident', incidentId };
      }),
    resolved: (signal) => within(() => deliverResolved(client, signal)),
  };
}
