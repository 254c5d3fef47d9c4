import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type NativeConnection, type Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';
import type { GuardConfigView } from '../../activities/guards/guard-activities.js';
import { startTimeSkippingServer } from '../../src/testkit/index.js';
import { durationToMs } from '../../src/testkit/duration.js';
import { TimeSkippingLease } from '../../src/testkit/time-skipping-lease.js';
import { createMedicWorker, MEDIC_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker/create-worker.js';
import { quietLogger } from './temporal.js';

// One time-skipping test server per test file, started by the test kit (src/testkit: the pinned
// binary, never the SDK's download, with the Medic* search attributes registered).
// Its clock is virtual: `sleep('25 hours')` fires every timer due in that span at once, so the
// real defaults (24-hour hold, 15-minute ack, 10/15-minute approval) run in well under a second.
// What this server lacks beside the dev server is in docs/testing.md.

/** A Temporal server a medic worker can run on: the time-skipping one, or the run's dev server. */
export interface TestServer {
  client: Client;
  nativeConnection: NativeConnection;
  namespace: string;
  bundle: WorkflowBundleWithSourceMap;
  /** Advance the virtual clock (fires the timers due in between); absent on a real-time server. */
  sleep?: (duration: string | number) => Promise<void>;
  /** The virtual clock's time in ms; absent on a real-time server. */
  currentTimeMs?: () => Promise<number>;
  /** Where `client` touches the virtual clock's lock: one that does not (see TimeSkipping). */
  plainClient?: Client;
}

export interface TimeSkipping extends TestServer {
  env: TestWorkflowEnvironment;
  /**
   * A client whose calls never touch the clock's lock. `client` is the SDK's time-skipping client:
   * its `result()` unlocks the clock while it waits, which must never overlap an advance (below).
   */
  plainClient: Client;
  sleep(duration: string | number): Promise<void>;
  teardown(): Promise<void>;
}

let shared: Promise<TimeSkipping> | undefined;

/**
 * The file's time-skipping environment and workflow bundle. `workflowsPath` points the bundle at
 * another engine (default: this checkout's workflows/, as `medic worker` bundles it).
 */
export function timeSkipping(options: { workflowsPath?: string } = {}): Promise<TimeSkipping> {
  shared ??= (async () => {
    const [env, bundle] = await Promise.all([
      startTimeSkippingServer({ install: false }),
      bundleWorkflowCode({ workflowsPath: options.workflowsPath ?? WORKFLOWS_PATH, logger: quietLogger, ...MEDIC_BUNDLER_OPTIONS }),
    ]);
    const namespace = env.namespace ?? 'default';
    // Advances take turns through the test kit's lease: two out at once leave the server's clock
    // lock one too high for good (time-skipping-clock.test.ts, TimeSkippingLease).
    const lease = new TimeSkippingLease(env);
    return {
      env,
      client: env.client,
      plainClient: new Client({ connection: env.connection, namespace }),
      nativeConnection: env.nativeConnection,
      namespace,
      bundle,
      sleep: (duration) => lease.sleep(durationToMs(duration, 'sleep')),
      currentTimeMs: () => env.currentTimeMs(),
      teardown: () => env.teardown(),
    };
  })();
  return shared;
}

export async function closeTimeSkipping(): Promise<void> {
  if (shared === undefined) return;
  const ts = await shared;
  shared = undefined;
  await ts.teardown();
}

/**
 * A medic worker on the time-skipping server that a test can stop and start again (a worker
 * restart: workflows resume from history on the new worker, in-flight activities time out
 * and are retried by the step runner as they would be in production).
 */
export class RestartableWorker {
  private worker: Worker | undefined;
  private running: Promise<void> | undefined;
  restarts = 0;
  private failure: unknown;

  constructor(
    private readonly ts: TestServer,
    private readonly taskQueue: string,
    private readonly activities: MedicActivities,
    private readonly guards?: GuardConfigView,
  ) {}

  async start(): Promise<void> {
    if (this.worker !== undefined) return;
    const worker = await createMedicWorker({
      connection: this.ts.nativeConnection,
      namespace: this.ts.namespace,
      taskQueue: this.taskQueue,
      activities: this.activities,
      workflowBundle: this.ts.bundle,
      ...(this.guards !== undefined && { guards: this.guards }),
      // A restart in a test must not wait out the production grace time for a hanging step.
      shutdownGraceTime: '100 milliseconds',
    });
    this.worker = worker;
    // A worker that stops on its own (a fatal error) is reported by stop(), not left unhandled.
    this.running = worker.run().catch((err: unknown) => {
      this.failure = err;
    });
  }

  /** What the worker has in flight (undefined while stopped): for a harness's diagnostics. */
  status(): ReturnType<Worker['getStatus']> | undefined {
    return this.worker?.getStatus();
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.worker = undefined;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await this.running;
    if (this.failure !== undefined) throw new Error(`the medic worker on ${this.taskQueue} stopped on its own: ${String(this.failure)}`, { cause: this.failure });
  }

  /**
   * Stop and start again. The test server sends a cached workflow's tasks and queries to the
   * sticky queue of the worker that ran it last, and (unlike a real server) never falls back to
   * the normal queue when that worker is gone: every query and update would hang. So the sticky
   * queue of each running workflow on this task queue is reset, as the SDK's shutdown asks a real
   * server to do.
   */
  async restart(workflowIds: string[]): Promise<void> {
    await this.stop();
    const { client, namespace } = this.ts;
    await Promise.all(
      workflowIds.map((workflowId) =>
        client.workflowService.resetStickyTaskQueue({ namespace, execution: { workflowId } }).catch(() => undefined),
      ),
    );
    this.restarts += 1;
    await this.start();
  }
}
