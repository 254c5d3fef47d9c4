import type { Client, WorkflowHandle } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import { sendHumanAction } from '../incidents/human-actions.js';
import { deliverResolved, deliverSignal } from '../incidents/open-incident.js';
import type { RoutedSignal } from '../routing/route-signal.js';
import { makeSignal } from '../signals/make-signal.js';
import type { Signal } from '../signals/signal-schema.js';
import {
  abortUpdate,
  ackUpdate,
  approveUpdate,
  noteUpdate,
  retryUpdate,
  stateQuery,
  timelineQuery,
  type HumanAction,
  type IncidentResult,
  type IncidentState,
  type TimelineEntry,
} from '../../workflows/definitions.js';
import { durationToMs, type TestDuration } from './duration.js';
import type { TimeSkippingLease } from './time-skipping-lease.js';
import { formatTimeline } from './timeline-matchers.js';
import { TestKitError } from './test-kit-error.js';

/** Who acts, and why, when a test does not say: both go into the incident's audit. */
const TEST_HUMAN: HumanAction = { by: 'test', reason: 'test kit' };

/** How the environment runs an incident: its client, task queue, and the worker's fate. */
export interface IncidentHost {
  client: Client;
  taskQueue: string;
  /** Rejects when the worker stopped on its own: a result would otherwise never come. */
  workerFailure: Promise<never>;
  /** Lets the server skip time while results are awaited. */
  lease: TimeSkippingLease;
}

/**
 * One incident under test, opened the way the intake opens it (signalWithStart on
 * `incident-<fingerprint>`). Human actions go through the same updates as `medic approve` & co.
 */
export class TestIncident {
  constructor(
    private readonly host: IncidentHost,
    /** The workflow id, `incident-<fingerprint>`. */
    readonly id: string,
    private readonly signal: Signal,
    private readonly route: RoutedSignal,
  ) {}

  /** The incident's workflow handle, for anything the kit does not wrap. */
  get handle(): WorkflowHandle {
    return this.host.client.workflow.getHandle(this.id);
  }

  /** Status, running step, pending approval or ack: the `state` query. */
  state(): Promise<IncidentState> {
    return this.handle.query(stateQuery);
  }

  /** The timeline so far: the `timeline` query. */
  timeline(): Promise<TimelineEntry[]> {
    return this.handle.query(timelineQuery);
  }

  /**
   * Poll the state until `predicate` holds, in *real* time: the virtual clock does not move while
   * the test waits here (a skip would race past the very state awaited, e.g. an approval's
   * deadline). Use it for states reached without timers; move the clock with `env.sleep`.
   */
  async waitFor(what: string, predicate: (state: IncidentState) => boolean, options: { timeout?: TestDuration } = {}): Promise<IncidentState> {
    const timeoutMs = durationToMs(options.timeout ?? '30 seconds', 'waitFor timeout');
    const deadline = Date.now() + timeoutMs;
    let state: IncidentState | undefined;
    while (Date.now() < deadline) {
      state = await Promise.race([this.state(), this.host.workerFailure]);
      if (predicate(state)) return state;
      await new Promise((r) => setTimeout(r, 50));
    }
    const timeline = await this.timeline().catch(() => []);
    throw new TestKitError(
      `${this.id}: no ${what} within ${timeoutMs} ms of real time (status ${state?.status ?? 'unknown'}). To fix: if a timer must fire first, call env.sleep(...) before waiting\n${formatTimeline(timeline)}`,
    );
  }

  /** Wait (in real time) until the playbook asks for an approval; returns what it asks. */
  async waitForApproval(options: { timeout?: TestDuration } = {}): Promise<string> {
    const state = await this.waitFor('approval request', (s) => s.pendingApproval !== undefined, options);
    return state.pendingApproval as string;
  }

  approve(action: Partial<HumanAction> = {}): Promise<IncidentState> {
    return this.act(approveUpdate, action);
  }

  ack(action: Partial<HumanAction> = {}): Promise<IncidentState> {
    return this.act(ackUpdate, action);
  }

  abort(action: Partial<HumanAction> = {}): Promise<IncidentState> {
    return this.act(abortUpdate, action);
  }

  retry(action: Partial<HumanAction> = {}): Promise<IncidentState> {
    return this.act(retryUpdate, action);
  }

  note(action: Partial<HumanAction> = {}): Promise<IncidentState> {
    return this.act(noteUpdate, action);
  }

  /** The alert fires again (a new notification, counted as a repeat of this incident). */
  async fire(): Promise<void> {
    await deliverSignal(this.host.client, this.again('firing'), this.route, { taskQueue: this.host.taskQueue });
  }

  /** The alert resolves, as Alertmanager's "resolved" notification says. */
  async resolve(): Promise<void> {
    await deliverResolved(this.host.client, this.again('resolved'));
  }

  /**
   * The incident's result once it ends. Awaiting it lets the time-skipping server skip time:
   * every timer (approval and ack deadlines, the 24-hour hold, the settle window) fires as soon
   * as nothing else is running.
   */
  result(): Promise<IncidentResult> {
    return this.host.lease.during(() => Promise.race([this.handle.result() as Promise<IncidentResult>, this.host.workerFailure]));
  }

  /** A new notification of the same alert: a new id and time, the same fingerprint. */
  private again(status: Signal['status']): Signal {
    const { id: _id, receivedAt: _at, ...alert } = this.signal;
    return makeSignal({ ...alert, status });
  }

  private act(update: UpdateDefinition<IncidentState, [HumanAction]>, action: Partial<HumanAction>): Promise<IncidentState> {
    return sendHumanAction(this.host.client, this.id, update, { ...TEST_HUMAN, ...action });
  }
}
