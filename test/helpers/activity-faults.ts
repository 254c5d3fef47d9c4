import { Context } from '@temporalio/activity';
import type { ActivityName, MedicActivities } from '../../activities/contract.js';

// Faults below the activity boundary: activities that hang or take long, as drivers do when a
// target stops answering.

/**
 * Make chosen calls of an activity hang without heartbeating: a driver stuck in a call to a target
 * that never answers. Only the server's heartbeat timeout can tell; the worker never learns that
 * the attempt was given up, so call `release()` before the worker shuts down (which waits for
 * running activities); a local cancellation (the worker's shutdown grace) also ends them.
 */
export class Stalls {
  /** Calls that hung, in order. */
  readonly stalled: { activity: ActivityName; call: number }[] = [];
  private readonly waiting: (() => void)[] = [];

  /** `plan` lists, per activity, which calls (1 = the first) hang; the others go to `activities`. */
  wrap(activities: MedicActivities, plan: Partial<Record<ActivityName, number[]>>): MedicActivities {
    const counts = new Map<ActivityName, number>();
    const wrapped = { ...activities } as Record<ActivityName, (input: never) => Promise<unknown>>;
    for (const [activity, calls] of Object.entries(plan) as [ActivityName, number[]][]) {
      const real = activities[activity] as (input: never) => Promise<unknown>;
      wrapped[activity] = async (input: never) => {
        const n = (counts.get(activity) ?? 0) + 1;
        counts.set(activity, n);
        if (!calls.includes(n)) return real(input);
        this.stalled.push({ activity, call: n });
        await Promise.race([new Promise<void>((resolve) => this.waiting.push(resolve)), Context.current().cancelled.catch(() => undefined)]);
        throw new Error(`${activity} call ${n} was stuck and has been released by the test`);
      };
    }
    return wrapped as unknown as MedicActivities;
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

/**
 * Make an activity take `ms` before doing its work, heartbeating meanwhile like a real driver
 * waiting on a target; `onWaiting` is told when the wait starts (to inject a fault then).
 */
export function slowly(activities: MedicActivities, activity: ActivityName, ms: number, onWaiting?: () => void): MedicActivities {
  const real = activities[activity] as (input: never) => Promise<unknown>;
  const wrapped = async (input: never) => {
    const ctx = Context.current();
    onWaiting?.();
    for (const end = Date.now() + ms; Date.now() < end; ) {
      ctx.heartbeat({ waiting: activity });
      await ctx.sleep(Math.min(250, end - Date.now()));
    }
    return real(input);
  };
  return { ...activities, [activity]: wrapped } as MedicActivities;
}
