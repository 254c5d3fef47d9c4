import type { MedicWorkerTuning } from '../src/worker/create-worker.js';

/**
 * The worker settings a bench run may change (see TUNING.md). Anything left out keeps the value
 * medic ships (src/worker/create-worker.ts) and the SDK's default.
 */
export interface WorkerTuning {
  /** Workflows kept in memory between tasks (sticky execution); 0 turns the cache and sticky queues off. */
  maxCachedWorkflows?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  maxConcurrentActivityTaskExecutions?: number;
  /** Concurrent long polls for workflow tasks and for activity tasks (SDK default: 10 each, at most the slots). */
  workflowTaskPollers?: number;
  activityTaskPollers?: number;
  /** How long a task waits on the sticky queue before it goes to any worker (SDK default 10 s). */
  stickyQueueScheduleToStartTimeoutMs?: number;
}

export const TUNING_KEYS = [
  'maxCachedWorkflows',
  'maxConcurrentWorkflowTaskExecutions',
  'maxConcurrentActivityTaskExecutions',
  'workflowTaskPollers',
  'activityTaskPollers',
  'stickyQueueScheduleToStartTimeoutMs',
] as const satisfies readonly (keyof WorkerTuning)[];

/** createMedicWorker's `tuning` for a bench tuning; only the fields it sets. */
export function tuningOptions(tuning: WorkerTuning): MedicWorkerTuning {
  return {
    ...(tuning.maxCachedWorkflows !== undefined && { maxCachedWorkflows: tuning.maxCachedWorkflows }),
    ...(tuning.maxConcurrentWorkflowTaskExecutions !== undefined && { maxConcurrentWorkflowTaskExecutions: tuning.maxConcurrentWorkflowTaskExecutions }),
    ...(tuning.maxConcurrentActivityTaskExecutions !== undefined && { maxConcurrentActivityTaskExecutions: tuning.maxConcurrentActivityTaskExecutions }),
    ...(tuning.workflowTaskPollers !== undefined && { workflowTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.workflowTaskPollers } }),
    ...(tuning.activityTaskPollers !== undefined && { activityTaskPollerBehavior: { type: 'simple-maximum', maximum: tuning.activityTaskPollers } }),
    ...(tuning.stickyQueueScheduleToStartTimeoutMs !== undefined && { stickyQueueScheduleToStartTimeout: tuning.stickyQueueScheduleToStartTimeoutMs }),
  };
}

/** Parse `key=value` flags (e.g. --worker maxCachedWorkflows=100) into a tuning. */
export function parseTuning(pairs: readonly string[]): WorkerTuning {
  const tuning: Record<string, number> = {};
  for (const pair of pairs) {
    const [key, value] = pair.split('=');
    if (!TUNING_KEYS.includes(key as (typeof TUNING_KEYS)[number])) {
      throw new Error(`unknown worker setting "${key}". To fix: use one of ${TUNING_KEYS.join(', ')}`);
    }
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new Error(`worker setting ${key} must be a whole number >= 0, got "${value}"`);
    tuning[key as string] = n;
  }
  return tuning as WorkerTuning;
}
