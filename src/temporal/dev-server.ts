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
      ...(options.uiCodecEndpoint !== undefined && { extraArgs: ['--ui-codec-endpoint', options.uiCodecEndpoint] }),
    },
  });
}
