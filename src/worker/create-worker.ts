import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';

/** The workflow bundle's entry: the incident workflow and, through it, every playbook. */
export const WORKFLOWS_PATH = fileURLToPath(new URL('../../workflows/index.ts', import.meta.url));

export interface MedicWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: MedicActivities;
  /** A prebuilt bundle (tests bundle once per file); otherwise the workflows are bundled here. */
  workflowBundle?: WorkflowBundleWithSourceMap;
}

export async function createMedicWorker(options: MedicWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle !== undefined ? { workflowBundle: options.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Let a running step finish (and its result reach the history) on SIGTERM.
    shutdownGraceTime: '20 seconds',
    // Cancellation reaches an activity only through a heartbeat reply: keep that prompt so an
    // abort stops a hanging step within seconds, not the default tens of seconds.
    maxHeartbeatThrottleInterval: '1 second',
  });
}
