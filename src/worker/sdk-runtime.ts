import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Send the Temporal SDK's own logs (worker, workflows, activities) through medic's pino logger,
 * tagged with the incident id. Must run before anything creates a Temporal runtime.
 * medic handles SIGINT/SIGTERM itself (worker first, then the dev server), so the SDK does not.
 */
export function installSdkLogging(logger: Logger, level: LogLevel = 'WARN'): void {
  Runtime.install({
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      const meta = (entry.meta ?? {}) as Record<string, unknown>;
      const { workflowId, ...rest } = meta;
      const fields = workflowId === undefined ? rest : { incidentId: workflowId, ...rest };
      logger[PINO_LEVEL[entry.level]](fields, entry.message);
    }),
  });
}
