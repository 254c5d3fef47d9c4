import { TestWorkflowEnvironment } from '@temporalio/testing';
import { MEDIC_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes.js';

export interface DevServerOptions {
  cliPath: string;
  /** SQLite file that keeps incidents across restarts; in memory when absent. */
  dbFilename?: string;
  port?: number;
  /** Web UI port; no UI when absent. */
  uiPort?: number;
  namespace?: string;
  ip?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** Codec endpoint the Web UI decodes payloads with (medic codec-server), when payloads are encrypted. */
  uiCodecEndpoint?: string;
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

/**
 * Start the Temporal CLI's dev server from an explicit path, with medic's search attributes
 * registered. The same launcher serves `medic dev` and the test suite.
 */
export async function startDevServer(options: DevServerOptions): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: options.cliPath },
      ...(options.dbFilename !== undefined && { dbFilename: options.dbFilename }),
      ...(options.port !== undefined && { port: options.port }),
      ...(options.uiPort !== undefined ? { ui: true, uiPort: options.uiPort } : { ui: false }),
      ...(options.ip !== undefined && { ip: options.ip }),
      namespace: options.namespace ?? 'default',
      searchAttributes: [...MEDIC_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: options.logLevel ?? 'warn' },
      extraArgs: devServerArgs(options),
    },
  });
}
