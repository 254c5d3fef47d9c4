import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export interface SdkRuntimeOptions {
  level?: LogLevel;
  /** host:port for the worker's Prometheus endpoint (SDK metrics and medic_* figures); off when absent. */
  metricsAddress?: string;
}

/**
 * Send the Temporal SDK's own logs (worker, workflows, activities) through medic's pino logger,
 * tagged with the incident id. Must run before anything creates a Temporal runtime.
 * medic handles SIGINT/SIGTERM itself (worker first, then the dev server), so the SDK does not.
 */
export function installSdkRuntime(logger: Logger, options: SdkRuntimeOptions = {}): void {
  try {
    install(logger, options);
  } catch (err) {
    if (options.metricsAddress !== undefined && /prometheus|address|bind/i.test((err as Error).message)) {
      throw new Error(
        `cannot serve the worker's Prometheus metrics on ${options.metricsAddress} (MEDIC_WORKER_METRICS): ${(err as Error).message}. To fix: stop what listens there, or set MEDIC_WORKER_METRICS to a free host:port (or off)`,
        { cause: err },
      );
    }
    throw err;
  }
}

function install(logger: Logger, options: SdkRuntimeOptions): void {
  Runtime.install({
    shutdownSignals: [],
    ...(options.metricsAddress !== undefined && {
      telemetryOptions: {
        metrics: {
          prometheus: {
            bindAddress: options.metricsAddress,
            histogramBucketOverrides: {
              medic_time_to_recovery: [10, 30, 60, 120, 300, 600, 1800, 3600, 7200],
              medic_step_duration: [10, 50, 100, 500, 1000, 5000, 15000, 60000, 180000],
            },
          },
        },
      },
    }),
    logger: new DefaultLogger(options.level ?? 'WARN', (entry) => {
      const meta = (entry.meta ?? {}) as Record<string, unknown>;
      const { workflowId, ...rest } = meta;
      const fields = workflowId === undefined ? rest : { incidentId: workflowId, ...rest };
      logger[PINO_LEVEL[entry.level]](fields, entry.message);
    }),
  });
}
