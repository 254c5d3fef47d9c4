import type { ActivityName } from '../activities/contract.js';

/** One activity call as seen from inside the worker process. */
export interface ActivityTiming {
  workflowId: string;
  activity: ActivityName;
  /** Wall-clock ms (see wallClockMs) when the activity function began and returned. */
  startMs: number;
  endMs: number;
}

export interface TimingsMessage {
  type: 'timings';
  timings: ActivityTiming[];
}

/**
 * Sends timings from the worker child to the bench over the IPC channel, in small batches: one
 * message per activity would cost the worker more than the no-op activity itself.
 */
export class TimingSender {
  private pending: ActivityTiming[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly flushMs = 20) {}

  record(timing: ActivityTiming): void {
    this.pending.push(timing);
    if (this.pending.length >= 500) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushMs);
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || process.send === undefined) return;
    const message: TimingsMessage = { type: 'timings', timings: this.pending };
    this.pending = [];
    process.send(message);
  }
}

/** Timings received by the bench, by workflow id, with a bounded wait for a set of workflows. */
export class ActivityLog {
  private readonly byWorkflow = new Map<string, ActivityTiming[]>();
  private waiters: { check: () => boolean; resolve: () => void }[] = [];

  add(timings: readonly ActivityTiming[]): void {
    for (const t of timings) {
      const list = this.byWorkflow.get(t.workflowId);
      if (list === undefined) this.byWorkflow.set(t.workflowId, [t]);
      else list.push(t);
    }
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  of(workflowId: string): readonly ActivityTiming[] {
    return this.byWorkflow.get(workflowId) ?? [];
  }

  /** The first call of `activity` in this workflow, if it happened. */
  first(workflowId: string, activity: ActivityName): ActivityTiming | undefined {
    return this.of(workflowId).find((t) => t.activity === activity);
  }

  /**
   * Wait until every workflow has run `activity` to its end, at most `timeoutMs`; resolves with
   * the workflows that still had not (a bench reports those rather than hang or give up).
   */
  async waitFor(workflowIds: readonly string[], activity: ActivityName, timeoutMs: number): Promise<string[]> {
    const missing = () => workflowIds.filter((id) => this.first(id, activity) === undefined);
    if (missing().length === 0) return [];
    let timer: NodeJS.Timeout | undefined;
    let waiter: { check: () => boolean; resolve: () => void } | undefined;
    await new Promise<void>((resolve) => {
      waiter = { check: () => missing().length === 0, resolve };
      this.waiters.push(waiter);
      timer = setTimeout(resolve, timeoutMs);
    });
    clearTimeout(timer);
    this.waiters = this.waiters.filter((w) => w !== waiter);
    return missing();
  }
}
