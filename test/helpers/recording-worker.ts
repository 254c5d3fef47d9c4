import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RecordedCall } from '../fixtures/recording-worker.js';
import { LongRunning, PROJECT_ROOT } from './processes.js';

export type { RecordedCall } from '../fixtures/recording-worker.js';

const ENTRY = fileURLToPath(new URL('../fixtures/recording-worker.ts', import.meta.url));

export interface RecordingWorkerOptions {
  address: string;
  taskQueue: string;
  callsFile: string;
  /** A name for this worker in the calls file. */
  name: string;
  /** Activities that heartbeat this long (ms) before finishing, e.g. { restart: 60_000 }. */
  slow?: Record<string, number>;
}

/** Start the recording worker (test/fixtures/recording-worker.ts) as a process; resolves once it polls. */
export async function startRecordingWorker(o: RecordingWorkerOptions): Promise<LongRunning> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      RECORDING_TEMPORAL_ADDRESS: o.address,
      RECORDING_TASK_QUEUE: o.taskQueue,
      RECORDING_CALLS_FILE: o.callsFile,
      RECORDING_WORKER: o.name,
      RECORDING_SLOW: Object.entries(o.slow ?? {}).map(([k, v]) => `${k}=${v}`).join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const worker = new LongRunning(child);
  await worker.waitFor(/worker ready/, 90_000);
  return worker;
}

/** Every call recorded so far. */
export function readCalls(file: string): RecordedCall[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RecordedCall);
}

/** Kill a process at once, as a crash or the OOM killer would, and wait until it is gone. */
export async function killHard(worker: LongRunning): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGKILL');
  await worker.exited;
}
