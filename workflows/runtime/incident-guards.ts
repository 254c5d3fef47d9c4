import { condition, isCancellation, proxyLocalActivities } from '@temporalio/workflow';
import type { AskTiming, GuardActivities } from '../../activities/guards/guard-activities.js';
import type { ActivityName } from '../../activities/contract.js';
import { changesTarget, type ActivityDeclaration } from '../../activities/declarations.js';
import type { GuardReply, GuardResult, PauseView, RegisterResult } from '../guards/definitions.js';
import { poolOfTarget, type LimitsDiffer, type PinnedLimits } from '../guards/guard-limits.js';
import type { AcquireResult, GuardState, IsolationResult, RestartResult, TargetPolicy } from '../guards/guard-state.js';
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
  /** The limits the control handed this incident when it registered (or adopted since). */
  limits?: PinnedLimits;
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
  /** Set once registered with the control: the limits this incident asks its shards with. */
  private limits: PinnedLimits | undefined;

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
    this.limits = snapshot?.limits;
  }

  snapshot(): GuardsSnapshot {
    return { paused: this.paused, pauseVersion: this.pauseVersion, sequence: this.sequence, holding: this.holding, ...(this.limits !== undefined && { limits: this.limits }) };
  }

  onReply(reply: GuardReply): void {
    this.replies.set(reply.requestId, reply.result);
    const { paused, pauseVersion } = reply.result;
    if (pauseVersion !== undefined) this.heardPause({ paused: paused ?? null, pauseVersion });
  }

  /** Other limits were adopted on purpose (`medic guards adopt-config`): ask with these from now on. */
  onLimitsPinned(pinned: PinnedLimits): void {
    if (this.limits?.hash === pinned.hash) return;
    this.limits = pinned;
    this.timeline.add('note', `the guards adopted limits ${pinned.hash} (by ${pinned.by}: ${pinned.reason}); this incident applies them from now on`, { actor: pinned.by });
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
        sendError = err instanceof Error ? (err.cause instanceof Error ? err.cause.message : err.message) : String(err);
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

  /**
   * Register with the control, once per incident (it crosses continue-as-new): from its answer on,
   * this incident hears of every pause, and knows the limits to ask its shards with.
   */
  private async register(stop: () => boolean = () => false): Promise<PinnedLimits | undefined> {
    if (this.limits !== undefined) return this.limits;
    const requestId = this.nextRequestId();
    const answer = await this.ask<RegisterResult>(
      requestId,
      'the registration of this incident',
      () => asks.guardRegister({ requestId, incidentId: this.incidentId, target: this.target }),
      stop,
    );
    if (answer !== undefined) this.limits = answer.limits;
    return this.limits;
  }

  /** One playbook per target: take the target, wait for it, or ride along with its holder. */
  async acquireTarget(policy: TargetPolicy, stop: () => boolean): Promise<TargetWait> {
    if (!this.enabled) return { kind: 'granted' };
    const requestId = this.nextRequestId();
    const unanswered = (err: unknown): string => {
      if (err instanceof GuardsUnanswered) return err.message;
      throw err;
    };
    // Two shards at once: the control (the kill switch and the limits; once per incident) and the
    // target's own shard (the lock). Neither waits behind the other, nor behind other targets.
    const [registration, answer] = await Promise.all([
      this.register(stop).catch(unanswered),
      this.ask<AcquireResult>(
        requestId,
        `the request for ${this.target}`,
        () => asks.guardSend({ op: 'acquire', requestId, incidentId: this.incidentId, target: this.target, policy }),
        stop,
      ).catch(unanswered),
    ]);
    if (typeof answer === 'object' && answer.granted) this.holding = true; // given back at the end, whatever else happened
    if (typeof registration === 'string') return { kind: 'unanswered', why: registration };
    if (typeof answer === 'string') return { kind: 'unanswered', why: answer };
    if (answer === undefined || registration === undefined) return { kind: 'stopped' };
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
      try {
        const check = await guards.guardReapTarget({ requestId: this.nextRequestId(), target: this.target, checks });
        if (check.reaped) this.timeline.add('note', `${check.holder ?? 'the holder'} ended without giving ${this.target} back: released it`);
        checkAgainMs = check.checkAgainMs;
      } catch (err) {
        if (isCancellation(err)) throw err;
        // The check is a safety net for a holder that vanished; the grant itself comes as a signal.
        // A check that failed is tried again later, never the reason to stop waiting.
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
    const release = { op: 'release' as const, requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target, outcome };
    const leave = { op: 'deregister' as const, requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target };
    await Promise.all([guards.guardSend(release), ...(this.limits !== undefined ? [guards.guardSend(leave)] : [])]);
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
      const pinned = await this.pinnedLimits();
      const pool = poolOfTarget(pinned.limits, this.target);
      if (pool === undefined) {
        // In no pool under the pinned limits: nothing to count, but a worker with other limits
        // (under which it may be in a pool) still changes nothing.
        const check = await guards.guardCheckLimits({ pinned });
        if ('differs' in check) throw this.limitsRefused(pinned, check.differs);
      } else {
        const answer = await this.askShard<IsolationResult>(`whether ${this.target} may be isolated`, pinned, (requestId) =>
          asks.guardAskIsolation({ requestId, incidentId: this.incidentId, target: this.target, pinned, pool: pool.name, maxIsolated: pool.maxIsolated }),
        );
        if (!answer.allowed && 'isolated' in answer) {
          throw refused(
            `blast radius: pool ${answer.pool} already has ${answer.isolated.join(', ')} out of rotation (at most ${answer.maxIsolated} at once); not isolating ${this.target}`,
          );
        }
      }
    }
    if (declaration.guard === 'restart-budget') {
      const pinned = await this.pinnedLimits();
      const answer = await this.askShard<RestartResult>(`whether ${this.target} may be restarted`, pinned, (requestId) =>
        asks.guardAskRestart({ requestId, incidentId: this.incidentId, target: this.target, pinned }),
      );
      if (!answer.allowed && 'used' in answer) {
        throw refused(
          `restart budget: ${this.target} was restarted automatically ${answer.used} times in the last ${Math.round(answer.windowMs / 60_000)} min (at most ${answer.max}); a flapping service needs a human`,
        );
      }
    }
    // The pause may have come while the guard was being asked.
    if (changes && this.paused !== null) await this.holdWhilePaused(activity);
  }

  /** The limits to ask with; registering first if this incident has not (an unanswered registration refuses the step). */
  private async pinnedLimits(): Promise<PinnedLimits> {
    try {
      const limits = await this.register();
      if (limits !== undefined) return limits;
    } catch (err) {
      if (err instanceof GuardsUnanswered) throw refused(err.message);
      throw err;
    }
    throw refused('the guards gave this incident no limits to ask with; nothing was changed');
  }

  /**
   * Ask a shard with the pinned limits. The local activity refuses to send when this worker's own
   * configuration differs from them (a worker rolled out with other limits): the step is refused,
   * saying in what. An ask never answered refuses the step too: the incident pages and holds.
   */
  private async askShard<T extends IsolationResult | RestartResult>(what: string, pinned: PinnedLimits, send: (requestId: string) => Promise<AskTiming | LimitsDiffer>): Promise<T> {
    const requestId = this.nextRequestId();
    let differs: LimitsDiffer['differs'] | undefined;
    let answer: T | undefined;
    try {
      answer = await this.ask<T>(
        requestId,
        what,
        async () => {
          const sent = await send(requestId);
          if ('differs' in sent) {
            differs = sent.differs;
            return { answerWithinMs: 0, asks: 1 };
          }
          return sent;
        },
        () => differs !== undefined,
      );
    } catch (err) {
      if (err instanceof GuardsUnanswered) throw refused(err.message);
      throw err;
    }
    if (differs !== undefined) throw this.limitsRefused(pinned, differs);
    return answer as T;
  }

  /** This worker's guard configuration is not the guards' one: say in what, and what to do. */
  private limitsRefused(pinned: PinnedLimits, differs: LimitsDiffer['differs']): Error {
    return refused(
      `guard configuration differs: this worker's limits ${differs.theirs} are not the guards' (the guards run with limits ${pinned.hash}, pinned by ${pinned.by} at ${pinned.at}: ${pinned.reason}); ${differs.differences.join('; ')}. ` +
        'Nothing was changed: two workers never each apply their own limits. To fix: roll the same guards and targets configuration out to every worker, ' +
        'or adopt this one on purpose with `medic guards adopt-config --by NAME --reason TEXT`, then retry this incident',
    );
  }

  /** After a step: a member back in rotation no longer counts against its pool. */
  async afterStep(_activity: string, declaration: ActivityDeclaration): Promise<void> {
    if (!this.enabled || declaration.effect !== 'puts-back' || this.limits === undefined) return;
    const pool = poolOfTarget(this.limits.limits, this.target);
    if (pool !== undefined) {
      await guards.guardReleaseIsolation({ requestId: this.nextRequestId(), incidentId: this.incidentId, target: this.target, pool: pool.name });
    }
  }

  get holdsTarget(): boolean {
    return this.holding;
  }
}
