// The intake child of the bench: medic's own intake server (src/intake/create-intake-server.ts)
// with the real Temporal deliverer, in its own process as `medic intake` runs, on a loopback port.
import pino from 'pino';
import { parseConfig } from '../src/config/load-config.js';
import { createIntakeServer } from '../src/intake/create-intake-server.js';
import { temporalDeliverer, temporalRunCheck } from '../src/intake/temporal-deliverer.js';
import { createLogger } from '../src/logging/logger.js';
import { connectClient } from '../src/temporal/connect.js';

export interface IntakeChildArgs {
  address: string;
  namespace: string;
  taskQueue: string;
  configYaml: string;
  /** Bearer token the webhook endpoints require, as a production intake would. */
  token: string;
  logLevel: string;
  /** The intake's state directory (its dead-letter record), inside the run directory. */
  stateDir: string;
}

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as IntakeChildArgs;
  const logger = args.logLevel === 'silent' ? pino({ level: 'silent' }) : createLogger({ level: args.logLevel, name: 'medic-intake' });
  const client = await connectClient({ TEMPORAL_ADDRESS: args.address, TEMPORAL_NAMESPACE: args.namespace });
  const intake = await createIntakeServer({
    config: parseConfig(args.configYaml, 'bench-routes.yaml'),
    logger,
    secrets: { token: args.token },
    stateDir: args.stateDir,
    deliverer: temporalDeliverer(client, { taskQueue: args.taskQueue }),
    isOpen: temporalRunCheck(client),
  });
  await intake.app.listen({ host: '127.0.0.1', port: 0 });
  const address = intake.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the bench intake is not listening');
  const stop = async () => {
    await intake.app.close();
    await client.connection.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('disconnect', () => void stop());
  process.send?.({ type: 'ready', port: address.port });
}

main().catch((err: unknown) => {
  console.error(`bench intake failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
