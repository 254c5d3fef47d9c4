import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { GuardConfigView } from '../../activities/guards/guard-activities.js';
import { GuardsSchema } from '../config/guards-schema.js';
import { deliverSignal } from '../incidents/open-incident.js';
import { makeSignal } from '../signals/make-signal.js';
import type { SignalInput } from '../signals/signal-schema.js';
import { createMedicWorker, MEDIC_BUNDLER_OPTIONS, resolveFromMedic, WORKFLOWS_PATH } from '../worker/create-worker.js';
import { loadExtension } from '../extension/load-extension.js';
import { writeWorkflowEntry } from '../extension/workflow-entry.js';
import type { Params } from '../../workflows/definitions.js';
import { findPlaybook } from '../../playbooks/index.js';
import { ACTIVITIES } from '../../activities/declarations.js';
import type { StepInput } from '../../activities/contract.js';
import { parseRouteParams } from '../../workflows/runtime/engine-params.js';
import { durationToMs, type TestDuration } from './duration.js';
import { FakeFleet, type FleetActivity } from './fake-fleet.js';
import { silentLogger } from './silent-logger.js';
import type { ProvisionOptions } from './provision-test-server.js';
import { TestIncident } from './test-incident.js';
import { TimeSkippingLease } from './time-skipping-lease.js';
import { startTimeSkippingServer } from './time-skipping-server.js';
import { TestKitError } from './test-kit-error.js';

export interface TestEnvironmentOptions extends ProvisionOptions {
  /** The fleet the worker's activities act on (default: a new FakeFleet, every call succeeding). */
  fleet?: FakeFleet;
  /** Your own activities, by name: added to the fleet, so they are scripted and recorded too. */
  activities?: Record<string, FleetActivity<never>>;
  /**
   * Your extension, as the configuration's `extension` names it (absolute paths): its playbooks
   * are bundled beside the shipped ones, and its activities run below the fleet, scripted and
   * recorded. Each runs its implementation unless `activities` here replaces it; one declared
   * without an implementation answers its declared dry-run result.
   */
  extension?: { workflows: string; activities?: string };
  /** Each target's configuration sections, as in the configuration's `targets` (what your activities read). */
  targets?: Record<string, Record<string, unknown>>;
  /** Pools for the blast-radius guard: name -> members and how many may be out at once. */
  pools?: Record<string, { members: string[]; maxIsolated?: number | string }>;
  /** The restart budget per target (default: 3 an hour, as in production). */
  restartBudget?: { max?: number; window?: string | number };
  /** Task queue of the worker (default: a unique one). */
  taskQueue?: string;
}

export interface OpenIncidentOptions {
  playbook: string;
  target: string;
  /** Route parameters, as a route's `params` in the configuration; checked against the playbook's schema. */
  params?: Params;
  dryRun?: boolean;
  /** The alert (defaults: a critical HighErrorRate on service "test", a fingerprint unique to this incident). */
  alert?: Partial<Pick<SignalInput, 'alertname' | 'service' | 'severity' | 'fingerprint' | 'summary' | 'labels'>>;
}

/** Workflow bundles by entry: bundling takes seconds, so each test process does it once per extension. */
const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();

/**
 * A time-skipping Temporal server, a client, and a medic worker with a fake fleet: what a playbook
 * test needs, from `startTestEnvironment()`. Close it when done (`await env.close()`).
 */
export class MedicTestEnvironment {
  private opened = 0;
  /**
   * A client on the test server that leaves its clock alone: the SDK's time-skipping client
   * unlocks the clock once per awaited result, which breaks when several are awaited at once
   * (see TimeSkippingLease). Await results through `incident.result()` or `env.result()`.
   */
  readonly client: Client;
  private readonly lease: TimeSkippingLease;

  constructor(
    /** The SDK's environment (its own client unlocks the clock per awaited result: one at a time only). */
    readonly temporal: TestWorkflowEnvironment,
    readonly fleet: FakeFleet,
    readonly taskQueue: string,
    private readonly worker: Worker,
    private readonly running: Promise<void>,
    private readonly workerFailure: Promise<never>,
  ) {
    this.client = new Client({ connection: temporal.connection, namespace: temporal.namespace ?? 'default' });
    this.lease = new TimeSkippingLease(temporal);
  }

  /** The result of any workflow on this server, skipping time while it is awaited. */
  result<T = unknown>(workflowId: string, runId?: string): Promise<T> {
    return this.lease.during(() => Promise.race([this.client.workflow.result(workflowId, runId) as Promise<T>, this.workerFailure]));
  }

  /**
   * Move the virtual clock forward: every timer due in between fires (approval and ack deadlines,
   * holds, backoffs), in milliseconds of real time. Durations in medic's format: "10 minutes", "1d".
   */
  async sleep(duration: TestDuration): Promise<void> {
    await Promise.race([this.lease.sleep(durationToMs(duration, 'env.sleep')), this.workerFailure]);
  }

  /** The server's virtual time now. */
  async now(): Promise<Date> {
    return new Date(await this.temporal.currentTimeMs());
  }

  /** Open an incident as the intake does (an alert, routed to this playbook and target). */
  async openIncident(options: OpenIncidentOptions): Promise<TestIncident> {
    checkParams(options.playbook, options.params ?? {});
    this.opened += 1;
    const signal = makeSignal({
      alertname: 'HighErrorRate',
      service: 'test',
      severity: 'critical',
      source: 'generic',
      fingerprint: `${this.taskQueue}-${this.opened}`,
      ...options.alert,
    });
    const route = { route: 'testkit', playbook: options.playbook, target: options.target, params: options.params ?? {}, dryRun: options.dryRun ?? false };
    const delivery = await deliverSignal(this.client, signal, route, { taskQueue: this.taskQueue });
    return new TestIncident({ client: this.client, taskQueue: this.taskQueue, workerFailure: this.workerFailure, lease: this.lease }, delivery.incidentId, signal, route);
  }

  /** Stop the worker and the server. */
  async close(): Promise<void> {
    try {
      if (this.worker.getState() === 'RUNNING') this.worker.shutdown();
      await this.running;
    } finally {
      await this.temporal.teardown();
    }
  }
}

/**
 * One call for a playbook test: the pinned time-skipping server (installed once per machine when
 * missing, see docs/testkit.md), its client, and a medic worker serving the shipped playbooks and
 * those of your extension, with a fake fleet below the activity boundary.
 */
export async function startTestEnvironment(options: TestEnvironmentOptions = {}): Promise<MedicTestEnvironment> {
  const fleet = options.fleet ?? new FakeFleet();
  const entry = await serveExtension(fleet, options);
  for (const [name, impl] of Object.entries(options.activities ?? {})) fleet.add(name, impl);
  const taskQueue = options.taskQueue ?? `medic-test-${randomUUID().slice(0, 8)}`;
  const [temporal, workflowBundle] = await Promise.all([startTimeSkippingServer(options), bundle(entry)]);
  try {
    const worker = await createMedicWorker({
      connection: temporal.nativeConnection,
      namespace: temporal.namespace ?? 'default',
      taskQueue,
      activities: fleet.activities,
      workflowBundle,
      guards: guardView(options),
      // A test's worker stops at once: nothing waits out production's grace time for a hanging fake.
      shutdownGraceTime: '100 milliseconds',
    });
    let failed: (err: unknown) => void = () => undefined;
    const workerFailure = new Promise<never>((_, reject) => {
      failed = reject;
    });
    workerFailure.catch(() => undefined); // read by whoever awaits; never an unhandled rejection
    const running = worker.run().then(
      () => failed(new Error(`the medic worker on ${taskQueue} stopped`)),
      (err: unknown) => failed(new Error(`the medic worker on ${taskQueue} stopped on its own: ${String(err)}`, { cause: err })),
    );
    return new MedicTestEnvironment(temporal, fleet, taskQueue, worker, running, workerFailure);
  } catch (err) {
    await temporal.teardown();
    throw err;
  }
}

/**
 * Load the extension as `medic worker` does (its playbooks and declarations registered in this
 * process too, so parameters are checked at once), put its implementations below the fleet, and
 * return the bundle's entry.
 */
async function serveExtension(fleet: FakeFleet, options: TestEnvironmentOptions): Promise<string> {
  if (options.extension === undefined) return WORKFLOWS_PATH;
  const loaded = await loadExtension(options.extension);
  const targets = options.targets ?? {};
  for (const [name, implemented] of loaded.activities) {
    if (Object.hasOwn(options.activities ?? {}, name)) continue;
    const target = (input: StepInput) => (Object.hasOwn(targets, input.target) ? (targets[input.target] as Record<string, unknown>) : {});
    fleet.add(name, (input: StepInput) => implemented.run(input, { target: target(input), logger: silentLogger }));
  }
  for (const name of declaredByExtension(loaded.playbooks)) if (!fleet.has(name) && !Object.hasOwn(options.activities ?? {}, name)) fleet.add(name);
  return writeWorkflowEntry(WORKFLOWS_PATH, loaded.workflowsPath);
}

/** The activities the extension's playbooks call that medic does not ship. */
function declaredByExtension(playbookNames: string[]): string[] {
  const names = playbookNames.flatMap((name) => (findPlaybook(name)?.activities ?? []).map((a) => (typeof a === 'string' ? a : a.name)));
  return [...new Set(names)].filter((name) => !Object.hasOwn(ACTIVITIES, name));
}

function bundle(workflowsPath: string): Promise<WorkflowBundleWithSourceMap> {
  let made = bundles.get(workflowsPath);
  if (made === undefined) {
    // As medic worker bundles: shared modules preloaded; a generated entry outside medic's folder
    // still finds medic's dependencies.
    made = bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN'), ...MEDIC_BUNDLER_OPTIONS, webpackConfigHook: resolveFromMedic });
    made.catch(() => bundles.delete(workflowsPath));
    bundles.set(workflowsPath, made);
  }
  return made;
}

function guardView(options: TestEnvironmentOptions): GuardConfigView {
  const pools = Object.entries(options.pools ?? {});
  const guards = GuardsSchema.parse({
    pools: Object.fromEntries(pools.filter(([, p]) => p.maxIsolated !== undefined).map(([name, p]) => [name, { maxIsolated: p.maxIsolated }])),
    ...(options.restartBudget !== undefined && { restartBudget: options.restartBudget }),
  });
  // The guards read only a target's pool; drivers are faked, so no other section is needed.
  const targets = Object.fromEntries(pools.flatMap(([name, p]) => p.members.map((member) => [member, { pool: name }])));
  return { guards, targets: targets as GuardConfigView['targets'] };
}

/** A misspelt parameter fails here, naming it, instead of as an incident that escalates. */
function checkParams(playbook: string, params: Params): void {
  const known = findPlaybook(playbook);
  if (known === undefined) return; // a playbook of the user's bundle: the incident checks it
  const parsed = parseRouteParams(known, params);
  if (!parsed.ok) throw new TestKitError(`playbook "${playbook}": ${parsed.problems.join('; ')}. To fix: use the parameters its schema declares (README: Configuration)`);
}
