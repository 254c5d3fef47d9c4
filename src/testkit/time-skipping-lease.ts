import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TestKitError } from './test-kit-error.js';

/**
 * Lets the time-skipping server skip time while at least one result is awaited, and advances its
 * clock, without ever unbalancing the server's lock count.
 *
 * The server skips time only while its lock count is zero; workflow tasks and activities hold it
 * while they are outstanding, and a client holds one lock of its own. Two ways to break it, both
 * seen:
 * - The SDK's time-skipping client unlocks once per awaited result and locks once when it comes:
 *   several results awaited at once unlock more times than there are locks, a running workflow
 *   task stops holding the clock, the server skips past that task's 10-second timeout and on to
 *   the ten-year run timeout, and every incident ends "timed out".
 * - An advance (UnlockTimeSkippingWithSleep) schedules its own re-lock, then unlocks. An unlock
 *   that finds the count already at zero (another advance, or an awaited result, still out) is
 *   refused, but the re-lock still comes: the count stays one too high for good, and from then on
 *   virtual time runs at wall-clock pace (a 10-minute sleep takes 10 minutes).
 * So the kit unlocks once for the first awaited result and locks again when the last has come,
 * and every call that changes the count (unlock, lock, advance) waits for the one before it. An
 * advance while the clock is already unlocked for a result waits for the clock instead.
 */
export class TimeSkippingLease {
  private holders = 0;
  /** The server's count is one lower because of us (a result is awaited). Changed in turn only. */
  private unlocked = false;
  /** The last call that changes the server's lock count: the next one starts after it. */
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly temporal: TestWorkflowEnvironment) {}

  /** Run `fn` with time skipping allowed. */
  async during<T>(fn: () => Promise<T>): Promise<T> {
    this.holders += 1;
    try {
      if (this.holders === 1) {
        await this.inTurn(async () => {
          if (this.holders > 0 && !this.unlocked) {
            await this.testService().unlockTimeSkipping({});
            this.unlocked = true;
          }
        });
      }
      return await fn();
    } finally {
      this.holders -= 1;
      if (this.holders === 0) {
        await this.inTurn(async () => {
          if (this.holders === 0 && this.unlocked) {
            await this.testService().lockTimeSkipping({});
            this.unlocked = false;
          }
        });
      }
    }
  }

  /**
   * Advance the clock by `ms`, firing the timers due in between: by the server's own advance, or,
   * while a result is awaited (the clock already skipping), by waiting for the clock to get there.
   */
  sleep(ms: number): Promise<void> {
    return this.inTurn(async () => {
      if (!this.unlocked) {
        await this.temporal.sleep(ms);
        return;
      }
      const until = (await this.temporal.currentTimeMs()) + ms;
      while ((await this.temporal.currentTimeMs()) < until) await new Promise((r) => setTimeout(r, 10));
    });
  }

  private testService() {
    const service = this.temporal.connection.testService;
    if (service === undefined) throw new TestKitError('this Temporal server cannot skip time. To fix: start it with startTimeSkippingServer()');
    return service;
  }

  /** Calls that change the server's lock count reach it one at a time, in the order they were made. */
  private inTurn(call: () => Promise<void>): Promise<void> {
    const next = this.turn.catch(() => undefined).then(call);
    this.turn = next;
    return next;
  }
}
