import { ApplicationFailure, condition, patched, proxyLocalActivities } from '@temporalio/workflow';
import type { GuardActivities } from '../../activities/guards/guard-activities.js';
import type { GuardReply, GuardResult, PauseView } from '../guards/definitions.js';
import type { AcquireResult, GuardState, IsolationResult, RestartResult, TargetPolicy } from '../guards/guard-state.js';
import type { Timeline } from './timeline.js';

/** Patch id: incidents take their target lock and ask the guards before isolating or restarting. */
export const PATCH_GUARDS = 'guards-v2';
/** Patch id: a waiting incident checks now and then that the target's holder still runs. */
const PATCH_CHECK_HOLDER = 'check-holder-while-waiting';
/** Patch id: a pause heard while asking the blast radius or the budget holds the step too. */
const PATCH_PAUSE_AFTER_ASK = 'pause-after-guard-answer';
/** Failure type of a step the guards refused; the incident escalates instead, undoing nothing. */
export const GUARD_REFUSED = 'GuardRefused';

// Actions that change a target: the kill switch holds these, and only these.
const CHANGES_TARGET = new Set(['isolate', 'rejoin', 'restart', 'rollback', 'rollforward']);

const guards = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 20 },
});

export type TargetWait = { kind: 'granted' } | { kind: 'joined'; holder: string; outcome: string } | { kind: 'stopped' };

/** The incident's side of the guards (see workflows/guards/guard-workflow.ts). */
export class IncidentGuards {
  readonly enabled: boolean;
  paused: GuardState['paused'] = null;
  /** The latest pause version heard; older notices and answers are ignored (-1: none heard yet). */
  private pauseVersion = -1;
  private granted = false;
  private sequence = 0;
  private readonly replies = new Map<string, GuardResult>();
  private holderFinished: { holder: string; outcome: string } | undefined;
  private holding = false;

  constructor(
    private readonly incidentId: string,
    private readonly target: string,
    dryRun: boolean,
    private readonly timeline: Timeline,
    /** Told whether the incident now waits on the guards; the workflow maps it to MedicStatus. */
    private readonly onWaiting: (waiting: boolean) => void,
    /** Tells this run from earlier runs of the same incident id. */
    private readonly runKey: () => string = () => 'run',
  ) {
    this.enabled = !dryRun && patched(PATCH_GUARDS);
  }

  onReply(reply: GuardReply): void {
    this.replies.set(reply.requestId, reply.result);
    this.heardPause(reply.result);
  }

  /**
   * A request id unique to this run of the incident and deterministic on replay. The run is in
   * it (as the id of the signal that opened this run, which replays) because a fingerprint firing again after its incident closed reuses the workflow id.
   */
  private nextRequestId(): string {
    this.sequence += 1;
    return `${this.incidentId}/${this.runKey()}/${this.sequence}`;
  }

  /** Wait for the guard's answer to a request it was sent. */
  private async answer<T extends GuardResult>(requestId: string): Promise<T> {
    await condition(() => this.replies.has(requestId));
    const result = this.replies.get(requestId) as T;
    this.replies.delete(requestId);
    return result;
  }

  onGranted(): void {
    this.granted = true;
  }

  onHolderFinished(finished: { holder: string; outcome: string }): void {
    this.holderFinished = finished;
  }

  /** A pause notice from the guard; `version` is absent from older guards (then always applied). */
  onPaused(paused: GuardState['paused'], version?: number): void {
    if (version !== undefined) {
      if (version <= this.pauseVersion) return; // older than what an answer already told us
      this.pauseVersion = version;
    }
    this.paused = paused;
    this.timeline.add('note', paused ? `medic is paused by ${paused.by}: ${paused.reason}` : 'medic resumed', { actor: paused?.by ?? 'medic' });
  }

  /** An answer that says the kill switch changed, ahead of its notice. */
  private heardPause(view: PauseView): void {
    if (view.pauseVersion === undefined || view.pauseVersion <= this.pauseVersion) return;
    if ((view.paused ?? null) === null && this.paused === null) {
      this.pauseVersion = view.pauseVersion; // nothing changed for us: no note
      return;
    }
    this.onPaused(view.paused ?? null, view.pauseVersion);
  }

  private async holdWhilePaused(activity: string): Promise<void> {
    this.timeline.add('note', `held before ${activity}: medic is paused (medic resume lifts it)`);
    this.onWaiting(true);
    await condition(() => this.paused === null);
    this.onWaiting(false);
  }

  /** One playbook per target: take the target, or wait for it, or ride along with its holder. */
  async acquireTarget(policy: TargetPolicy, stop: () => boolean): Promise<TargetWait> {
    if (!this.enabled) return { kind: 'granted' };
    const requestId = this.nextRequestId();
    await guards.guardSend({ op: 'acquire', requestId, incidentId: this.incidentId, target: this.target, policy });
    const answer = await this.answer<AcquireResult>(requestId);
    // From a guard that sends versions, onReply has applied it already (unless a newer one came).
    if ((answer as PauseView).pauseVersion === undefined) this.paused = answer.paused;
    if (answer.granted) {
      this.holding = true;
      return { kind: 'granted' };
    }
    this.timeline.add(
      'note',
      policy === 'wait'
        ? `waiting: ${answer.holder} is running a playbook on ${this.target}; this one runs after it`
        : `joined ${answer.holder}, which is already recovering ${this.target}; this incident ends as it ends`,
      { data: { holder: answer.holder, policy } },
    );
    const settled = () => this.granted || this.holderFinished !== undefined || stop();
    if (patched(PATCH_CHECK_HOLDER)) {
      // A holder that ended without giving the target back (terminated by hand) is released for
      // it, by whichever waiter notices first; the holder can change while this one waits.
      for (let checks = 0; ; checks++) {
        const check = await guards.guardReapTarget({ requestId: this.nextRequestId(), target: this.target, checks });
        if (check.reaped) this.timeline.add('note', `${check.holder ?? 'the holder'} ended without giving ${this.target} back: released it`);
        if (await condition(settled, check.checkAgainMs)) break;
      }
    } else {
      await guards.guardReapHolder({ requestId: this.nextRequestId(), holder: answer.holder, target: this.target });
      await condition(settled);
    }
    if (this.granted) {
      this.holding = true;
      this.timeline.add('note', `${this.target} is free: running the playbook`);
      return { kind: 'granted' };
    }
    if (this.holderFinished !== undefined) return { kind: 'joined', ...this.holderFinished };
    return { kind: 'stopped' };
  }

  /** Give the target back (or leave the queue), telling the guards how this incident ended. */
  async releaseTarget(outcome: string): Promise<void> {
    if (!this.enabled) return;
    await guards.guardSend({ op: 'release', requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target, outcome });
    this.holding = false;
  }

  /** Before a step: hold while paused; ask the blast radius and the restart budget. */
  async beforeStep(activity: string, compensating: boolean): Promise<void> {
    if (!this.enabled || compensating) return;
    if (CHANGES_TARGET.has(activity) && this.paused !== null) await this.holdWhilePaused(activity);
    if (activity === 'isolate') {
      const requestId = this.nextRequestId();
      const asked = await guards.guardAskIsolation({ requestId, incidentId: this.incidentId, target: this.target });
      const answer: IsolationResult = asked.asked ? await this.answer<IsolationResult>(requestId) : { allowed: true };
      if (!answer.allowed) {
        throw refused(
          `blast radius: pool ${asked.pool ?? '?'} already has ${answer.isolated.join(', ')} out of rotation (at most ${answer.maxIsolated} at once); not isolating ${this.target}`,
        );
      }
    }
    if (activity === 'restart') {
      const requestId = this.nextRequestId();
      await guards.guardAskRestart({ requestId, incidentId: this.incidentId, target: this.target });
      const answer = await this.answer<RestartResult>(requestId);
      if (!answer.allowed) {
        throw refused(
          `restart budget: ${this.target} was restarted automatically ${answer.used} times in the last ${Math.round(answer.windowMs / 60_000)} min (at most ${answer.max}); a flapping service needs a human`,
        );
      }
    }
    // The pause may have come while the guard was being asked.
    if (CHANGES_TARGET.has(activity) && this.paused !== null && patched(PATCH_PAUSE_AFTER_ASK)) await this.holdWhilePaused(activity);
  }

  /** After a step: a member back in rotation no longer counts against its pool. */
  async afterStep(activity: string): Promise<void> {
    if (this.enabled && activity === 'rejoin') {
      await guards.guardReleaseIsolation({ requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target });
    }
  }

  get holdsTarget(): boolean {
    return this.holding;
  }
}

function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: GUARD_REFUSED, nonRetryable: true, message });
}
