// The child of bench/profile-intake.ts: medic's intake server with a deliverer that answers at
// once (no Temporal), so the process's CPU is the intake's own work per alert: HTTP, auth, JSON,
// validation, normalising, routing, logging, the answer. With a Temporal address, the real
// deliverer instead (the gRPC client's work included). It reports its CPU when asked.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load-config.js';
import type { Deliverer } from '../src/intake/accept-signals.js';
import { createIntakeServer } from '../src/intake/create-intake-server.js';
import { temporalDeliverer, temporalRunCheck } from '../src/intake/temporal-deliverer.js';
import { createLogger } from '../src/logging/logger.js';
import { connectClient } from '../src/temporal/connect.js';
import { incidentWorkflowId } from '../workflows/definitions.js';
import { benchConfigYaml } from './bench-routes.js';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as { token: string; temporalAddress?: string };
  const client = args.temporalAddress === undefined ? undefined : await connectClient({ TEMPORAL_ADDRESS: args.temporalAddress, TEMPORAL_NAMESPACE: 'default' });
  const seen = new Set<string>();
  const instant: Deliverer = {
    firing: async (signal) => {
      const opened = !seen.has(signal.fingerprint);
      seen.add(signal.fingerprint);
      return { kind: 'incident', incidentId: incidentWorkflowId(signal.fingerprint), runId: 'run', opened };
    },
    resolved: async (signal) => ({ kind: 'resolved', incidentId: incidentWorkflowId(signal.fingerprint) }),
  };
  const intake = await createIntakeServer({
    config: parseConfig(benchConfigYaml(), 'bench-routes.yaml'),
    // As `medic intake` logs (info); its stdout is a file.
    logger: createLogger({ level: process.env['PROFILE_LEVEL'] ?? 'info', name: 'medic-intake' }),
    secrets: { token: args.token },
    stateDir: mkdtempSync(join(tmpdir(), 'medic-intake-cpu-')),
    deliverer: client === undefined ? instant : temporalDeliverer(client, { taskQueue: 'profile-intake' }),
    ...(client !== undefined && { isOpen: temporalRunCheck(client) }),
  });
  await intake.app.listen({ host: '127.0.0.1', port: 0 });
  const address = intake.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('not listening');
  process.on('message', (m: { type: string }) => {
    if (m.type === 'cpu') process.send?.({ type: 'cpu', usage: process.cpuUsage() });
  });
  process.once('disconnect', () => void intake.app.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void intake.app.close().then(() => process.exit(0)));
  process.send?.({ type: 'ready', port: address.port });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
