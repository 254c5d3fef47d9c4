import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createActivities } from '../../activities/create-activities.js';
import { createLogger } from '../logging/logger.js';
import { installSdkRuntime } from '../worker/sdk-runtime.js';
import { startDevServer } from '../temporal/dev-server.js';
import { connectWorker } from '../temporal/connect.js';
import { resolveTemporalCli } from '../temporal/temporal-cli.js';
import { createMedicWorker } from '../worker/create-worker.js';
import { cliConfig, cliEnv } from './context.js';
import type { MedicEnv } from '../config/env.js';
import type { Logger } from 'pino';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const metricsOption = (env: MedicEnv) => (env.MEDIC_WORKER_METRICS === 'off' ? {} : { metricsAddress: env.MEDIC_WORKER_METRICS });

/** Resolve when the process is asked to stop (Ctrl-C or SIGTERM). */
function stopRequested(logger: Logger): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

async function runWorkerUntilStopped(env: MedicEnv, logger: Logger, stopped: Promise<string>): Promise<void> {
  const config = cliConfig(env);
  const connection = await connectWorker(env);
  const worker = await createMedicWorker({
    connection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.MEDIC_TASK_QUEUE,
    activities: createActivities({ config, logger }),
    guards: { guards: config.guards, targets: config.targets },
  });
  logger.info(
    { taskQueue: env.MEDIC_TASK_QUEUE, namespace: env.TEMPORAL_NAMESPACE, metrics: env.MEDIC_WORKER_METRICS === 'off' ? 'off' : `http://${env.MEDIC_WORKER_METRICS}/metrics` },
    'worker ready',
  );
  void stopped.then(() => worker.shutdown());
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('run the worker that executes incidents and playbooks (task queue "medic")')
    .action(async () => {
      const env = cliEnv();
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL });
      installSdkRuntime(logger, metricsOption(env));
      await runWorkerUntilStopped(env, logger, stopRequested(logger));
    });

  program
    .command('dev')
    .description('run everything on this machine: a Temporal dev server (SQLite under .medic/, Web UI) and the worker')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--db <file>', 'SQLite file that keeps incidents across restarts', join(PROJECT_ROOT, '.medic', 'dev.sqlite'))
    .action(async (flags: { port: string; uiPort: string; db: string }) => {
      const env = cliEnv();
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL, pretty: true });
      installSdkRuntime(logger, metricsOption(env));
      const stopped = stopRequested(logger);
      mkdirSync(join(flags.db, '..'), { recursive: true });
      const cliPath = resolveTemporalCli({ install: true, explicit: env.TEMPORAL_CLI });
      logger.info({ cliPath, db: flags.db }, 'starting the Temporal dev server');
      const server = await startDevServer({
        cliPath,
        dbFilename: flags.db,
        port: Number(flags.port),
        uiPort: Number(flags.uiPort),
        namespace: env.TEMPORAL_NAMESPACE,
      });
      try {
        logger.info(`Temporal Web UI: http://localhost:${flags.uiPort}/namespaces/${env.TEMPORAL_NAMESPACE}/workflows`);
        logger.info('try: medic signal --alertname HighErrorRate --service checkout-api --severity critical');
        await runWorkerUntilStopped({ ...env, TEMPORAL_ADDRESS: server.address }, logger, stopped);
      } finally {
        await server.teardown();
        logger.info('dev server stopped; incidents are kept in ' + flags.db);
      }
    });
}
