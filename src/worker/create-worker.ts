import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkerOptions, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';
import { createGuardActivities, type GuardConfigView } from '../../activities/guards/guard-activities.js';
import { GuardsSchema } from '../config/guards-schema.js';
import type { MedicConfig } from '../config/config-schema.js';
import { extensionActivities } from '../extension/extension-activities.js';
import type { LoadedExtension } from '../extension/load-extension.js';
import { writeWorkflowEntry } from '../extension/workflow-entry.js';
import type { Logger } from 'pino';

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
 * How medic's workflow bundles are built, everywhere one is (worker, tests, bench): libraries the
 * workflows share are evaluated once per worker, not once per cached workflow (workflows/shared-modules.ts).
 */
export const MEDIC_BUNDLER_OPTIONS = { preloadModules: [join(dirname(WORKFLOWS_PATH), `shared-modules${extname(WORKFLOWS_PATH)}`)] };

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
  /** A user's playbooks and activities (the configuration's `extension`), served beside medic's own. */
  extension?: { loaded: LoadedExtension; config: MedicConfig; logger: Logger };
  /** How long a running step may finish on shutdown (default 20 seconds); tests that restart workers shorten it. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
}

/** Where medic's own dependencies are: the generated entry lives outside them (src/extension/workflow-entry.ts). */
const MEDIC_NODE_MODULES = (() => {
  const workflowPackage = createRequire(import.meta.url).resolve('@temporalio/workflow/package.json');
  return dirname(dirname(dirname(workflowPackage)));
})();

/** Let the bundler find @temporalio/workflow (and medic's other dependencies) for the generated entry. */
type WebpackHook = NonNullable<NonNullable<WorkerOptions['bundlerOptions']>['webpackConfigHook']>;
export const resolveFromMedic: WebpackHook = (config) => ({
  ...config,
  resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? ['node_modules']), MEDIC_NODE_MODULES] },
});

/**
 * What a worker bundles: medic's workflows entry and, when the configuration names an extension,
 * its workflows module beside them. `medic replay` bundles the same, so it checks what will run.
 */
export function workflowSource(medicWorkflows: string, extensionWorkflows?: string): { workflowsPath: string; webpackConfigHook?: WebpackHook } {
  return extensionWorkflows === undefined ? { workflowsPath: medicWorkflows } : { workflowsPath: writeWorkflowEntry(medicWorkflows, extensionWorkflows), webpackConfigHook: resolveFromMedic };
}

const bundlerInput = (source: ReturnType<typeof workflowSource>) => ({
  workflowsPath: source.workflowsPath,
  bundlerOptions: { ...MEDIC_BUNDLER_OPTIONS, ...(source.webpackConfigHook !== undefined && { webpackConfigHook: source.webpackConfigHook }) },
});

export async function createMedicWorker(options: MedicWorkerOptions): Promise<Worker> {
  const extension = options.extension;
  return Worker.create({
    ...options.tuning,
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    // Guard activities run as local activities of the incident (a waiter's holder check as an
    // ordinary one); their config view comes from here.
    activities: {
      ...createGuardActivities(options.guards ?? { guards: GuardsSchema.parse({}), targets: {} }),
      ...options.activities,
      ...(extension !== undefined && extensionActivities(extension.loaded, extension.config, extension.logger)),
    },
    ...(options.workflowBundle !== undefined
      ? { workflowBundle: options.workflowBundle }
      : bundlerInput(workflowSource(WORKFLOWS_PATH, extension?.loaded.workflowsPath))),
    ...(options.dataConverter !== undefined && { dataConverter: options.dataConverter }),
    // Let a running step finish (and its result reach the history) on SIGTERM.
    shutdownGraceTime: options.shutdownGraceTime ?? '20 seconds',
    // Cancellation reaches an activity only through a heartbeat reply: keep that prompt so an
    // abort stops a hanging step within seconds, not the default tens of seconds.
    maxHeartbeatThrottleInterval: '1 second',
  });
}
