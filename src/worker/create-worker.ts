import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';
import { createGuardActivities, type GuardConfigView } from '../../activities/guards/guard-activities.js';
import { GuardsSchema } from '../config/guards-schema.js';

// This module runs as TypeScript from a checkout (under tsx) and as JavaScript from the package
// (dist/src/worker/create-worker.js). The workflow entry sits at the same relative place in both
// layouts and was compiled alongside this file, so its extension is this file's own.
const OWN_EXTENSION = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/**
 * The workflow bundle's entry: the incident workflow and, through it, every playbook.
 * `workflows/index.ts` in a checkout, `dist/workflows/index.js` in the installed package.
 */
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../../workflows/index.${OWN_EXTENSION}`, import.meta.url));

/**
 * Worker settings that size the worker to its machine (slots, cache, pollers), as the SDK names
 * them. Leave them out to keep the SDK's defaults, as `medic worker` does; the bench tries other
 * values (bench/TUNING.md). Nothing here changes what medic does, only how much at once.
 */
export type MedicWorkerTuning = Pick<
  WorkerOptions,
  | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions'
  | 'maxConcurrentLocalActivityExecutions'
  | 'maxCachedWorkflows'
  | 'workflowTaskPollerBehavior'
  | 'activityTaskPollerBehavior'
  | 'stickyQueueScheduleToStartTimeout'
>;

export interface MedicWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: MedicActivities;
  /** Pools and limits for the guards; without it: no pools, the default restart budget. */
  guards?: GuardConfigView;
  /** A prebuilt bundle (tests bundle once per file); otherwise the workflows are bundled here. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Payload encryption (medicDataConverter); a prebuilt bundle must be built with its failureConverterPath. */
  dataConverter?: DataConverter;
  /** Slots, cache and pollers; without it: the SDK's defaults. */
  tuning?: MedicWorkerTuning;
  /** How long a running step may finish on shutdown (default 20 seconds); tests that restart workers shorten it. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

export async function createMedicWorker(options: MedicWorkerOptions): Promise<Worker> {
  return Worker.create({
    ...options.tuning,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // Guard activities run as local activities of the incident; their config view comes from here.
    activities: { ...createGuardActivities(options.guards ?? { guards: GuardsSchema.parse({}), targets: {} }), ...options.activities },
    ...(options.workflowBundle !== undefined ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    ...(options.dataConverter !== undefined && { dataConverter: options.dataConverter }),
    // Let a running step finish (and its result reach the history) on SIGTERM.
    shutdownGraceTime: options.shutdownGraceTime ?? '20 seconds',
    // Cancellation reaches an activity only through a heartbeat reply: keep that prompt so an
    // abort stops a hanging step within seconds, not the default tens of seconds.
    maxHeartbeatThrottleInterval: '1 second',
  });
}
