import { ActivityFailure, ApplicationFailure, TimeoutFailure, type Duration } from '@temporalio/common';
import { isCancellation, proxyActivities, sleep } from '@temporalio/workflow';
import type { ActivityName, ActivityOutput, MedicActivities } from '../../activities/contract.js';
import { NON_RETRYABLE_FAILURES } from '../../activities/contract.js';
import type { Params } from '../definitions.js';
import type { StepSpec } from './playbook-api.js';
import { RETRY, backoffMs, type StepRetry } from './retry-profiles.js';
import type { IncidentMetrics } from './incident-metrics.js';
import type { Timeline } from './timeline.js';

const DEFAULT_STEP_TIMEOUT: Duration = '2 minutes';

// The server runs each attempt exactly once; the loop below owns retries (see retry-profiles.ts).
const activities = proxyActivities<MedicActivities>({
  startToCloseTimeout: DEFAULT_STEP_TIMEOUT,
  retry: { maximumAttempts: 1 },
});

export interface StepEnv {
  incidentId: string;
  target: string;
  params: Params;
  dryRun: boolean;
  timeline: Timeline;
  metrics: IncidentMetrics;
  /** Asked before each step and told after it (kill switch, blast radius, restart budget). */
  guards?: {
    beforeStep(activity: string, compensating: boolean): Promise<void>;
    afterStep(activity: string): Promise<void>;
  };
  /** Called with the step now running (or undefined), for current details and state. */
  onRunning(label: string | undefined): void;
}

export interface FailureFacts {
  message: string;
  type: string;
  nonRetryable: boolean;
}

/** Turn whatever an activity threw into the facts a retry decision and a timeline need. */
export function failureFacts(err: unknown): FailureFacts {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, type: cause.type ?? 'Error', nonRetryable: cause.nonRetryable === true };
  }
  if (cause instanceof TimeoutFailure) {
    return { message: `timed out (${String(cause.timeoutType)})`, type: 'Timeout', nonRetryable: false };
  }
  if (cause instanceof Error) return { message: cause.message, type: cause.name, nonRetryable: false };
  return { message: String(cause), type: 'Error', nonRetryable: false };
}

/** Thrown when a step failed beyond its retries; the playbook's compensations then run. */
export const STEP_FAILED = 'StepFailed';

export async function runStep<K extends ActivityName>(
  env: StepEnv,
  spec: StepSpec<K>,
  options: { compensating?: boolean } = {},
): Promise<ActivityOutput<K>> {
  const input = { incidentId: env.incidentId, target: env.target, params: { ...env.params, ...spec.params } };
  const retry: StepRetry = spec.retry ?? RETRY.careful;

  if (env.dryRun) {
    env.timeline.add('step-dry-run', `would run ${spec.name} (${spec.activity})`, {
      step: spec.name,
      data: { activity: spec.activity, params: input.params },
    });
    return spec.dryRunResult;
  }

  await env.guards?.beforeStep(spec.activity, options.compensating === true);
  for (let attempt = 1; ; attempt++) {
    const label = `${spec.name} (attempt ${attempt} of ${retry.maximumAttempts})`;
    env.onRunning(label);
    env.timeline.add('step-started', `started ${spec.name}`, { step: spec.name, attempt, data: { activity: spec.activity } });
    const startedAt = Date.now();
    try {
      const call = activities[spec.activity] as unknown as {
        executeWithOptions(options: object, args: unknown[]): Promise<ActivityOutput<K>>;
      };
      const output = await call.executeWithOptions(
        {
          startToCloseTimeout: spec.timeout ?? DEFAULT_STEP_TIMEOUT,
          ...(spec.heartbeatTimeout !== undefined && { heartbeatTimeout: spec.heartbeatTimeout }),
          retry: { maximumAttempts: 1 },
          summary: label,
        },
        [{ ...input, ...spec.with }],
      );
      const durationMs = Date.now() - startedAt;
      const healthy = (output as { healthy?: unknown }).healthy;
      env.timeline.add('step-succeeded', `${spec.name}: ${output.summary}`, {
        step: spec.name,
        attempt,
        durationMs,
        data: { activity: spec.activity, ...(typeof healthy === 'boolean' && { healthy }), ...output.data },
      });
      env.metrics.stepAttempt(spec.activity, 'succeeded', durationMs);
      env.onRunning(undefined);
      await env.guards?.afterStep(spec.activity);
      return output;
    } catch (err) {
      env.onRunning(undefined);
      if (isCancellation(err)) throw err;
      const facts = failureFacts(err);
      const stopNow =
        facts.nonRetryable ||
        NON_RETRYABLE_FAILURES.includes(facts.type) ||
        (retry.nonRetryableErrorTypes ?? []).includes(facts.type);
      const last = stopNow || attempt >= retry.maximumAttempts;
      const durationMs = Date.now() - startedAt;
      env.timeline.add('step-failed', `${spec.name} failed: ${facts.message}`, {
        step: spec.name,
        attempt,
        durationMs,
        data: { activity: spec.activity, errorType: facts.type, final: last },
      });
      env.metrics.stepAttempt(spec.activity, 'failed', durationMs);
      if (last) {
        throw ApplicationFailure.create({
          type: STEP_FAILED,
          nonRetryable: true,
          message: `step "${spec.name}" failed after ${attempt} attempt(s): ${facts.message}`,
          details: [{ step: spec.name, attempts: attempt, errorType: facts.type }],
        });
      }
      await sleep(backoffMs(retry, attempt), { summary: `backoff before retrying ${spec.name}` });
    }
  }
}
