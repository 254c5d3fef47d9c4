import { condition, proxyLocalActivities } from '@temporalio/workflow';
import type { GuardActivities } from '../../activities/guards/guard-activities.js';
import type { ActivityName } from '../../activities/contract.js';
import { changesTarget, type ActivityDeclaration } from '../../activities/declarations.js';
import type { GuardReply, GuardResult, PauseView } from '../guards/definitions.js';
import type { AcquireResult, GuardState, IsolationResult, RestartResult, TargetPolicy } from '../guards/guard-state.js';
import { refused, type StepGuards } from './step-runner.js';
import type { Timeline } from './timeline.js';

const guards = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 20 },
});

/** How the wait for the target ended. `after` is how the incident before this one ended. */
export type TargetWait =
  | { kind: 'granted'; after?: { holder: string; outcome: string } }
  | { kind: 'joined'; holder: string; outcome: string }
  | { kind: 'stopped' };

/** The guards' side of an incident as it crosses continue-as-new. */
export interface GuardsSnapshot {
  paused: GuardState['paused'];
  pauseVersion: number;
  sequence: number;
  holding: boolean;
}

/** The incident's side of the guards (see workflows/guards/guard-workflow.ts). */
export class IncidentGuards implements StepGuards {
  paused: GuardState['paused'];
  /** The latest pause version heard; older notices and answers are ignored (-1: none heard yet). */
  private pauseVersion: number;
  private sequence: number;
  private holding: boolean;
  private granted: { holder?: string; outcome?: string } | undefined;
  private readonly replies = new Map<string, GuardResult>();
  private holderFinished: { holder: string; outcome: string } | undefined;

  constructor(
    private readonly incidentId: string,
    private readonly target: string,
    readonly enabled: boolean,
    private readonly timeline: Timeline,
    /** Told whether the incident now waits on medic pause; the workflow maps it to its lifecycle. */
    private readonly onPauseHold: (holding: boolean) => void,
    /** Tells this incident's runs from earlier incidents of the same workflow id. */
    private readonly runKey: () => string,
    snapshot?: GuardsSnapshot,
  ) {
    this.paused = snapshot?.paused ?? null;
    this.pauseVersion = snapshot?.pauseVersion ?? -1;
    this.sequence = snapshot?.sequence ?? 0;
    this.holding = snapshot?.holding ?? false;
  }

  snapshot(): GuardsSnapshot {
    return { paused: this.paused, pauseVersion: this.pauseVersion, sequence: this.sequence, holding: this.holding };
  }

  onReply(reply: GuardReply): void {
    this.replies.set(reply.requestId, reply.result);
    this.heardPause(reply.result);
  }

  /** Unique to this incident and deterministic on replay; the sequence crosses continue-as-new. */
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

  onGranted(granted: { holder?: string; outcome?: string }): void {
    this.granted = granted;
  }

  onHolderFinished(finished: { holder: string; outcome: string }): void {
    this.holderFinished = finished;
  }

  /** A pause notice from the guard, applied unless an answer already told us something newer. */
  onPaused(paused: GuardState['paused'], version: number): void {
    if (version <= this.pauseVersion) return;
    this.pauseVersion = version;
    this.paused = paused;
    this.timeline.add('note', paused ? `medic is paused by ${paused.by}: ${paused.reason}` : 'medic resumed', { actor: paused?.by ?? 'medic' });
  }

  /** An answer that says the kill switch changed, ahead of its notice. */
  private heardPause(view: PauseView): void {
    if (view.pauseVersion <= this.pauseVersion) return;
    if (view.paused === null && this.paused === null) {
      this.pauseVersion = view.pauseVersion; // nothing changed for us: no note
      return;
    }
    this.onPaused(view.paused, view.pauseVersion);
  }

  private async holdWhilePaused(activity: string): Promise<void> {
    this.timeline.add('note', `held before ${activity}: medic is paused (medic resume lifts it)`);
    this.onPauseHold(true);
    await condition(() => this.paused === null);
    this.onPauseHold(false);
  }

  /** One playbook per target: take the target, wait for it, or ride along with its holder. */
  async acquireTarget(policy: TargetPolicy, stop: () => boolean): Promise<TargetWait> {
    if (!this.enabled) return { kind: 'granted' };
    const requestId = this.nextRequestId();
    await guards.guardSend({ op: 'acquire', requestId, incidentId: this.incidentId, target: this.target, policy });
    const answer = await this.answer<AcquireResult>(requestId);
    if (answer.granted) {
      this.holding = true;
      return { kind: 'granted' };
    }
    this.timeline.add(
      'note',
      policy === 'wait'
        ? `waiting: ${answer.holder} is running a playbook on ${this.target}; this one runs after it`
        : `joined ${answer.holder}, which is already recovering ${this.target}; this incident decides after it ends`,
      { data: { holder: answer.holder, policy } },
    );
    const settled = () => this.granted !== undefined || this.holderFinished !== undefined || stop();
    // A holder that ended without giving the target back (terminated by hand) is released for it,
    // by whichever waiter notices first; the holder can change while this one waits.
    for (let checks = 0; ; checks++) {
      const check = await guards.guardReapTarget({ requestId: this.nextRequestId(), target: this.target, checks });
      if (check.reaped) this.timeline.add('note', `${check.holder ?? 'the holder'} ended without giving ${this.target} back: released it`);
      if (await condition(settled, check.checkAgainMs)) break;
    }
    if (this.granted !== undefined) {
      this.holding = true;
      const { holder, outcome } = this.granted;
      this.timeline.add('note', `${this.target} is free${holder !== undefined ? ` (${holder} ended ${outcome ?? 'unknown'})` : ''}`);
      return { kind: 'granted', ...(holder !== undefined && outcome !== undefined && { after: { holder, outcome } }) };
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

  /**
   * Before every attempt of a playbook step: hold while paused (for any activity whose declared
   * effect changes the target), then ask the guard its declaration names. Per attempt, so a
   * retried restart counts every restart against the budget.
   */
  async beforeAttempt(activity: string, declaration: ActivityDeclaration): Promise<void> {
    if (!this.enabled) return;
    const changes = changesTarget(declaration.effect);
    if (changes && this.paused !== null) await this.holdWhilePaused(activity);
    if (declaration.guard === 'blast-radius') {
      const requestId = this.nextRequestId();
      const asked = await guards.guardAskIsolation({ requestId, incidentId: this.incidentId, target: this.target });
      const answer: IsolationResult = asked.asked ? await this.answer<IsolationResult>(requestId) : { allowed: true };
      if (!answer.allowed) {
        throw refused(
          `blast radius: pool ${asked.pool ?? '?'} already has ${answer.isolated.join(', ')} out of rotation (at most ${answer.maxIsolated} at once); not isolating ${this.target}`,
        );
      }
    }
    if (declaration.guard === 'restart-budget') {
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
    if (changes && this.paused !== null) await this.holdWhilePaused(activity);
  }

  /** After a step: a member back in rotation no longer counts against its pool. */
  async afterStep(_activity: string, declaration: ActivityDeclaration): Promise<void> {
    if (this.enabled && declaration.effect === 'puts-back') {
      await guards.guardReleaseIsolation({ requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target });
    }
  }

  get holdsTarget(): boolean {
    return this.holding;
  }
}
