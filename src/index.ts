// The package's main entry (`import ... from 'medic'`): what a program of your own needs to run
// medic's worker or to open and act on incidents, the same functions the `medic` CLI is made of.
// Everything here runs in Node. Workflow code (a playbook) imports 'medic/playbook' instead,
// whose module graph is safe inside Temporal's workflow sandbox. Kept small on purpose: a name
// exported here is a promise (see README, "Install").

// Configuration: the YAML file `medic worker` reads (MEDIC_CONFIG), validated.
export { loadConfig, loadConfigWithExtension, parseConfig, ConfigError, EXAMPLE_CONFIG_PATH } from './config/load-config.js';
export type { MedicConfig } from './config/config-schema.js';

// Temporal connections from Temporal's standard environment configuration, and payload encryption.
export { connectClient, connectWorker, resolveTemporal, type TemporalTarget } from './temporal/connect.js';
export { medicDataConverter } from './temporal/data-converter.js';

// The worker: incidents and playbooks (the workflow bundle) plus the activities built from the configuration.
export { createMedicWorker, WORKFLOWS_PATH, type MedicWorkerOptions, type MedicWorkerTuning } from './worker/create-worker.js';
export { createActivities, type ActivityDeps } from '../activities/create-activities.js';
export type { MedicActivities, ActivityName, ActivityInput, ActivityOutput } from '../activities/contract.js';
// Your own activities, served beside medic's (the configuration's `extension`, docs/extensions.md).
export { implement, type ActivityContext, type ActivityImplementation, type ImplementedActivity } from './extension/implement.js';
export { loadExtension, type LoadedExtension } from './extension/load-extension.js';
export { installSdkRuntime, type SdkRuntimeOptions } from './worker/sdk-runtime.js';
export { createLogger } from './logging/logger.js';

// Signals into incidents: build, route, deliver (what `medic signal` and the intake do).
export { makeSignal, SignalError } from './signals/make-signal.js';
export { SignalSchema, type Signal, type SignalInput } from './signals/signal-schema.js';
export { routeSignal, type RouteDecision, type RoutedSignal } from './routing/route-signal.js';
export { deliverSignal, deliverResolved, type Delivery } from './incidents/open-incident.js';

// An incident's interface: its id, task queue, human actions (updates), queries and result.
export {
  TASK_QUEUE,
  incidentWorkflowId,
  approveUpdate,
  retryUpdate,
  abortUpdate,
  ackUpdate,
  noteUpdate,
  timelineQuery,
  stateQuery,
  type HumanAction,
  type IncidentResult,
  type IncidentState,
  type IncidentStatus,
  type IncidentOutcome,
  type TimelineEntry,
} from '../workflows/definitions.js';
export { sendHumanAction } from './incidents/human-actions.js';
