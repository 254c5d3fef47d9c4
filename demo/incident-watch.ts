import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { stateQuery, timelineQuery, type IncidentResult, type IncidentState, type TimelineEntry } from '../workflows/definitions.js';

/** What an incident looks like at one poll. */
export interface Snapshot {
  closed: boolean;
  timeline: TimelineEntry[];
  /** While it runs. */
  state?: IncidentState;
  /** Once it has closed. */
  result?: IncidentResult;
  /** Closed some other way than by returning (terminated, timed out, failed). */
  endedAs?: string;
}

const POLL_MS = 300;

/**
 * Follows one incident through the same interface the CLI uses (the `timeline` and `state`
 * queries while it runs, its result once closed), handing each new timeline entry to `onEntry`.
 */
export class IncidentWatch {
  private seen = 0;

  constructor(
    private readonly client: Client,
    readonly incidentId: string,
    private readonly onEntry: (entry: TimelineEntry) => void,
    /** Aborted when the demo stops: polls end, and calls in flight are cancelled before the client closes. */
    private readonly signal: AbortSignal,
  ) {}

  /** Wait until Temporal has the incident (the intake opened it); false when it never appeared. */
  async appeared(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      this.signal.throwIfAborted();
      try {
        await this.call(() => this.client.workflow.getHandle(this.incidentId).describe());
        return true;
      } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw this.signal.aborted ? this.signal.reason : err;
      }
      await sleep(POLL_MS);
    }
    return false;
  }

  /** Print new entries until `done` holds, or fail after `timeoutMs` saying what did not happen. */
  async until(what: string, done: (s: Snapshot) => boolean, timeoutMs: number): Promise<Snapshot> {
    const deadline = Date.now() + timeoutMs;
    let last: Snapshot = { closed: false, timeline: [] };
    while (Date.now() < deadline) {
      this.signal.throwIfAborted();
      last = await this.call(() => this.snapshot(last)).catch(() => last); // a query can fail while the worker is busy: try again
      for (const entry of last.timeline.slice(this.seen)) this.onEntry(entry);
      this.seen = Math.max(this.seen, last.timeline.length);
      if (done(last)) return last;
      if (last.closed) {
        const how = last.endedAs !== undefined ? `ended as ${last.endedAs} (see \`medic audit ${this.incidentId}\`)` : `closed as ${last.result?.outcome}`;
        throw new Error(`${this.incidentId} ${how} before it ${what}`);
      }
      await sleep(POLL_MS);
    }
    const tail = last.timeline.slice(-3).map((e) => `  ${e.kind} ${e.message}`).join('\n');
    throw new Error(`${this.incidentId} did not ${what} within ${timeoutMs / 1000} s; its timeline ends with:\n${tail || '  (nothing)'}`);
  }

  /** One poll, cancelled if the demo stops meanwhile (its own signal: a listener on the shared one per poll would pile up). */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    const poll = new AbortController();
    const onAbort = () => poll.abort(this.signal.reason);
    this.signal.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.client.withAbortSignal(poll.signal, fn);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  private async snapshot(previous: Snapshot): Promise<Snapshot> {
    const handle = this.client.workflow.getHandle(this.incidentId);
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') {
      const [timeline, state] = await Promise.all([handle.query(timelineQuery), handle.query(stateQuery)]);
      return { closed: false, timeline, state };
    }
    if (status.name === 'COMPLETED') {
      const result = (await handle.result()) as IncidentResult;
      return { closed: true, timeline: result.timeline, result };
    }
    return { closed: true, timeline: previous.timeline, endedAs: status.name };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
