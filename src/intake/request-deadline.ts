/**
 * The time one intake request has to get every signal recorded. Past it the request answers 503
 * and starts no further delivery: the sender retries with the same signal ids, so whatever was
 * still in flight and lands late is dropped by its incident as a duplicate.
 *
 * Why a deadline at all: a sender that stops waiting retries, and a 2xx it never saw must not be
 * counted as answered (see NotificationLedger). Answering well before the sender gives up makes
 * "the sender saw our answer" the normal case instead of a race.
 */
export class RequestDeadline {
  private readonly timer: NodeJS.Timeout;
  private readonly passed: Promise<void>;
  /** When it passes, on the monotonic clock (a wall-clock step must not move it). */
  private readonly endsAt: number;
  private fired = false;

  /**
   * @param ms the whole deadline (for messages)
   * @param remainingMs what is left of it now (the request may have spent some reading its body)
   */
  constructor(
    readonly ms: number,
    remainingMs: number = ms,
  ) {
    this.endsAt = performance.now() + remainingMs;
    let pass = () => {};
    this.passed = new Promise((resolve) => (pass = resolve));
    this.timer = setTimeout(() => {
      this.fired = true;
      pass();
    }, Math.max(0, remainingMs));
  }

  /** True once the deadline has passed: start nothing new. */
  get expired(): boolean {
    // The clock as well as the timer: a timer cannot fire while this tick is still starting calls.
    return this.fired || performance.now() >= this.endsAt;
  }

  /**
   * `work`'s value if it settles first, else `onExpired()`'s. `work` is not cancelled: calls to
   * Temporal already made may still land, which is safe because their ids are reused by the retry.
   */
  async race<T>(work: Promise<T>, onExpired: () => T | Promise<T>): Promise<T> {
    try {
      const first = await Promise.race([work.then((value) => ({ value })), this.passed.then(() => undefined)]);
      return first === undefined ? await onExpired() : first.value;
    } finally {
      clearTimeout(this.timer);
    }
  }
}
