import type { Duration } from '@temporalio/common';
import type { ActivityInput, ActivityName, ActivityOutput } from './contract.js';
import type { Params } from '../workflows/definitions.js';

// What the engine knows about each activity, declared once, beside the contract. The kill switch,
// the guards, the safe-undo rule, the configuration check and dry runs all read these
// declarations; none of them keeps a list of activity names of its own. Workflow code imports this
// file, so it stays pure: no Node APIs, no I/O.

/** Retry profile names (workflows/runtime/retry-profiles.ts). */
export type RetryProfileName = 'quick' | 'careful' | 'compensation' | 'once';

/** The configuration sections of a target (src/config/target-schema.ts) an activity may need. */
export type TargetSection = 'haproxy' | 'process' | 'verify' | 'release' | 'diagnose' | 'commands';

/** What an activity does to its target, as far as safety is concerned. */
export type Effect =
  /** Reads only (diagnose). */
  | 'reads'
  /** Checks health; a passing result is what lets a target back into rotation. */
  | 'verifies'
  /** Takes the target out of rotation (isolate). */
  | 'takes-out'
  /** Puts the target back into rotation (rejoin): only after a verify passed since the last change. */
  | 'puts-back'
  /** Changes the target itself (restart, rollback, a command). */
  | 'changes'
  /** Tells a human; changes nothing on the target. */
  | 'notifies';

export interface UndoDeclaration<K extends ActivityName> {
  activity: ActivityName;
  /** The undo's name in the timeline, e.g. "rejoin checkout-1". */
  name(target: string, output: ActivityOutput<K>): string;
  /** Extra parameters of the undo call, from what the step returned. */
  params?(output: ActivityOutput<K>): Params;
}

export interface ActivityDeclaration<K extends ActivityName> {
  /** The effect of every call; for an activity with `effectOf`, the effect assumed when a call states none. */
  effect: Effect;
  /**
   * Where the effect depends on the call (a configured command): the effect the call states. The
   * engine treats each call by it; the activity refuses a call whose configuration says otherwise.
   */
  effectOf?(input: ActivityInput<K>): Effect;
  /** Which guard counts this call: the blast radius (isolations per pool) or the restart budget. */
  guard?: 'blast-radius' | 'restart-budget';
  undo?: UndoDeclaration<K>;
  /** Time allowed for one attempt. */
  timeout: Duration;
  /** Set where the activity waits on the target: it heartbeats more often than this. */
  heartbeat?: Duration;
  retry: RetryProfileName;
  /** The section of the target's configuration the activity needs, and how to say what to add. */
  section?: { name: TargetSection; hint: string };
  /** What a dry run assumes the activity returned: nothing is called. */
  dryRun: ActivityOutput<K>;
}

/** True for effects the kill switch holds: anything that changes the target or its rotation. */
export const changesTarget = (effect: Effect): boolean => effect === 'takes-out' || effect === 'puts-back' || effect === 'changes';

const haproxy = { name: 'haproxy', hint: 'an haproxy section (runtimeApi, backend, server)' } as const;
const release = { name: 'release', hint: 'a release section (releasesDir, currentLink)' } as const;
const dry = { summary: 'dry run: nothing was called' };

export const ACTIVITIES: { readonly [K in ActivityName]: ActivityDeclaration<K> } = {
  isolate: {
    effect: 'takes-out',
    guard: 'blast-radius',
    undo: { activity: 'rejoin', name: (target) => `rejoin ${target}` },
    timeout: '2 minutes', // draining can take a while; the driver heartbeats
    heartbeat: '30 seconds',
    retry: 'careful',
    section: haproxy,
    dryRun: dry,
  },
  rejoin: { effect: 'puts-back', timeout: '2 minutes', heartbeat: '30 seconds', retry: 'careful', section: haproxy, dryRun: dry },
  diagnose: { effect: 'reads', timeout: '2 minutes', retry: 'quick', dryRun: dry },
  restart: {
    effect: 'changes',
    guard: 'restart-budget',
    timeout: '3 minutes',
    heartbeat: '30 seconds',
    retry: 'careful',
    section: { name: 'process', hint: 'a process section (manager: pm2, systemd or command)' },
    dryRun: dry,
  },
  verify: {
    effect: 'verifies',
    timeout: '2 minutes',
    heartbeat: '30 seconds',
    retry: 'quick',
    section: { name: 'verify', hint: 'a verify section (checks: http, tcp or prometheus)' },
    dryRun: { summary: 'dry run: assumed healthy', healthy: true },
  },
  rollback: {
    effect: 'changes',
    undo: {
      activity: 'rollforward',
      name: (target, out) => `roll ${target} forward to ${out.fromVersion}`,
      params: (out) => ({ version: out.fromVersion }),
    },
    timeout: '3 minutes',
    retry: 'careful',
    section: release,
    dryRun: { summary: 'dry run: nothing was called', fromVersion: 'current', toVersion: 'previous' },
  },
  rollforward: { effect: 'changes', timeout: '3 minutes', heartbeat: '30 seconds', retry: 'careful', section: release, dryRun: dry },
  escalate: { effect: 'notifies', timeout: '2 minutes', retry: 'quick', dryRun: { summary: 'dry run: nobody notified' } },
  command: {
    // Unless the call says 'read-only', a command is a change: the safe assumption.
    effect: 'changes',
    effectOf: (input) => (input.effect === 'read-only' ? 'reads' : 'changes'),
    timeout: '11 minutes', // a configured command may run 10 (src/config/command-schema.ts); it heartbeats
    heartbeat: '30 seconds',
    retry: 'careful', // used only when the action is configured retryable
    section: { name: 'commands', hint: 'a commands section (an action with argv and effect)' },
    dryRun: { summary: 'dry run: nothing was run', exitCode: 0 },
  },
};

export function declarationOf<K extends ActivityName>(activity: K): ActivityDeclaration<K> {
  return ACTIVITIES[activity];
}

/** The declaration as it applies to one call: its effect stated by the call where the activity lets it. */
export function declarationForCall<K extends ActivityName>(activity: K, input: ActivityInput<K>): ActivityDeclaration<K> {
  const declaration = declarationOf(activity);
  return declaration.effectOf === undefined ? declaration : { ...declaration, effect: declaration.effectOf(input) };
}
