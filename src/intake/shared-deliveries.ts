import type { Delivery } from '../incidents/open-incident.js';
import type { Deliverer } from './accept-signals.js';

export interface SharedDeliveriesOptions {
  /** Recorded signals remembered at most (the oldest are forgotten first). */
  maxRecorded?: number;
  /** How long a recorded signal is remembered: longer than any sender keeps retrying one request. */
  recordedForMs?: number;
  now?: () => number;
}

/** A recorded delivery, as seen by a later delivery of the same signal. */
function again(delivery: Delivery): Delivery {
  return delivery.kind === 'incident' && delivery.opened === true ? { ...delivery, opened: false } : delivery;
}

/**
 * One delivery per signal id at a time, and none again while it is remembered as recorded.
 *
 * A request that misses its deadline answers 503 and leaves its deliveries in flight; the sender
 * retries with the same ids. Without this, the retry would send every signal to Temporal again
 * while the first ones are still queued there: under overload each retry adds load, the next
 * request is slower still, and retries can chase the deadline for ever. With it, a retry joins
 * the deliveries still in flight and takes the result of those already recorded, so every retry
 * makes progress and Temporal sees each signal once.
 *
 * A signal answered from memory reports what Temporal would have said to a second delivery: the
 * incident was already open (`deduplicated`, not `opened` again), so counts of opened incidents stay
 * exact. A request that joins a delivery in flight reports its result as is: usually the request
 * that started it missed its deadline, and counted it as failed, not opened.
 *
 * This is an optimisation, not the guarantee: the incident drops a signal id it already has, which
 * is what keeps a retry to another intake, or after a restart, from doubling anything. A failed
 * delivery is not remembered, so the retry tries Temporal again.
 */
export function sharedDeliveries(inner: Deliverer, options: SharedDeliveriesOptions = {}): Deliverer {
  const maxRecorded = options.maxRecorded ?? 50_000;
  const recordedForMs = options.recordedForMs ?? 15 * 60_000;
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, Promise<Delivery>>();
  // Insertion order is age order: eviction drops the oldest.
  const recorded = new Map<string, { delivery: Delivery; at: number }>();

  const once = (key: string, deliver: () => Promise<Delivery>): Promise<Delivery> => {
    const known = recorded.get(key);
    if (known !== undefined && now() - known.at <= recordedForMs) return Promise.resolve(again(known.delivery));
    recorded.delete(key);
    const pending = inFlight.get(key);
    if (pending !== undefined) return pending;
    const delivery = deliver().then(
      (result) => {
        inFlight.delete(key);
        recorded.set(key, { delivery: result, at: now() });
        while (recorded.size > maxRecorded) {
          const oldest = recorded.keys().next().value;
          if (oldest === undefined) break;
          recorded.delete(oldest);
        }
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

  return {
    firing: (signal, route) => once(`firing\n${signal.id}`, () => inner.firing(signal, route)),
    resolved: (signal) => once(`resolved\n${signal.id}`, () => inner.resolved(signal)),
  };
}
