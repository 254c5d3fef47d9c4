/** Skipped: an earlier call failed, or the request's deadline passed. The request will be retried whole. */
export class NotAttempted extends Error {
  override readonly name = 'NotAttempted';
}

/** Where a `settleAll` stands: read at any time, e.g. when a deadline passes. */
export interface SettleProgress<R> {
  /** One slot per item, filled as each call settles (undefined while in flight or not started). */
  readonly results: (PromiseSettledResult<R> | undefined)[];
  /** How many calls were started. */
  readonly started: number;
  /** Settles once every started call has settled and the others are marked not attempted; never rejects. */
  readonly done: Promise<PromiseSettledResult<R>[]>;
}

/**
 * Run `fn` over `items` with at most `limit` in flight. Calls already started always settle; once
 * one fails, or `stop()` says so (the request's deadline passed), no new call starts: the request
 * is answered 503 and retried whole anyway, so starting more would only add load.
 */
export function settleAll<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>, stop: () => boolean = () => false): SettleProgress<R> {
  const results: (PromiseSettledResult<R> | undefined)[] = new Array(items.length).fill(undefined);
  let next = 0;
  let failed = false;
  const progress = { results, started: 0, done: Promise.resolve([] as PromiseSettledResult<R>[]) };
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      // Checked right before each call: after a failure or the deadline, nothing new reaches Temporal.
      if (failed || stop()) {
        results[i] = { status: 'rejected', reason: new NotAttempted(failed ? 'not attempted after an earlier failure' : 'not started: the request deadline had passed') };
        continue;
      }
      progress.started += 1;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i] as T) };
      } catch (reason) {
        failed = true;
        results[i] = { status: 'rejected', reason };
      }
    }
  });
  progress.done = Promise.all(lanes).then(() => results as PromiseSettledResult<R>[]);
  return progress;
}
