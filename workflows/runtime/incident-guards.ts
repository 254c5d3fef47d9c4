import { CancellationScope, condition, isCancellation, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { AskTiming, GuardActivities } from '../../activities/guards/guard-activities.js';
import type { ActivityName } from '../../activities/contract.js';
import { changesTarget, type ActivityDeclaration } from '../../activities/declarations.js';
import type { GuardReply, GuardResult, PauseView } from '../guards/definitions.js';
import type { AcquireResult, GuardState, IsolationResult, LimitsRefusal, RestartResult, TargetPolicy } from '../guards/guard-state.js';
import { formatDuration } from '../../src/config/duration-schema.js';
import { refused, type StepGuards } from './step-runner.js';
import type { Timeline } from './timeline.js';

const guards = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '5 seconds', maximumAttempts: 20 },
});
// Sending an ask: a few quick tries only, because the ask loop owns asking again (a send that
// failed counts as an ask without an answer), so that an unreachable guard leads to a human.
const asks = proxyLocalActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '2 seconds', maximumAttempts: 3 },
});
// A waiter's check on its holder: an ordinary activity, not a local one, and one try (the wait
// loop checks again later). It queries the guard workflow, and a local activity holds its
// incident's workflow task open while it runs: a grant that came meanwhile waited for it, and a
// query the guards did not answer held a stopping worker (which serves no queries) for minutes.
const holderChecks = proxyActivities<GuardActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

const causeOf = (err: unknown): string => (err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err));

/** The guards did not answer an ask within its deadline, however often it was asked. */
class GuardsUnanswered extends Error {
  override readonly name = 'GuardsUnanswered';
}

// Used only when an ask could not even be sent (the worker's own deadline and count come back
// from the local activity that sends it, from guards.answerDeadline and guards.asks).
const ASK_DEADLINE_MS = 30_000;
const MAX_ASKS = 4;
// When a holder check failed: look again after this long.
const HOLDER_CHECK_FALLBACK_MS = 60_000;

/** How the wait for the target ended. `after` is how the incident before this one ended. */
export type TargetWait =
  | { kind: 'granted'; after?: { holder: string; outcome: string } }
  | { kind: 'joined'; holder: string; outcome: string }
  | { kind: 'stopped' }
  /** The guards did not answer: page, hold, change nothing. */
  | { kind: 'unanswered'; why: string };

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
  private granted: { holder?: string; outcome?: string; passedOver?: string[] } | undefined;
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

  /**
   * Send a request and wait for its answer, with a deadline per ask. Without an answer it is
   * asked again with the same request id (the guard answers a repeat from its record, never
   * applies it twice); after the last ask it throws GuardsUnanswered. Never waits without end.
   */
  private async ask<T extends GuardResult>(requestId: string, what: string, send: () => Promise<AskTiming>, stop: () => boolean = () => false): Promise<T | undefined> {
    for (let asked = 1; ; asked++) {
      let timing: AskTiming | undefined;
      let sendError: string | undefined;
      try {
        timing = await send();
      } catch (err) {
        if (isCancellation(err)) throw err;
        sendError = causeOf(err);
      }
      const within = timing?.answerWithinMs ?? ASK_DEADLINE_MS;
      const total = timing?.asks ?? MAX_ASKS;
      if (await condition(() => this.replies.has(requestId) || stop(), within)) {
        if (!this.replies.has(requestId)) return undefined; // stopped: whatever the guard did is released at the end
        const result = this.replies.get(requestId) as T;
        this.replies.delete(requestId);
        return result;
      }
      const why = sendError !== undefined ? `could not be sent (${sendError})` : `got no answer within ${formatDuration(within)}`;
      if (asked >= total) {
        throw new GuardsUnanswered(
          `the guards did not answer ${what} after ${asked} asks (the last one ${why}); nothing was changed. To fix: check that a medic worker serves this task queue and that its guard workflow runs (\`medic guards\`), then retry this incident`,
        );
      }
      this.timeline.add('note', `the guards: ${what} ${why}; asking again (ask ${asked + 1} of ${total}, same request ${requestId})`);
    }
  }

  onGranted(granted: { holder?: string; outcome?: string; passedOver?: string[] }): void {
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
    let answer: AcquireResult | undefined;
    try {
      answer = await this.ask<AcquireResult>(
        requestId,
        `the request for ${this.target}`,
        () => asks.guardSend({ op: 'acquire', requestId, incidentId: this.incidentId, target: this.target, policy }),
        stop,
      );
    } catch (err) {
      if (err instanceof GuardsUnanswered) return { kind: 'unanswered', why: err.message };
      throw err;
    }
    if (answer === undefined) return { kind: 'stopped' };
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
      let checkAgainMs = HOLDER_CHECK_FALLBACK_MS;
      // The check is a safety net for a holder that vanished; the grant itself comes as a signal,
      // and it is taken at once, even while a check is still out (the check is then cancelled).
      const check = new CancellationScope();
      let checked: Awaited<ReturnType<GuardActivities['guardReapTarget']>> | 'failed' | undefined;
      void check
        .run(() => holderChecks.guardReapTarget({ requestId: this.nextRequestId(), target: this.target, checks }))
        .then(
          (answer) => (checked = answer),
          // A check that failed is tried again later, never the reason to stop waiting.
          () => (checked = 'failed'),
        );
      await condition(() => checked !== undefined || settled());
      if (checked === undefined) {
        check.cancel();
        break;
      }
      if (checked !== 'failed') {
        if (checked.reaped) this.timeline.add('note', `${checked.holder ?? 'the holder'} ended without giving ${this.target} back: released it`);
        checkAgainMs = checked.checkAgainMs;
      }
      if (await condition(settled, checkAgainMs)) break;
    }
    if (this.granted !== undefined) {
      this.holding = true;
      const { holder, outcome, passedOver = [] } = this.granted;
      const skipped = passedOver.length > 0 ? `; passed over ${passedOver.join(', ')}, which had ended` : '';
      this.timeline.add('note', `${this.target} is free${holder !== undefined ? ` (${holder} ended ${outcome ?? 'unknown'}${skipped})` : ''}`);
      return { kind: 'granted', ...(holder !== undefined && outcome !== undefined && { after: { holder, outcome } }) };
    }
    if (this.holderFinished !== undefined) return { kind: 'joined', ...this.holderFinished };
    return { kind: 'stopped' };
  }

  /** Give the target back (or leave the queue), telling the guards how this incident ended. */
  async releaseTarget(outcome: string): Promise<void> {
    if (!this.enabled) return;
    try {
      await guards.guardSend({ op: 'release', requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target, outcome });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Patiently retried already. Failing here would fail the incident itself, with its outcome
      // and its page left open: the target is freed by the waiters' check on its holder instead.
      this.timeline.add(
        'note',
        `the guards could not be told that this incident gave ${this.target} back (${causeOf(err)}); an incident waiting for ${this.target} frees it when it sees this one has ended (\`medic guards\` shows who holds it)`,
        { data: { releaseNotDelivered: this.target } },
      );
    }
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
      const answer = await this.askWithLimits<IsolationResult>(`whether ${this.target} may be isolated`, (requestId) =>
        asks.guardAskIsolation({ requestId, incidentId: this.incidentId, target: this.target }),
      );
      if (!answer.allowed) {
        if ('limits' in answer) throw await this.limitsRefused(answer);
        throw refused(
          `blast radius: pool ${answer.pool} already has ${answer.isolated.join(', ')} out of rotation (at most ${answer.maxIsolated} at once); not isolating ${this.target}`,
        );
      }
    }
    if (declaration.guard === 'restart-budget') {
      const answer = await this.askWithLimits<RestartResult>(`whether ${this.target} may be restarted`, (requestId) =>
        asks.guardAskRestart({ requestId, incidentId: this.incidentId, target: this.target }),
      );
      if (!answer.allowed) {
        if ('limits' in answer) throw await this.limitsRefused(answer);
        throw refused(
          `restart budget: ${this.target} was restarted automatically ${answer.used} times in the last ${Math.round(answer.windowMs / 60_000)} min (at most ${answer.max}); a flapping service needs a human`,
        );
      }
    }
    // The pause may have come while the guard was being asked.
    if (changes && this.paused !== null) await this.holdWhilePaused(activity);
  }

  /**
   * Ask with this worker's limits. A guard workflow with no limits pinned is a new one (terminated,
   * reset or timed out since this worker offered its limits): offer them again and ask once more.
   */
  private async askWithLimits<T extends IsolationResult | RestartResult>(what: string, send: (requestId: string) => Promise<AskTiming>): Promise<T> {
    for (let offeredAgain = false; ; offeredAgain = true) {
      const requestId = this.nextRequestId();
      const answer = await this.askOrRefuse<T>(requestId, what, () => send(requestId));
      if (answer.allowed || !('limits' in answer) || answer.limits.pinned !== null || offeredAgain) return answer;
      this.timeline.add('note', `the guards had no limits pinned (a new guard workflow): this worker offers its limits again and asks once more`);
      await guards.guardOfferLimits();
    }
  }

  /** An ask the guards never answered refuses the step: the incident pages and holds, changing nothing. */
  private async askOrRefuse<T extends GuardResult>(requestId: string, what: string, send: () => Promise<AskTiming>): Promise<T> {
    try {
      return (await this.ask<T>(requestId, what, send)) as T; // no stop: always an answer or a throw
    } catch (err) {
      if (err instanceof GuardsUnanswered) throw refused(err.message);
      throw err;
    }
  }

  /** This worker's guard configuration is not the guards' one: say in what, and what to do. */
  private async limitsRefused(answer: LimitsRefusal): Promise<Error> {
    const { pinned } = answer.limits;
    const { differences } = await guards.guardExplainLimits({ pinned });
    const whose = pinned === null ? 'the guards have no limits pinned' : `the guards run with limits ${pinned.hash} (pinned by ${pinned.by} at ${pinned.at}: ${pinned.reason})`;
    return refused(
      `guard configuration differs: this worker's limits ${answer.limits.theirs} are not the guards' (${whose}); ${differences.join('; ')}. ` +
        'Nothing was changed: two workers never each apply their own limits. To fix: roll the same guards and targets configuration out to every worker, ' +
        'or adopt this one on purpose with `medic guards adopt-config --by NAME --reason TEXT`, then retry this incident',
    );
  }

  /** After a step: a member back in rotation no longer counts against its pool. */
  async afterStep(_activity: string, declaration: ActivityDeclaration): Promise<void> {
    if (!this.enabled || declaration.effect !== 'puts-back') return;
    try {
      await guards.guardReleaseIsolation({ requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target });
    } catch (err) {
      if (isCancellation(err)) throw err;
      // The step itself succeeded: running it again would not tell the guards either. Counting the
      // member out a while longer is the safe side (the pool may isolate fewer, never more).
      this.timeline.add(
        'note',
        `the guards could not be told that ${this.target} is back in rotation (${causeOf(err)}); they count it out of its pool until \`medic rejoined ${this.target} --by NAME --reason TEXT\` tells them`,
        { data: { rejoinNotDelivered: this.target } },
      );
    }
  }

  get holdsTarget(): boolean {
    return this.holding;
  }
}
