import type { Duration } from '@temporalio/common';
import type { ActivityInput, ActivityName, ActivityOutput, StepInput, StepOutput } from './contract.js';
import type { Params } from '../workflows/definitions.js';

// What the engine knows about each activity, declared once, beside the contract. The kill switch,
// the guards, the safe-undo rule, the configuration check and dry runs all read these
// declarations; none of them keeps a list of activity names of its own. Workflow code imports this
// file, so it stays pure: no Node APIs, no I/O.

/** Retry profile names (workflows/runtime/retry-profiles.ts). */
export type RetryProfileName = 'quick' | 'careful' | 'compensation' | 'once';

/** The configuration sections of a target (src/config/target-schema.ts) medic's activities need. */
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

export interface UndoDeclaration<O extends StepOutput = StepOutput> {
  /** The activity that undoes it: a shipped one or one of the same extension. */
  activity: string;
  /** The undo's name in the timeline, e.g. "rejoin checkout-1". */
  name(target: string, output: O): string;
  /** Extra parameters of the undo call, from what the step returned. */
  params?(output: O): Params;
}

export interface ActivityDeclaration<O extends StepOutput = StepOutput> {
  /** The effect of every call; for an activity with `effectOf`, the effect assumed when a call states none. */
  effect: Effect;
  /**
   * Where the effect depends on the call (a configured command): the effect the call states. The
   * engine treats each call by it; the activity refuses a call whose configuration says otherwise.
   */
  effectOf?(input: StepInput & Record<string, unknown>): Effect;
  /** Which guard counts this call: the blast radius (isolations per pool) or the restart budget. */
  guard?: 'blast-radius' | 'restart-budget';
  undo?: UndoDeclaration<O>;
  /** Time allowed for one attempt. */
  timeout: Duration;
  /** Set where the activity waits on the target: it heartbeats more often than this. */
  heartbeat?: Duration;
  retry: RetryProfileName;
  /**
   * The section of the target's configuration the activity needs, and how to say what to add: a
   * shipped section, or one the user's extension adds (its schema in the extension's `sections`).
   */
  section?: { name: TargetSection | (string & {}); hint: string };
  /** What a dry run assumes the activity returned: nothing is called. */
  dryRun: O;
  /** One line on what it does, for errors and listings (a user's activity should say). */
  description?: string;
}

/** True for effects the kill switch holds: anything that changes the target or its rotation. */
export const changesTarget = (effect: Effect): boolean => effect === 'takes-out' || effect === 'puts-back' || effect === 'changes';

const haproxy = { name: 'haproxy', hint: 'an haproxy section (runtimeApi, backend, server)' } as const;
const release = { name: 'release', hint: 'a release section (releasesDir, currentLink)' } as const;
const dry = { summary: 'dry run: nothing was called' };

export const ACTIVITIES: { readonly [K in ActivityName]: ActivityDeclaration<ActivityOutput<K>> } = {
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

/** Activities a user's extension declared (see defineActivity); the shipped ones are above. */
const declared = new Map<string, ActivityDeclaration>();

/**
 * An activity a user's playbook calls: its name and the types of its extra input and its output.
 * Made by defineActivity; the engine reads the declaration, the worker runs the implementation of
 * the same name (src/extension/).
 */
export interface ActivityRef<I extends object = object, O extends StepOutput = StepOutput> {
  readonly name: string;
  readonly declaration: ActivityDeclaration<O>;
  /** Types only: what the activity takes beyond StepInput, and what it returns. */
  readonly types?: { input: I; output: O };
}

const isShipped = (name: string): name is ActivityName => Object.hasOwn(ACTIVITIES, name);

/**
 * Declare an activity of a user's extension. Its declaration is what the kill switch, the guards,
 * the safe undo and the configuration check read, exactly as for medic's own activities. A name
 * already taken is an error that names both. Called when the module loads, the same way in the
 * worker and in the workflow bundle: deterministic.
 */
export function defineActivity<I extends object = object, O extends StepOutput = StepOutput>(
  name: string,
  declaration: ActivityDeclaration<O>,
): ActivityRef<I, O> {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name)) {
    throw new Error(`activity name "${name}" is not usable. To fix: use letters, digits and dashes, starting with a letter (e.g. "free-disk")`);
  }
  if (isShipped(name)) {
    throw new Error(`the activity "${name}" of your extension has the name of medic's own "${name}" activity (${ACTIVITIES[name].effect}). To fix: rename yours`);
  }
  const existing = declared.get(name);
  if (existing !== undefined && existing !== (declaration as ActivityDeclaration)) {
    throw new Error(`two activities are named "${name}" ("${existing.description ?? existing.effect}" and "${declaration.description ?? declaration.effect}"). To fix: rename one of them`);
  }
  declared.set(name, declaration as ActivityDeclaration);
  return { name, declaration };
}

/** The activities extensions declared, by name (the worker checks each has an implementation). */
export const declaredActivities = (): ReadonlyMap<string, ActivityDeclaration> => declared;

/** The name a playbook's activity list or step call refers to. */
export const activityNameOf = (activity: string | ActivityRef): string => (typeof activity === 'string' ? activity : activity.name);

export function declarationOf<K extends ActivityName>(activity: K): ActivityDeclaration<ActivityOutput<K>>;
export function declarationOf(activity: string): ActivityDeclaration;
export function declarationOf(activity: string): ActivityDeclaration {
  const found = isShipped(activity) ? (ACTIVITIES[activity] as ActivityDeclaration) : declared.get(activity);
  if (found === undefined) {
    throw new Error(`no activity is declared as "${activity}". To fix: declare it with defineActivity in your extension's workflows module, or check its spelling`);
  }
  return found;
}

/** The extra input fields a step passes to an activity, by name: shipped ones are typed. */
export type StepWith<K extends string> = K extends ActivityName ? Omit<ActivityInput<K>, keyof StepInput> : object;
/** What a step of that activity returns. */
export type StepResult<K extends string> = K extends ActivityName ? ActivityOutput<K> : StepOutput;

/** The declaration as it applies to one call: its effect stated by the call where the activity lets it. */
export function declarationForCall(activity: string, input: StepInput): ActivityDeclaration {
  const declaration = declarationOf(activity);
  return declaration.effectOf === undefined ? declaration : { ...declaration, effect: declaration.effectOf(input as StepInput & Record<string, unknown>) };
}
