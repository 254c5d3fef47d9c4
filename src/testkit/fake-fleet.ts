import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityName, CommandInput, EscalateInput, MedicActivities, StepInput, StepOutput } from '../../activities/contract.js';
import { ACTIVITIES, declaredActivities } from '../../activities/declarations.js';
import { FailureType } from '../../activities/contract.js';
import { TestKitError } from './test-kit-error.js';

/**
 * What one call of an activity does, scripted by a test:
 * - `'ok'` (the default), `'healthy'` / `'unhealthy'` (verify's answer);
 * - `'fail'`: a retryable failure, as a target that refuses connections (medic retries it);
 * - `'fatal'`: a non-retryable failure, as an unknown target (medic stops the step at once);
 * - `{ fail: message }` / `{ fatal: message }`, optionally with the failure's `type`;
 * - `{ returns: fields }`: succeed, with these fields over the fake's usual output (for an added
 *   activity: over its declared dry-run result, without running its implementation);
 * - `'hang'`: heartbeat until cancelled (holds the time-skipping clock: see docs/testkit.md);
 * - `'slow'`: 1.5 s of real time, then succeed.
 */
export type Outcome =
  | 'ok'
  | 'healthy'
  | 'unhealthy'
  | 'fail'
  | 'fatal'
  | 'hang'
  | 'slow'
  | { fail: string; type?: string }
  | { fatal: string; type?: string }
  | { returns: Record<string, unknown> };

/** Outcomes per activity name, one per call in order; the last one repeats. */
export type FleetScript = Partial<Record<ActivityName, Outcome[]>> & Record<string, Outcome[]>;

/** One call the fleet received. */
export interface FleetCall {
  activity: string;
  target: string;
  incidentId: string;
  /** Temporal's attempt number of this activity task (medic's step runner retries in the workflow: mostly 1). */
  attempt: number;
  params: StepInput['params'];
  /** For escalate: trigger, acknowledge or resolve. */
  event?: string;
  /** For command: the configured action and the effect the playbook stated at the call. */
  action?: string;
  effect?: string;
  outcome: 'ok' | 'failed' | 'cancelled';
}

/** A user activity the fleet runs (after its scripted outcome allows it) and records. */
export type FleetActivity<I extends StepInput = StepInput, O = unknown> = (input: I) => Promise<O>;

const DEFAULT_HEALTHY: Outcome = 'healthy';

/**
 * An in-memory fleet below medic's activity boundary, for tests: every shipped activity (and any
 * you add) answers as scripted, per activity and per target, and every call is recorded in order.
 * It keeps the state a real driver would change (in or out of rotation, the running version), so a
 * test can assert both what was called and its effect.
 *
 * @example
 * const fleet = new FakeFleet({ restart: ['fail', 'ok'] })   // every target: fail once, then work
 *   .script('verify', ['unhealthy'], { target: 'web-2' });    // only web-2 stays unhealthy
 */
export class FakeFleet {
  readonly calls: FleetCall[] = [];
  /** Targets out of rotation now (isolated and not rejoined). */
  readonly isolated = new Set<string>();
  /** The release the fake's rollback and rollforward switch between. */
  version = 'v2';
  private readonly scripts = new Map<string, Outcome[]>();
  private readonly counts = new Map<string, number>();
  private readonly extra = new Map<string, FleetActivity<never>>();

  constructor(script: FleetScript = {}) {
    for (const [activity, outcomes] of Object.entries(script)) this.script(activity, outcomes ?? []);
  }

  /**
   * Script the outcomes of `activity`'s calls, in order (the last one repeats). With `target`, only
   * calls on that target, counted on their own; such a script wins over the activity's general one.
   */
  script(activity: ActivityName | (string & {}), outcomes: Outcome[], options: { target?: string } = {}): this {
    this.scripts.set(scriptKey(activity, options.target), [...outcomes]);
    return this;
  }

  /**
   * Add a user activity: it is scripted and recorded like the shipped ones and, when its outcome
   * lets it succeed, runs `impl` (default: the dry-run result its declaration gives, so a playbook
   * that reads the output's fields still runs). Add before the worker starts
   * (`startTestEnvironment` reads the fleet's activities once).
   */
  add<I extends StepInput, O>(name: string, impl?: FleetActivity<I, O>): this {
    if (isShipped(name)) throw new TestKitError(`"${name}" is one of medic's own activities; the fleet fakes it already. To fix: script it with fleet.script('${name}', [...])`);
    this.extra.set(name, (impl ?? (async (input: StepInput) => fakeOutput(name, input))) as FleetActivity<never>);
    return this;
  }

  /** Whether the fleet serves this activity (a shipped one, or one added). */
  has(name: string): boolean {
    return isShipped(name) || this.extra.has(name);
  }

  /** Activity names in call order, e.g. ['isolate', 'diagnose', 'restart', ...]. */
  get order(): string[] {
    return this.calls.map((c) => c.activity);
  }

  /** The calls of one activity, on one target or all. */
  callsTo(activity: string, target?: string): FleetCall[] {
    return this.calls.filter((c) => c.activity === activity && (target === undefined || c.target === target));
  }

  /** Every activity the worker should serve: the shipped ones, faked, and those added. */
  get activities(): MedicActivities & Record<string, (input: never) => Promise<unknown>> {
    const added = Object.fromEntries(
      [...this.extra].map(([name, impl]) => [
        name,
        async (input: StepInput) => {
          const outcome = await this.perform(name, input);
          // A scripted result stands in for the implementation: it is not run.
          if (typeof outcome === 'object' && 'returns' in outcome) return withReturns(fakeOutput(name, input), outcome);
          return (impl as FleetActivity)(input);
        },
      ]),
    );
    return { ...this.shipped(), ...added };
  }

  private next(activity: string, target: string): Outcome {
    const general = this.scripts.get(activity);
    const own = this.scripts.get(scriptKey(activity, target));
    const n = this.bump(activity);
    const m = this.bump(scriptKey(activity, target));
    const [list, i] = own !== undefined ? [own, m] : [general ?? [], n];
    return list[Math.min(i, list.length - 1)] ?? (activity === 'verify' ? DEFAULT_HEALTHY : 'ok');
  }

  private bump(key: string): number {
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    return n;
  }

  private async perform(activity: string, input: StepInput): Promise<Outcome> {
    const outcome = this.next(activity, input.target);
    const { event } = input as Partial<EscalateInput>;
    const { action, effect } = input as Partial<CommandInput>;
    const ctx = Context.current();
    const call: FleetCall = {
      activity,
      target: input.target,
      incidentId: input.incidentId,
      attempt: ctx.info.attempt,
      params: input.params,
      outcome: 'ok',
      ...(event !== undefined && { event }),
      ...(action !== undefined && { action }),
      ...(effect !== undefined && { effect }),
    };
    this.calls.push(call);
    const failure = failureOf(activity, input.target, outcome);
    if (failure !== undefined) {
      call.outcome = 'failed';
      throw failure;
    }
    if (outcome === 'slow') await ctx.sleep(1_500);
    if (outcome === 'hang') {
      // Like a real driver waiting on a stuck process: heartbeat until cancelled.
      try {
        for (;;) {
          ctx.heartbeat({ waiting: activity });
          await ctx.sleep(100);
        }
      } catch (err) {
        call.outcome = 'cancelled';
        throw err;
      }
    }
    return outcome;
  }

  private shipped(): MedicActivities {
    return {
      isolate: async (input) => {
        const outcome = await this.perform('isolate', input);
        this.isolated.add(input.target);
        return withReturns({ summary: `${input.target} drained and out of rotation` }, outcome);
      },
      rejoin: async (input) => {
        const outcome = await this.perform('rejoin', input);
        this.isolated.delete(input.target);
        return withReturns({ summary: `${input.target} back in rotation` }, outcome);
      },
      diagnose: async (input) => withReturns({ summary: 'cpu 99%, 812 open files', data: { cpu: 99 } }, await this.perform('diagnose', input)),
      restart: async (input) => withReturns({ summary: `${input.target} restarted` }, await this.perform('restart', input)),
      verify: async (input) => {
        const outcome = await this.perform('verify', input);
        const healthy = outcome !== 'unhealthy';
        return withReturns({ healthy, summary: healthy ? '3/3 probes ok' : 'HTTP 500 on /healthz' }, outcome);
      },
      rollback: async (input) => {
        const outcome = await this.perform('rollback', input);
        const fromVersion = this.version;
        this.version = 'v1';
        return withReturns({ summary: `switched ${fromVersion} -> v1`, fromVersion, toVersion: 'v1' }, outcome);
      },
      rollforward: async (input) => {
        const outcome = await this.perform('rollforward', input);
        this.version = String(input.params['version']);
        return withReturns({ summary: `rolled forward to ${this.version}` }, outcome);
      },
      escalate: async (input) => withReturns({ summary: `${input.event} sent to test channel` }, await this.perform('escalate', input)),
      command: async (input) =>
        withReturns({ summary: `${input.action} on ${input.target}: exit 0`, exitCode: 0, data: { action: input.action, exitCode: 0 } }, await this.perform('command', input)),
    };
  }
}

/** medic's own activities, as their declarations list them (no list of names kept here). */
const isShipped = (name: string): boolean => Object.hasOwn(ACTIVITIES, name);

/** A user activity's fake answer: its declared dry-run result, in the fleet's words. */
function fakeOutput(name: string, input: StepInput): StepOutput {
  const declared = declaredActivities().get(name)?.dryRun as StepOutput | undefined;
  return { ...declared, summary: `${name} on ${input.target}: done (fake)` };
}

const scriptKey = (activity: string, target: string | undefined): string => (target === undefined ? activity : `${activity}\u0000${target}`);

/** The failure a scripted outcome throws, as a real driver's would cross the activity boundary. */
function failureOf(activity: string, target: string, outcome: Outcome): ApplicationFailure | undefined {
  if (outcome === 'fail') return failureOf(activity, target, { fail: `${activity} on ${target}: connection refused` });
  if (outcome === 'fatal') return failureOf(activity, target, { fatal: `unknown target "${target}"`, type: FailureType.UnknownTarget });
  if (typeof outcome !== 'object') return undefined;
  if ('fail' in outcome) return ApplicationFailure.create({ type: outcome.type ?? FailureType.TargetUnavailable, message: outcome.fail });
  if ('fatal' in outcome) return ApplicationFailure.create({ type: outcome.type ?? FailureType.Misconfiguration, nonRetryable: true, message: outcome.fatal });
  return undefined;
}

function withReturns<O>(output: O, outcome: Outcome): O {
  if (typeof outcome === 'object' && 'returns' in outcome) return { ...output, ...outcome.returns } as O;
  return output;
}
