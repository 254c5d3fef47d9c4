import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { createActivities } from '../../activities/create-activities.js';
import { createLogger } from '../logging/logger.js';
import { installSdkRuntime } from '../worker/sdk-runtime.js';
import { startDevServer } from '../temporal/dev-server.js';
import { connectWorker, DEFAULT_TEMPORAL_NAMESPACE, resolveTemporal } from '../temporal/connect.js';
import { removeDevServerRecord, writeDevServerRecord } from '../temporal/dev-server-record.js';
import { resolveTemporalCli } from '../temporal/temporal-cli.js';
import { createMedicWorker } from '../worker/create-worker.js';
import { createCodecServer, type CodecApp } from '../codec/codec-server.js';
import { DEFAULT_CODEC_PORT } from './codec-command.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliConfig, cliDataConverter, cliEnv } from './context.js';
import { playbookNames } from '../../playbooks/index.js';
import { takeOverOrphans } from '../incidents/take-over.js';
import { loadExtension } from '../extension/load-extension.js';
import type { MedicEnv } from '../config/env.js';
import type { Logger } from 'pino';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

const metricsOption = (env: MedicEnv) => (env.MEDIC_WORKER_METRICS === 'off' ? {} : { metricsAddress: env.MEDIC_WORKER_METRICS });

/**
 * The SDK runtime, after the configuration was checked: a configuration error is the first thing
 * to fix, and a port clash on the metrics endpoint says which address and which variable.
 */
async function startRuntime(env: MedicEnv, logger: Logger): Promise<void> {
  await cliConfig(env);
  try {
    installSdkRuntime(logger, metricsOption(env));
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.failure);
  }
}

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
  const config = await cliConfig(env);
  const extension = config.extension === undefined ? undefined : await loadExtension(config.extension);
  const dataConverter = cliDataConverter(env);
  const { namespace } = resolveTemporal(env);
  const connection = await connectWorker(env);
  const worker = await createMedicWorker({
    ...(dataConverter !== undefined && { dataConverter }),
    connection,
    namespace,
    taskQueue: env.MEDIC_TASK_QUEUE,
    activities: createActivities({ config, logger }),
    ...(extension !== undefined && { extension: { loaded: extension, config, logger } }),
    guards: { guards: config.guards, targets: config.targets },
  });
  if (extension !== undefined) logger.info({ playbooks: extension.playbooks, activities: [...extension.activities.keys()], from: extension.workflowsPath }, 'extension loaded');
  logger.info(
    { taskQueue: env.MEDIC_TASK_QUEUE, namespace, payloadEncryption: dataConverter !== undefined ? 'on' : 'off', metrics: env.MEDIC_WORKER_METRICS === 'off' ? 'off' : `http://${env.MEDIC_WORKER_METRICS}/metrics` },
    'worker ready',
  );
  await takeOverRetiredPlaybooks(env, logger);
  void stopped.then(() => worker.shutdown());
  try {
    await worker.run();
  } finally {
    await connection.close();
  }
}

/**
 * Incidents still running a playbook this worker no longer has would wedge on replay: take them
 * over (see src/incidents/take-over.ts) before serving the task queue, and say so.
 */
async function takeOverRetiredPlaybooks(env: MedicEnv, logger: Logger): Promise<void> {
  const client = await cliClient(env);
  try {
    for (const t of await takeOverOrphans(client, env.MEDIC_TASK_QUEUE, playbookNames())) {
      logger.warn(t, `took over ${t.incidentId}: its playbook "${t.playbook}" is no longer registered; it now waits for a human (medic abort undoes what is safe)`);
    }
  } catch (err) {
    logger.error({ err }, 'could not check for incidents whose playbook is no longer registered; they may not progress until a worker that has it runs');
  } finally {
    await client.connection.close();
  }
}

/** The codec server `medic dev` runs for its Web UI when payload encryption is on. */
function codecForUi(env: MedicEnv, logger: Logger, uiPort: number): CodecApp | undefined {
  const dataConverter = cliDataConverter(env);
  if (dataConverter === undefined) return undefined;
  return createCodecServer({
    codecs: dataConverter.payloadCodecs ?? [],
    allowedOrigins: [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`],
    logger: logger.child({ component: 'codec' }),
  });
}

export function registerWorkerCommands(program: Command): void {
  program
    .command('worker')
    .description('run the worker that executes incidents and playbooks (task queue "medic")')
    .action(async () => {
      const env = cliEnv();
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL });
      await startRuntime(env, logger);
      await runWorkerUntilStopped(env, logger, stopRequested(logger));
    });

  program
    .command('dev')
    .description('run everything on this machine: a Temporal dev server (SQLite under .medic/, Web UI) and the worker')
    .option('--port <port>', 'Temporal gRPC port', '7233')
    .option('--ui-port <port>', 'Temporal Web UI port', '8233')
    .option('--db <file>', 'SQLite file that keeps incidents across restarts', join(PROJECT_ROOT, '.medic', 'dev.sqlite'))
    .option('--codec-port <port>', 'with payload encryption on: port of the codec endpoint the Web UI decrypts with', String(DEFAULT_CODEC_PORT))
    .action(async (flags: { port: string; uiPort: string; db: string; codecPort: string }) => {
      const env = cliEnv();
      const namespace = env.TEMPORAL_NAMESPACE ?? DEFAULT_TEMPORAL_NAMESPACE;
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL, pretty: true });
      await startRuntime(env, logger);
      const stopped = stopRequested(logger);
      mkdirSync(join(flags.db, '..'), { recursive: true });
      const cliPath = resolveTemporalCli({ install: true, explicit: env.TEMPORAL_CLI });
      logger.info({ cliPath, db: flags.db }, 'starting the Temporal dev server');
      // Encrypted payloads: a codec endpoint beside the Web UI, so the UI shows them decrypted.
      const codec = codecForUi(env, logger, Number(flags.uiPort));
      const uiCodecEndpoint = codec === undefined ? undefined : `http://127.0.0.1:${flags.codecPort}`;
      if (codec !== undefined) {
        await codec.listen({ host: '127.0.0.1', port: Number(flags.codecPort) });
        logger.info({ endpoint: uiCodecEndpoint }, 'payloads are encrypted; the Web UI decrypts them through this codec endpoint');
      }
      const server = await startDevServer({
        ...(uiCodecEndpoint !== undefined && { uiCodecEndpoint }),
        cliPath,
        dbFilename: flags.db,
        port: Number(flags.port),
        uiPort: Number(flags.uiPort),
        namespace,
      });
      const webUi = `http://localhost:${flags.uiPort}`;
      writeDevServerRecord({ address: server.address, webUi, pid: process.pid });
      try {
        logger.info(`Temporal Web UI: ${webUi}/namespaces/${namespace}/workflows`);
        logger.info('try: medic signal --alertname HighErrorRate --service checkout-api --severity critical');
        // The embedded server, plainly: a TOML profile or TLS variables meant for a cluster do not apply.
        await runWorkerUntilStopped({ ...env, TEMPORAL_ADDRESS: server.address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_API_KEY: undefined, temporalEnvironment: {} }, logger, stopped);
      } finally {
        removeDevServerRecord(server.address);
        await codec?.close();
        await server.teardown();
        logger.info('dev server stopped; incidents are kept in ' + flags.db);
      }
    });
}
