import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import pino from 'pino';
import { createActivities } from '../../activities/create-activities.js';
import type { MedicActivities, StepInput } from '../../activities/contract.js';
import { ConfigSchema, type MedicConfig } from '../../src/config/config-schema.js';
import type { Params } from '../../workflows/definitions.js';

// Drivers run here exactly as a worker runs them (a real activity Context with heartbeats and
// cancellation), against real HAProxy, processes and HTTP servers. No workflow is involved.

/** Validate a configuration the way `medic worker` does (defaults applied). */
export function testConfig(raw: unknown): MedicConfig {
  return ConfigSchema.parse(raw);
}

export function driverActivities(config: MedicConfig): MedicActivities {
  return createActivities({ config, logger: pino({ level: 'silent' }) });
}

export function stepInput(target: string, params: Params = {}, incidentId = 'incident-driver-test'): StepInput {
  return { incidentId, target, params };
}

export interface ActivityRun<R> {
  result: R;
  heartbeats: unknown[];
}

/** Run one activity in a fresh activity Context and collect its heartbeats. */
export async function runActivity<I, R>(fn: (input: I) => Promise<R>, input: I, activityType = 'test'): Promise<ActivityRun<R>> {
  const env = new MockActivityEnvironment({ activityType }, { logger: new DefaultLogger('ERROR') });
  const heartbeats: unknown[] = [];
  env.on('heartbeat', (d: unknown) => heartbeats.push(d));
  const result = (await env.run(fn, input)) as R;
  return { result, heartbeats };
}

/** Run an activity that must fail; returns the ApplicationFailure that would cross to the workflow. */
export async function activityFailure<I>(fn: (input: I) => Promise<unknown>, input: I): Promise<ApplicationFailure> {
  try {
    await runActivity(fn, input);
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw new Error(`expected an ApplicationFailure, got ${String(err)}`);
  }
  throw new Error('expected the activity to fail, but it succeeded');
}
