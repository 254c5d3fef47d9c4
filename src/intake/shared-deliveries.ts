import type { Delivery } from '../incidents/open-incident.js';
import type { Deliverer } from './accept-signals.js';

export interface SharedDeliveriesOptions {
  /** Recorded signals remembered at most (the oldest are forgotten first). */
  maxRecorded?: number;
  /** How long a recorded signal is remembered: longer than any sender keeps retrying one request. */
  recordedForMs?: number;
  /**
   * Whether the run a signal was recorded in still runs (`incidentRunIsOpen`). Without it nothing
   * is answered from memory: only deliveries still in flight are shared.
   */
  isOpen?: (incidentId: string, runId: string) => Promise<boolean>;
  now?: () => number;
}

type Remembered = { delivery: Extract<Delivery, { kind: 'incident' }> & { runId: string }; at: number };

/** A recorded delivery, as seen by a later delivery of the same signal. */
function again(delivery: Delivery): Delivery {
  return delivery.kind === 'incident' && delivery.opened === true ? { ...delivery, opened: false } : delivery;
}

/**
 * One delivery per signal id at a time, and none again while it is remembered as recorded in an
 * incident that is still open.
 *
 * A request that misses its deadline answers 503 and leaves its deliveries in flight; the sender
 * retries with the same ids. Without this, the retry would send every signal to Temporal again
 * while the first ones are still queued there: under overload each retry adds load, the next
 * request is slower still, and retries can chase the deadline for ever. With it, a retry joins
 * the deliveries still in flight and takes the result of those recorded, so every retry makes
 * progress and Temporal sees each signal once.
 *
 * A remembered answer is served only while it is still true. A signal answered from memory
 * reports what Temporal would say to a second delivery while the incident is open: it was already
 * open (`deduplicated`, not `opened` again). Once the run it was recorded in has closed, Temporal
 * would start a new incident for the same signal, so the memory is dropped and the signal is
 * delivered again: never "deduplicated" into an incident that has closed since. That check is one
 * read of the run's status, far cheaper for Temporal than the write it saves. Only firing
 * deliveries are remembered: a resolution's truth ("reached the open incident", "none open")
 * changes with every incident that opens or closes, so a retry of one asks Temporal again.
 *
 * A request that joins a delivery in flight reports its result as is: usually the request that
 * started it missed its deadline, and counted it as failed, not opened.
 *
 * This is an optimisation, not the guarantee: the incident drops a signal id it already has, which
 * is what keeps a retry to another intake, or after a restart, from doubling anything. A failed
 * delivery is not remembered, so the retry tries Temporal again.
 */
export function sharedDeliveries(inner: Deliverer, options: SharedDeliveriesOptions = {}): Deliverer {
  const maxRecorded = options.maxRecorded ?? 50_000;
  const recordedForMs = options.recordedForMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const isOpen = options.isOpen;
  const inFlight = new Map<string, Promise<Delivery>>();
  // Insertion order is age order: eviction drops the oldest.
  const recorded = new Map<string, Remembered>();

  const remember = (key: string, result: Delivery): void => {
    if (isOpen === undefined || result.kind !== 'incident' || result.runId === undefined) return;
    recorded.set(key, { delivery: { ...result, runId: result.runId }, at: now() });
    while (recorded.size > maxRecorded) {
      const oldest = recorded.keys().next().value;
      if (oldest === undefined) break;
      recorded.delete(oldest);
    }
  };

  const deliverOnce = (key: string, deliver: () => Promise<Delivery>): Promise<Delivery> => {
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const delivery = deliver().then(
      (result) => {
        inFlight.delete(key);
        remember(key, result);
        return result;
      },
      (err: unknown) => {
        inFlight.delete(key);
        throw err;
      },
    );
    inFlight.set(key, delivery);
    return delivery;
  };

  const once = async (key: string, deliver: () => Promise<Delivery>): Promise<Delivery> => {
    const known = recorded.get(key);
    if (known !== undefined && isOpen !== undefined && now() - known.at <= recordedForMs) {
      const { incidentId, runId } = known.delivery;
      if (await isOpen(incidentId, runId)) return again(known.delivery);
    }
    if (known !== undefined && recorded.get(key) === known) recorded.delete(key);
    return deliverOnce(key, deliver);
  };

  return {
    firing: (signal, route) => once(`firing\n${signal.id}`, () => inner.firing(signal, route)),
    resolved: (signal) => deliverOnce(`resolved\n${signal.id}`, () => inner.resolved(signal)),
  };
}
