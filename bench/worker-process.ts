// A worker child of the bench: a real medic worker (or the bare floor's worker) in its own process,
// so its RSS is its own and the load generator's CPU is not in its event loop. Activities are the
// no-op bench activities; their timings go back to the bench over IPC.
import { readFileSync } from 'node:fs';
import { NativeConnection } from '@temporalio/worker';
import { createLogger } from '../src/logging/logger.js';
import { createMedicWorker } from '../src/worker/create-worker.js';
import { installSdkRuntime } from '../src/worker/sdk-runtime.js';
import { TimingSender } from './activity-timings.js';
import { createBenchActivities } from './bench-activities.js';
import { tuningOptions, type WorkerTuning } from './worker-tuning.js';

export interface WorkerChildArgs {
  kind: 'medic' | 'bare';
  address: string;
  namespace: string;
  taskQueue: string;
  /** The workflow bundle the bench built once (bundling in every child would cost seconds each). */
  bundlePath: string;
  tuning: WorkerTuning;
  logLevel: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as WorkerChildArgs;
  const logger = createLogger({ level: args.logLevel, name: `bench-worker-${args.kind}` });
  installSdkRuntime(logger);
  const sender = new TimingSender();
  const activities = createBenchActivities((workflowId, activity, startMs, endMs) => sender.record({ workflowId, activity, startMs, endMs }));
  const connection = await NativeConnection.connect({ address: args.address });
  const workflowBundle = { code: readFileSync(args.bundlePath, 'utf8'), sourceMap: '' };
  // Both are what `medic worker` builds, with the bench's tuning; the floor's worker differs only
  // by its bundle (the bare workflow, which never calls the guard activities the factory adds).
  const worker = await createMedicWorker({
    connection,
    namespace: args.namespace,
    taskQueue: args.taskQueue,
    activities,
    workflowBundle,
    tuning: tuningOptions(args.tuning),
  });
  const stop = () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  };
  process.once('SIGTERM', stop);
  // The bench went away without stopping us: do not linger as an orphan.
  process.once('disconnect', stop);
  const running = worker.run();
  process.send?.({ type: 'ready' });
  await running;
  sender.flush();
  await connection.close();
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
