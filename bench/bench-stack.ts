import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startDevServer } from '../src/temporal/dev-server.js';
import { MEDIC_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../src/worker/create-worker.js';
import { ActivityLog, type TimingsMessage } from './activity-timings.js';
import { BenchChild } from './bench-child.js';
import { benchConfigYaml } from './bench-routes.js';
import type { IntakeChildArgs } from './intake-process.js';
import type { WorkerChildArgs } from './worker-process.js';
import type { WorkerTuning } from './worker-tuning.js';

const BARE_WORKFLOWS_PATH = fileURLToPath(new URL('./bare-workflow.ts', import.meta.url));
const NAMESPACE = 'default';
export const MEDIC_QUEUE = 'medic-bench';
export const BARE_QUEUE = 'bare-bench';
/** The bench's load generator holds it, as Alertmanager holds medic's token. */
export const INTAKE_TOKEN = 'bench-token';

export interface StackOptions {
  cliPath: string;
  /** Where the dev server's SQLite file, the bundles and the children's logs go. */
  runDir: string;
  tuning: WorkerTuning;
  intakeLogLevel: string;
  db: 'file' | 'memory';
}

const quiet = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string) => process.stderr.write(`${message}\n`),
};

/**
 * Everything a bench run measures against: the Temporal dev server (a SQLite file, as `medic dev`
 * runs it), a medic worker, a bare worker and the intake, each worker and the intake in its own
 * process. Activity timings from both workers land in one ActivityLog.
 */
export class BenchStack {
  readonly timings = new ActivityLog();
  medicWorker!: BenchChild;
  bareWorker!: BenchChild;
  intake!: BenchChild;
  intakeUrl = '';
  private medicBundle = '';
  private bareBundle = '';
  private workerStarts = 0;

  private constructor(
    readonly options: StackOptions,
    readonly server: TestWorkflowEnvironment,
    readonly client: Client,
  ) {}

  static async start(options: StackOptions): Promise<BenchStack> {
    const server = await startDevServer({
      cliPath: options.cliPath,
      ...(options.db === 'file' && { dbFilename: join(options.runDir, 'bench.sqlite') }),
      logLevel: 'error',
    });
    try {
      const connection = await Connection.connect({ address: server.address });
      const stack = new BenchStack(options, server, new Client({ connection, namespace: NAMESPACE }));
      await stack.bundle();
      [stack.medicWorker, stack.bareWorker] = await Promise.all([stack.startWorker('medic', options.tuning), stack.startWorker('bare', options.tuning)]);
      stack.intake = await BenchChild.start({
        name: 'bench intake',
        file: './intake-process.ts',
        logPath: join(options.runDir, 'intake.log'),
        args: {
          address: server.address,
          namespace: NAMESPACE,
          taskQueue: MEDIC_QUEUE,
          configYaml: benchConfigYaml(),
          token: INTAKE_TOKEN,
          logLevel: options.intakeLogLevel,
          stateDir: join(options.runDir, 'intake-state'),
        } satisfies IntakeChildArgs,
      });
      stack.intakeUrl = `http://127.0.0.1:${String(stack.intake.ready['port'])}`;
      return stack;
    } catch (err) {
      await server.teardown();
      throw err;
    }
  }

  /** Bundle both workflow sets once; every worker child loads the files. */
  private async bundle(): Promise<void> {
    const [medic, bare] = await Promise.all([
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quiet, ...MEDIC_BUNDLER_OPTIONS }),
      bundleWorkflowCode({ workflowsPath: BARE_WORKFLOWS_PATH, logger: quiet }),
    ]);
    this.medicBundle = join(this.options.runDir, 'medic-workflows.js');
    this.bareBundle = join(this.options.runDir, 'bare-workflows.js');
    writeFileSync(this.medicBundle, medic.code);
    writeFileSync(this.bareBundle, bare.code);
  }

  private startWorker(kind: 'medic' | 'bare', tuning: WorkerTuning): Promise<BenchChild> {
    const n = ++this.workerStarts;
    return BenchChild.start({
      name: `${kind} worker`,
      file: './worker-process.ts',
      logPath: join(this.options.runDir, `${kind}-worker-${n}.log`),
      args: {
        kind,
        address: this.server.address,
        namespace: NAMESPACE,
        taskQueue: kind === 'medic' ? MEDIC_QUEUE : BARE_QUEUE,
        bundlePath: kind === 'medic' ? this.medicBundle : this.bareBundle,
        tuning,
        logLevel: 'warn',
      } satisfies WorkerChildArgs,
      onMessage: (message) => {
        if (message.type === 'timings') this.timings.add((message as TimingsMessage).timings);
      },
    });
  }

  /** A fresh medic worker process (for a clean RSS figure, or another tuning). */
  async restartMedicWorker(tuning: WorkerTuning = this.options.tuning): Promise<void> {
    await this.medicWorker.stop();
    this.medicWorker = await this.startWorker('medic', tuning);
  }

  /**
   * Wait until no incident or bare workflow is running (the guard workflow runs for ever), so
   * that one measurement's tail never lands in the next. Resolves with how many still ran.
   */
  async settle(timeoutMs: number): Promise<number> {
    const query = `ExecutionStatus = 'Running' AND WorkflowType IN ('incidentWorkflow', 'bareIncidentWorkflow')`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { count } = await this.client.workflow.count(query);
      if (count === 0 || Date.now() > deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /**
   * Wait until every running incident waits for a human (row 4's incidents stop at the approval
   * gate), so the work one measurement started (first workflow tasks, isolate, diagnose) is done
   * before the next begins instead of landing in it. Resolves with how many were still busy.
   */
  async quiet(timeoutMs: number): Promise<number> {
    const busy = `ExecutionStatus = 'Running' AND WorkflowType = 'incidentWorkflow' AND MedicStatus != 'awaiting-human'`;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { count } = await this.client.workflow.count(busy);
      if (count === 0 || Date.now() > deadline) return count;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.intake?.stop(), this.medicWorker?.stop(), this.bareWorker?.stop()]);
    await this.client.connection.close().catch(() => undefined);
    await this.server.teardown();
  }
}
