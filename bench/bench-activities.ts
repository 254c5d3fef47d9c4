import type { ActivityName, MedicActivities, StepInput } from '../activities/contract.js';
import { wallClockMs } from './stats.js';

/**
 * Targets whose name starts with this make the no-op activities sleep SLEEP_MS, for the
 * orchestration-overhead measurement. A target name, not a route parameter: playbooks take only
 * the parameters they declare, and the bench uses the shipped playbook as it is.
 */
export const SLEEPING_TARGET = 'sleep-';
export const SLEEP_MS = 10;

/** Where a timing goes: the IPC sender in the worker child, an array in the in-process baseline. */
export type TimingSink = (workflowId: string, activity: ActivityName, startMs: number, endMs: number) => void;

function sleepMs(input: StepInput): number {
  return input.target.startsWith(SLEEPING_TARGET) ? SLEEP_MS : 0;
}

/** The body of every bench activity: nothing, or a fixed sleep. Also what the plain baseline calls. */
export async function benchStep(input: StepInput): Promise<void> {
  const ms = sleepMs(input);
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * MedicActivities that touch nothing: each records when it started and ended, measured inside the
 * activity (the "first action" of an incident is the moment its first activity begins to run).
 */
export function createBenchActivities(sink: TimingSink): MedicActivities {
  const timed = async (activity: ActivityName, input: StepInput): Promise<void> => {
    const startMs = wallClockMs();
    await benchStep(input);
    // Both medic and the bare workflow pass their workflow id as the incident id.
    sink(input.incidentId, activity, startMs, wallClockMs());
  };
  const step =
    <T>(activity: ActivityName, output: T) =>
    async (input: StepInput): Promise<T> => {
      await timed(activity, input);
      return output;
    };
  return {
    isolate: step('isolate', { summary: 'bench: isolated' }),
    rejoin: step('rejoin', { summary: 'bench: rejoined' }),
    diagnose: step('diagnose', { summary: 'bench: diagnosed' }),
    restart: step('restart', { summary: 'bench: restarted' }),
    verify: step('verify', { summary: 'bench: healthy', healthy: true }),
    rollback: step('rollback', { summary: 'bench: rolled back', fromVersion: 'v2', toVersion: 'v1' }),
    rollforward: step('rollforward', { summary: 'bench: rolled forward' }),
    escalate: step('escalate', { summary: 'bench: escalated' }),
    command: step('command', { summary: 'bench: command ran', exitCode: 0 }),
  };
}
