import { Context } from '@temporalio/activity';

// Every wait in a driver goes through here: bounded, heartbeating, and cancellable. A step that
// waits must heartbeat more often than its heartbeatTimeout, and it learns of a cancellation
// (an abort of the incident) only through a heartbeat.

const HEARTBEAT_EVERY_MS = 1_000;

/** Record progress; Temporal keeps the last details and tells the activity of a cancellation. */
export function heartbeat(details?: unknown): void {
  Context.current().heartbeat(details);
}

/** Aborted when the step is cancelled: pass it to fetch, sockets and child processes. */
export function cancellation(): AbortSignal {
  return Context.current().cancellationSignal;
}

/** Sleep that ends early, with a CancelledFailure, when the step is cancelled. */
export function pause(ms: number): Promise<void> {
  return Context.current().sleep(ms);
}

export interface PollResult<T> {
  value: T | undefined;
  waitedMs: number;
}

/**
 * Call `check` every `intervalMs` until it returns a value or `timeoutMs` passes; heartbeats with
 * `what` each round. Returns `value: undefined` on timeout: the caller decides what that means.
 */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs: number },
): Promise<PollResult<T>> {
  const started = Date.now();
  for (;;) {
    const value = await check();
    const waitedMs = Date.now() - started;
    if (value !== undefined) return { value, waitedMs };
    heartbeat({ waitingFor: what, waitedMs });
    if (waitedMs >= options.timeoutMs) return { value: undefined, waitedMs };
    await pause(Math.min(options.intervalMs, Math.max(1, options.timeoutMs - waitedMs)));
  }
}

/** Run one long call (a systemctl restart, a PM2 command) while heartbeating beside it. */
export async function keepAlive<T>(what: string, fn: () => Promise<T>): Promise<T> {
  heartbeat({ running: what });
  const timer = setInterval(() => heartbeat({ running: what }), HEARTBEAT_EVERY_MS);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
