import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TestKitError } from './test-kit-error.js';

/**
 * Lets the time-skipping server skip time while at least one result is awaited.
 *
 * The SDK's time-skipping client unlocks the server's clock once per awaited result and locks it
 * once when that result comes. The server keeps a single lock count that workflow tasks use too
 * (one lock while a task is scheduled or running): several results awaited at once (a
 * `Promise.all` over incidents) unlock it more times than it was locked, so the count goes below
 * zero and a running workflow task no longer holds the clock. The server then skips past that
 * task's 10-second timeout and, with nothing else due, ten years to the run timeout: every
 * incident ends "timed out". So the kit unlocks once for the first awaited result and locks again
 * when the last one has come, whatever the number awaited at once.
 */
export class TimeSkippingLease {
  private holders = 0;
  private change: Promise<void> = Promise.resolve();
  private sleeping: Promise<void> = Promise.resolve();

  constructor(private readonly temporal: TestWorkflowEnvironment) {}

  /** Run `fn` with time skipping allowed. */
  async during<T>(fn: () => Promise<T>): Promise<T> {
    this.holders += 1;
    if (this.holders === 1) await this.serially(() => this.testService().unlockTimeSkipping({}));
    try {
      return await fn();
    } finally {
      this.holders -= 1;
      if (this.holders === 0) await this.serially(() => this.testService().lockTimeSkipping({}));
    }
  }

  /**
   * Advance the clock by `ms`, firing the timers due in between. Sleeps take turns, and a sleep
   * while a result is awaited (the clock already skipping) waits for the clock instead of
   * unlocking it a second time, for the reason above.
   */
  sleep(ms: number): Promise<void> {
    const turn = this.sleeping.catch(() => undefined).then(async () => {
      if (this.holders === 0) {
        await this.temporal.sleep(ms);
        return;
      }
      const until = (await this.temporal.currentTimeMs()) + ms;
      while ((await this.temporal.currentTimeMs()) < until) await new Promise((r) => setTimeout(r, 10));
    });
    this.sleeping = turn;
    return turn;
  }

  private testService() {
    const service = this.temporal.connection.testService;
    if (service === undefined) throw new TestKitError('this Temporal server cannot skip time. To fix: start it with startTimeSkippingServer()');
    return service;
  }

  /** Unlock and lock calls reach the server in the order they were made. */
  private serially(call: () => Promise<unknown>): Promise<void> {
    const next = this.change.catch(() => undefined).then(async () => {
      await call();
    });
    this.change = next;
    return next;
  }
}
