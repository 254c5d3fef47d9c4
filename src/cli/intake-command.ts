import type { Command } from 'commander';
import type { Logger } from 'pino';
import { genericAuth, webhookAuth, type IntakeSecrets } from '../intake/auth.js';
import { createIntakeServer, DEFAULT_BODY_LIMIT_BYTES } from '../intake/create-intake-server.js';
import { DEFAULT_DELIVERY_TIMEOUT_MS, temporalDeliverer, temporalRunCheck } from '../intake/temporal-deliverer.js';
import { resolveStateDir } from '../intake/dead-letters.js';
import { registerFleetMetrics } from '../intake/fleet-metrics.js';
import { createLogger } from '../logging/logger.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliConfig, cliEnv, cliTemporal } from './context.js';

interface IntakeFlags {
  host?: string;
  port?: string;
  bodyLimit: string;
  deliveryTimeout: string;
  allowUnauthenticated?: boolean;
  stateDir?: string;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive whole number, got "${value}"`, EXIT.usage);
  return n;
}

/**
 * Where to listen. The safe default: with an endpoint that has no secret, only this machine can
 * reach the intake; listening wider without secrets must be asked for by name.
 */
export function chooseHost(secrets: IntakeSecrets, flags: Pick<IntakeFlags, 'host' | 'allowUnauthenticated'>): { host: string; open: boolean } {
  const open = webhookAuth(secrets).kind === 'none' || genericAuth(secrets).kind === 'none';
  const host = flags.host ?? (open ? '127.0.0.1' : '0.0.0.0');
  if (open && !LOOPBACK.has(host) && flags.allowUnauthenticated !== true) {
    throw new CliError(
      `refusing to accept unauthenticated signals on ${host}. To fix: set MEDIC_INTAKE_TOKEN (and MEDIC_INTAKE_HMAC_SECRET), or listen on loopback only (--host 127.0.0.1), or pass --allow-unauthenticated`,
      EXIT.usage,
    );
  }
  return { host, open };
}

function stopRequested(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'intake stopping: finishing requests in flight');
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

export function registerIntakeCommand(program: Command): void {
  program
    .command('intake')
    .description('run the HTTP intake: Alertmanager, Grafana and generic signals open incidents (see docs/intake.md)')
    .option('--host <address>', 'address to listen on (default 0.0.0.0 with secrets set, else 127.0.0.1)')
    .option('--port <port>', 'port to listen on (default MEDIC_INTAKE_PORT, else 8787)')
    .option('--body-limit <bytes>', 'largest request body accepted; larger ones answer 413', String(DEFAULT_BODY_LIMIT_BYTES))
    .option('--delivery-timeout <ms>', 'how long Temporal may take to record one signal before the request answers 503', String(DEFAULT_DELIVERY_TIMEOUT_MS))
    .option('--state-dir <dir>', 'where the intake keeps its dead-letter record (default MEDIC_STATE_DIR, else .medic in the working directory)')
    .option('--allow-unauthenticated', 'listen beyond loopback even though an endpoint has no secret')
    .action(async (flags: IntakeFlags) => {
      const env = cliEnv();
      const logger = createLogger({ level: env.MEDIC_LOG_LEVEL, name: 'medic-intake' });
      const secrets = { token: env.MEDIC_INTAKE_TOKEN, hmacSecret: env.MEDIC_INTAKE_HMAC_SECRET };
      const { host } = chooseHost(secrets, flags);
      const port = flags.port !== undefined ? positiveInt('--port', flags.port) : env.MEDIC_INTAKE_PORT;
      // Checked before anything listens: a bad route is an error naming its field, not a 500 later.
      const config = await cliConfig(env);
      const temporal = cliTemporal(env);
      const client = await cliClient(env);
      const intake = await createIntakeServer({
        config,
        logger,
        secrets,
        stateDir: resolveStateDir(env, flags.stateDir),
        bodyLimitBytes: positiveInt('--body-limit', flags.bodyLimit),
        deliverer: temporalDeliverer(client, { taskQueue: env.MEDIC_TASK_QUEUE, timeoutMs: positiveInt('--delivery-timeout', flags.deliveryTimeout) }),
        isOpen: temporalRunCheck(client, { timeoutMs: positiveInt('--delivery-timeout', flags.deliveryTimeout) }),
      });
      // medic's own health on the same /metrics: open incidents, waits for a human, the guard.
      registerFleetMetrics(intake.metrics.registry, {
        client,
        taskQueue: env.MEDIC_TASK_QUEUE,
        restartBudget: { max: config.guards.restartBudget.max, windowMs: config.guards.restartBudget.window },
      });
      const stopped = stopRequested(logger);
      try {
        await intake.app.listen({ host, port });
      } catch (err) {
        await client.connection.close();
        throw new CliError(`cannot listen on ${host}:${port}: ${(err as Error).message}. To fix: choose another --port or MEDIC_INTAKE_PORT`, EXIT.failure);
      }
      logger.info(
        { host, port, taskQueue: env.MEDIC_TASK_QUEUE, namespace: temporal.namespace, temporal: temporal.address, routes: config.routes.length, defaultRoute: config.defaultRoute !== undefined },
        'intake ready',
      );
      await stopped;
      await intake.app.close();
      await client.connection.close();
    });
}
