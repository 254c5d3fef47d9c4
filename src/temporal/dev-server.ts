import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { MEDIC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';
import { freeLoopbackPort } from './free-port.js';

// `medic dev` runs the Temporal CLI's dev server as a child process. It is started here directly
// rather than through @temporalio/testing, which is a test library and stays out of the
// package's run-time dependencies.

/** How long the dev server may take to answer before starting counts as failed (a cold SQLite file takes a few seconds). */
const READY_TIMEOUT_MS = 60_000;

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps incidents across restarts; in memory when absent. */
  dbFilename?: string;
  /** gRPC port; a free one when absent. */
  port?: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  namespace?: string;
  ip?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Codec endpoint the Web UI decodes payloads with (medic codec-server), when payloads are encrypted. */
  uiCodecEndpoint?: string;
}

/** A running dev server: its gRPC address, and how to stop it. */
export interface DevServer {
  /** host:port of its frontend. */
  readonly address: string;
  /** Stop the server and wait until it has exited (its SQLite file keeps what it committed). */
  teardown(): Promise<void>;
}

export class DevServerError extends Error {
  override readonly name = 'DevServerError';
  readonly code = 'MEDIC_DEV_SERVER_FAILED';
}

/**
 * Dev-server settings that a production cluster gets from its own sizing, not from these flags.
 * - `history.transferProcessorMaxPollRPS`: how often a history shard reads new tasks to hand to the
 *   task queues. The dev server has one shard and reads 20 times a second by default, so every
 *   workflow and activity task waits up to 50 ms for that read: most of medic's latency on a dev
 *   server. A cluster has many shards (and sets this per its load); 2,000 here.
 * - SQLite in WAL mode with `synchronous=normal` (only with a file): writes no longer wait for a
 *   full fsync each; a crash of the machine (not of the process) can lose the last transactions,
 *   which is fine for a dev server and never what a cluster's database does.
 */
export function devServerArgs(options: Pick<DevServerOptions, 'dbFilename' | 'uiCodecEndpoint'>): string[] {
  return [
    '--dynamic-config-value',
    'history.transferProcessorMaxPollRPS=2000',
    ...(options.dbFilename !== undefined ? ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'] : []),
    ...(options.uiCodecEndpoint !== undefined ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
  ];
}

/** The whole `temporal server start-dev` command line, medic's search attributes registered. */
export function startDevArgs(options: DevServerOptions & { ip: string; port: number; namespace: string }): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    options.ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-format',
    'pretty',
    '--log-level',
    options.logLevel ?? 'warn',
    ...(options.dbFilename !== undefined ? ['--db-filename', options.dbFilename] : []),
    ...(options.uiPort !== undefined ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...MEDIC_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`]),
    ...devServerArgs(options),
  ];
}

/**
 * Start the Temporal CLI's dev server from an explicit path, with medic's search attributes
 * registered, and resolve once its namespace answers. The same launcher serves `medic dev` and
 * the test suite.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freeLoopbackPort());
  const namespace = options.namespace ?? 'default';
  const address = `${ip}:${port}`;
  const child = spawn(options.cliPath, startDevArgs({ ...options, ip, port, namespace }), { stdio: ['ignore', 'inherit', 'inherit'] });
  // A dev server must not outlive the process that started it, however that process ends.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (err) => resolve(`could not be started: ${err.message}`));
    child.once('exit', (code, signal) => resolve(`exited (${signal ?? `code ${String(code)}`})`));
  });
  const teardown = async () => {
    process.removeListener('exit', killOnExit);
    await stop(child, exited);
  };
  try {
    await untilReady(address, namespace, exited);
  } catch (err) {
    await teardown();
    throw err;
  }
  return { address, teardown };
}

/** Poll until the namespace is described (the server then serves workflows), or the process ends. */
async function untilReady(address: string, namespace: string, exited: Promise<string>): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ended: string | undefined;
  void exited.then((why) => (ended = why));
  let last: unknown;
  while (Date.now() < deadline) {
    if (ended !== undefined) {
      throw new DevServerError(`the Temporal dev server on ${address} ${ended} before it served (its output is above). To fix: free port ${address.split(':').pop() ?? ''} or pass another, and check that the SQLite file is not used by another server`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new DevServerError(
    `the Temporal dev server on ${address} did not answer within ${READY_TIMEOUT_MS / 1000} s (last error: ${last instanceof Error ? last.message : String(last)}). To fix: check its output above; a loaded machine may need a retry`,
  );
}

/**
 * Kill the server outright, as the SDK's own launcher did: SQLite keeps every committed write
 * across a killed process (only a machine crash can lose the last ones, see devServerArgs), and a
 * graceful stop only fills the terminal with its workers' shutdown warnings.
 */
async function stop(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}
