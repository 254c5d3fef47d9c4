import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/common';
import { isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { MedicActivities, StepInput } from '../../activities/contract.js';
import { declarationForCall, type ActivityDeclaration, type StepResult } from '../../activities/declarations.js';
import type { Params } from '../definitions.js';
import type { DryRunAssumptions } from './dry-run-assumptions.js';
import type { StepOptions } from './playbook-api.js';
import { RETRY, backoffMs, type StepRetry } from './retry-profiles.js';
import type { IncidentMetrics } from './incident-metrics.js';
import { noteAttempt, noteVerify, verifiedSinceLastChange, type TargetFacts } from './target-facts.js';
import type { Timeline } from './timeline.js';

// The server runs each attempt exactly once; the loop below owns retries (see retry-profiles.ts),
// so every attempt, with its error and duration, is in the timeline. Timeouts come per call from
// the activity's declaration.
const activities = proxyActivities<MedicActivities>({ startToCloseTimeout: '2 minutes', retry: { maximumAttempts: 1 } });

/** Failure types the engine itself raises (the one error ladder: see failureFacts). */
export const STEP_FAILED = 'StepFailed';
/** A guard (kill switch, blast radius, budget) or a safety rule refused the step: escalate, undo nothing more. */
export const GUARD_REFUSED = 'GuardRefused';
/** The playbook called an activity it did not declare, or put back an unverified target: a playbook bug. */
export const PLAYBOOK_BUG = 'PlaybookBug';
/** The step did not start (or retry): what it was for was called off (an abort). */
export const STOPPED = 'Stopped';

export interface StepGuards {
  /** Before each attempt: hold while paused, ask the blast radius and the restart budget. Throws GuardRefused. */
  beforeAttempt(activity: string, declaration: ActivityDeclaration): Promise<void>;
  /** After a successful step: a member back in rotation no longer counts against its pool. */
  afterStep(activity: string, declaration: ActivityDeclaration): Promise<void>;
}

export interface StepEnv {
  incidentId: string;
  target: string;
  params: Params;
  dryRun: boolean;
  timeline: Timeline;
  metrics: IncidentMetrics;
  facts: TargetFacts;
  /** A dry run's assumed outcomes (medic signal --assume); absent: the declared dry-run results. */
  assumed?: DryRunAssumptions;
  /** The activities the playbook declared; undefined for engine steps (escalations, undos). */
  allowed?: readonly string[];
  guards?: StepGuards;
  /** Called with the step now running (or undefined), for current details and state. */
  onRunning(label: string | undefined): void;
}

export interface FailureFacts {
  message: string;
  type: string;
  nonRetryable: boolean;
}

/**
 * Whatever an activity or the engine threw, as the facts a retry decision and a timeline need.
 * Retry or not is decided here only: by the failure's own nonRetryable flag, which drivers set.
 */
export function failureFacts(err: unknown): FailureFacts {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, type: cause.type ?? 'Error', nonRetryable: cause.nonRetryable === true };
  }
  if (cause instanceof TimeoutFailure) return { message: `timed out (${String(cause.timeoutType)})`, type: 'Timeout', nonRetryable: false };
  if (cause instanceof Error) return { message: cause.message, type: cause.name, nonRetryable: false };
  return { message: String(cause), type: 'Error', nonRetryable: false };
}

export function refused(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: GUARD_REFUSED, nonRetryable: true, message });
}

function playbookBug(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: PLAYBOOK_BUG, nonRetryable: true, message });
}

const retryOf = (retry: StepOptions<string>['retry'], fallback: keyof typeof RETRY): StepRetry =>
  typeof retry === 'string' ? RETRY[retry] : (retry ?? RETRY[fallback]);

/** A dry run's step: recorded, nothing called; the result is the declared one unless an outcome is assumed. */
function dryRunStep<O>(env: StepEnv, name: string, activity: string, declaration: ActivityDeclaration, result: O, params: Params, withFields: Params | undefined): O {
  const assumed = env.assumed?.next(activity);
  env.timeline.add('step-dry-run', `would run ${name} (${activity})${assumed !== undefined ? `, assumed ${assumed}` : ''}`, {
    step: name,
    data: { activity, params, ...(withFields !== undefined && { with: withFields }), ...(assumed !== undefined && { assumed }) },
  });
  if (assumed === 'fail') {
    throw ApplicationFailure.create({ type: STEP_FAILED, nonRetryable: true, message: `step "${name}" failed (assumed in this dry run)`, details: [{ step: name, attempts: 1, errorType: 'Assumed' }] });
  }
  if ((assumed === 'healthy' || assumed === 'unhealthy') && declaration.effect === 'verifies') {
    return { ...result, healthy: assumed === 'healthy', summary: `dry run: assumed ${assumed}` };
  }
  return result;
}

/** One named step: checks, attempts with backoff, timeline entries; throws StepFailed after the last attempt. */
export async function runStep<K extends string>(
  env: StepEnv,
  name: string,
  activity: K,
  options: StepOptions<K> & { stopIf?: () => boolean } = {},
): Promise<StepResult<K>> {
  const input = { incidentId: env.incidentId, target: env.target, params: { ...env.params, ...options.params } };
  const callInput: StepInput = { ...input, ...(options.with as object | undefined) };
  // Per call: a command's effect is what the playbook states at the call (the activity checks it).
  const declaration = declarationForCall(activity, callInput);
  const retry = retryOf(options.retry, declaration.retry);

  if (env.allowed !== undefined && !env.allowed.includes(activity)) {
    throw playbookBug(`step "${name}" calls ${activity}, which the playbook does not declare in its activities. To fix: add '${activity}' to the playbook's activities`);
  }
  if (declaration.effect === 'puts-back' && !verifiedSinceLastChange(env.facts) && !env.dryRun) {
    throw playbookBug(`refused to ${name}: no verify has passed since the last change to ${env.target}, so it stays out of rotation`);
  }
  if (env.dryRun) return dryRunStep(env, name, activity, declaration as ActivityDeclaration<StepResult<K>>, options.dryRun ?? (declaration.dryRun as StepResult<K>), input.params, options.with as Params | undefined);

  for (let attempt = 1; ; attempt++) {
    if (options.stopIf?.() === true) throw ApplicationFailure.create({ type: STOPPED, nonRetryable: true, message: `${name} was called off before attempt ${attempt}` });
    await env.guards?.beforeAttempt(activity, declaration);
    const label = `${name} (attempt ${attempt} of ${retry.maximumAttempts})`;
    env.onRunning(label);
    env.timeline.add('step-started', `started ${name}`, { step: name, attempt, data: { activity } });
    noteAttempt(env.facts, declaration.effect);
    const startedAt = Date.now();
    try {
      const call = (activities as unknown as Record<string, { executeWithOptions(options: object, args: unknown[]): Promise<StepResult<K>> }>)[activity] as {
        executeWithOptions(options: object, args: unknown[]): Promise<StepResult<K>>;
      };
      const heartbeat = options.heartbeat ?? declaration.heartbeat;
      const output = await call.executeWithOptions(
        {
          startToCloseTimeout: options.timeout ?? declaration.timeout,
          ...(heartbeat !== undefined && { heartbeatTimeout: heartbeat }),
          retry: { maximumAttempts: 1 },
          summary: label,
        },
        [callInput],
      );
      const durationMs = Date.now() - startedAt;
      const healthy = (output as { healthy?: unknown }).healthy;
      if (declaration.effect === 'verifies') noteVerify(env.facts, healthy === true);
      env.timeline.add('step-succeeded', `${name}: ${output.summary}`, {
        step: name,
        attempt,
        durationMs,
        data: { activity, ...(typeof healthy === 'boolean' && { healthy }), ...output.data },
      });
      env.metrics.stepAttempt(activity, 'succeeded', durationMs);
      env.onRunning(undefined);
      await env.guards?.afterStep(activity, declaration);
      return output;
    } catch (err) {
      env.onRunning(undefined);
      if (isCancellation(err)) throw err;
      const facts = failureFacts(err);
      const last = facts.nonRetryable || attempt >= retry.maximumAttempts;
      const durationMs = Date.now() - startedAt;
      env.timeline.add('step-failed', `${name} failed: ${facts.message}`, {
        step: name,
        attempt,
        durationMs,
        data: { activity, errorType: facts.type, final: last },
      });
      env.metrics.stepAttempt(activity, 'failed', durationMs);
      if (last) {
        throw ApplicationFailure.create({
          type: STEP_FAILED,
          nonRetryable: true,
          message: `step "${name}" failed after ${attempt} attempt(s): ${facts.message}`,
          details: [{ step: name, attempts: attempt, errorType: facts.type }],
        });
      }
      await sleep(backoffMs(retry, attempt), { summary: `backoff before retrying ${name}` });
    }
  }
}
