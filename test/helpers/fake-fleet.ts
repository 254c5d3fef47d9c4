import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityName, MedicActivities, StepInput } from '../../activities/contract.js';
import { FailureType } from '../../activities/contract.js';

/** What one call of an activity does: succeed, fail (retryable), fail for good, or hang until cancelled. */
export type Behaviour = 'ok' | 'fail' | 'fatal' | 'hang' | 'slow' | 'healthy' | 'unhealthy';

export interface FleetCall {
  activity: ActivityName;
  target: string;
  attempt: number;
  params: StepInput['params'];
  /** For escalate: trigger, acknowledge or resolve. */
  event?: string;
  /** For command: the action and the effect the playbook stated. */
  action?: string;
  effect?: string;
  outcome: 'ok' | 'failed' | 'cancelled';
}

/**
 * A test implementation of medic's activities: an in-memory fleet below the activity boundary.
 * It records every call in order and keeps the state a real driver would change
 * (in or out of rotation, running version), so tests can assert both order and effect.
 */
export class FakeFleet {
  readonly calls: FleetCall[] = [];
  readonly isolated = new Set<string>();
  version = 'v2';
  private readonly script: Partial<Record<ActivityName, Behaviour[]>>;
  private readonly counts = new Map<ActivityName, number>();

  constructor(script: Partial<Record<ActivityName, Behaviour[]>> = {}) {
    this.script = script;
  }

  /** Activity names in call order, e.g. ['isolate', 'diagnose', 'restart', ...]. */
  get order(): ActivityName[] {
    return this.calls.map((c) => c.activity);
  }

  private next(activity: ActivityName): Behaviour {
    const n = this.counts.get(activity) ?? 0;
    this.counts.set(activity, n + 1);
    const list = this.script[activity] ?? [];
    return list[Math.min(n, list.length - 1)] ?? (activity === 'verify' ? 'healthy' : 'ok');
  }

  private async perform(activity: ActivityName, input: StepInput): Promise<Behaviour> {
    const behaviour = this.next(activity);
    const { event, action, effect } = input as { event?: string; action?: string; effect?: string };
    const call: FleetCall = {
      activity,
      target: input.target,
      attempt: Context.current().info.attempt,
      params: input.params,
      outcome: 'ok',
      ...(event !== undefined && { event }),
      ...(action !== undefined && { action }),
      ...(effect !== undefined && { effect }),
    };
    this.calls.push(call);
    if (behaviour === 'fail') {
      call.outcome = 'failed';
      throw ApplicationFailure.create({ type: FailureType.TargetUnavailable, message: `${activity} on ${input.target}: connection refused` });
    }
    if (behaviour === 'fatal') {
      call.outcome = 'failed';
      throw ApplicationFailure.create({ type: FailureType.UnknownTarget, nonRetryable: true, message: `unknown target "${input.target}"` });
    }
    if (behaviour === 'slow') await Context.current().sleep(1_500);
    if (behaviour === 'hang') {
      // Like a real driver waiting on a stuck process: heartbeat until cancelled.
      const ctx = Context.current();
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
    return behaviour;
  }

  readonly activities: MedicActivities = {
    isolate: async (input) => {
      await this.perform('isolate', input);
      this.isolated.add(input.target);
      return { summary: `${input.target} drained and out of rotation` };
    },
    rejoin: async (input) => {
      await this.perform('rejoin', input);
      this.isolated.delete(input.target);
      return { summary: `${input.target} back in rotation` };
    },
    diagnose: async (input) => {
      await this.perform('diagnose', input);
      return { summary: 'cpu 99%, 812 open files', data: { cpu: 99 } };
    },
    restart: async (input) => {
      await this.perform('restart', input);
      return { summary: `${input.target} restarted` };
    },
    verify: async (input) => {
      const healthy = (await this.perform('verify', input)) !== 'unhealthy';
      return { healthy, summary: healthy ? '3/3 probes ok' : 'HTTP 500 on /healthz' };
    },
    rollback: async (input) => {
      await this.perform('rollback', input);
      const fromVersion = this.version;
      this.version = 'v1';
      return { summary: `switched ${fromVersion} -> v1`, fromVersion, toVersion: 'v1' };
    },
    rollforward: async (input) => {
      await this.perform('rollforward', input);
      this.version = String(input.params['version']);
      return { summary: `rolled forward to ${this.version}` };
    },
    escalate: async (input) => {
      await this.perform('escalate', input);
      return { summary: `${input.event} sent to test channel` };
    },
    command: async (input) => {
      await this.perform('command', input);
      return { summary: `${input.action} on ${input.target}: exit 0`, exitCode: 0, data: { action: input.action, exitCode: 0 } };
    },
  };
}
