import { createHash } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';
import type { GuardConfigView } from '../../activities/guards/guard-activities.js';
import { createMedicWorker, MEDIC_BUNDLER_OPTIONS, WORKFLOWS_PATH } from '../../src/worker/create-worker.js';

// One dev server serves the whole run (scripts/run-tests.ts); each test gets its own task queue
// and fingerprints, so tests in parallel never see each other's incidents.

export const NAMESPACE = 'default';

function serverAddress(): string {
  const address = process.env['MEDIC_TEST_TEMPORAL_ADDRESS'];
  if (address === undefined) throw new Error('MEDIC_TEST_TEMPORAL_ADDRESS is not set: run the suite with `npm test`');
  return address;
}

let shared: Promise<{ client: Client; native: NativeConnection; bundle: WorkflowBundleWithSourceMap }> | undefined;

/** Connections and the workflow bundle, made once per test file. */
export function testTemporal() {
  shared ??= (async () => {
    const address = serverAddress();
    Runtime.install({ logger: new DefaultLogger('WARN') });
    const [connection, native, bundle] = await Promise.all([
      Connection.connect({ address }),
      NativeConnection.connect({ address }),
      bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietLogger, ...MEDIC_BUNDLER_OPTIONS }),
    ]);
    return { client: new Client({ connection, namespace: NAMESPACE }), native, bundle };
  })();
  return shared;
}

export async function closeTestTemporal(): Promise<void> {
  if (shared === undefined) return;
  const { client, native } = await shared;
  await client.connection.close();
  await native.close();
  shared = undefined;
}

/** A name unique to this test, derived from its title (for task queues and fingerprints). */
export function uniqueName(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 40);
  const salt = createHash('sha256').update(`${title}:${process.pid}:${Math.random()}`).digest('hex').slice(0, 8);
  return `${slug}-${salt}`;
}

/** Run `fn` while a medic worker with these activities serves the task queue. */
export async function withWorker<T>(
  taskQueue: string,
  activities: MedicActivities,
  fn: () => Promise<T>,
  options: { guards?: GuardConfigView } = {},
): Promise<T> {
  const { native, bundle } = await testTemporal();
  const worker = await createMedicWorker({ connection: native, namespace: NAMESPACE, taskQueue, activities, workflowBundle: bundle, ...options });
  return worker.runUntil(fn());
}

/** Poll until `check` returns a value, or fail after `timeoutMs` (bounded: never hangs a run). */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export async function historyEventTypes(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).map((e) => String(e.eventType));
}

/** The SDK's bundler and worker logs, warnings and errors only. */
export const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
