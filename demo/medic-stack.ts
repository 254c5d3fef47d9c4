import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { freePort } from '../test/helpers/ports.js';
import { MEDIC_BIN, PROJECT_ROOT } from '../test/helpers/processes.js';
import { DemoProcess } from './child-process.js';
import type { Cleanup } from './cleanup.js';

// medic itself, started exactly as a user starts it: `medic dev` (the embedded Temporal dev server
// with its Web UI, and the worker) and `medic intake`, as separate processes of the real CLI.

export interface MedicStack {
  temporalAddress: string;
  /** http://localhost:<port>: the Temporal Web UI. */
  webUiUrl: string;
  intakeUrl: string;
  workerMetrics: string;
  /** The environment for any `medic` command against this stack (e.g. `medic approve`). */
  env: NodeJS.ProcessEnv;
  processes: DemoProcess[];
}

export interface MedicStackOptions {
  dir: string;
  configPath: string;
  token: string;
  temporalPort: number;
  uiPort: number;
  intakePort: number;
  workerMetricsPort: number;
}

/** `preferred` when nothing listens there yet, else any free port (a second demo, your own medic dev). */
export async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(preferred, '127.0.0.1', () => server.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

async function waitFor(proc: DemoProcess, what: string, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`${proc.name} exited before ${what}:\n${proc.logTail()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs / 1000} s. Its log (${proc.logFile}) ends with:\n${proc.logTail()}`);
}

export async function startMedic(o: MedicStackOptions, cleanup: Cleanup): Promise<MedicStack> {
  const temporalAddress = `127.0.0.1:${o.temporalPort}`;
  // Your own Temporal settings (a cloud profile, an API key, client certificates) would make these
  // talk TLS to a local server: the demo sees none of them, and no TOML file.
  const yours = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') || k === 'TEMPORAL_CLI'));
  const env: NodeJS.ProcessEnv = {
    ...yours,
    TEMPORAL_CONFIG_FILE: join(o.dir, 'no-temporal-profile.toml'),
    MEDIC_CONFIG: o.configPath,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: 'default',
    MEDIC_TASK_QUEUE: 'medic',
    MEDIC_LOG_LEVEL: 'info',
  };

  const dev = DemoProcess.start(
    'medic dev',
    process.execPath,
    [MEDIC_BIN, 'dev', '--port', String(o.temporalPort), '--ui-port', String(o.uiPort), '--db', join(o.dir, 'demo.sqlite')],
    { logFile: join(o.dir, 'medic-dev.log'), cwd: PROJECT_ROOT, env: { ...env, MEDIC_WORKER_METRICS: `127.0.0.1:${o.workerMetricsPort}` } },
  );
  // SIGINT is Ctrl-C for `medic dev`: the worker stops, then the Temporal server.
  cleanup.add('stop medic dev (worker, then the Temporal dev server)', () => dev.stop('SIGINT', 20_000), () => dev.killNow());
  await waitFor(dev, '`medic dev` printing "worker ready"', () => /worker ready/.test(readFileSync(dev.logFile, 'utf8')), 120_000);

  const intakeUrl = `http://127.0.0.1:${o.intakePort}`;
  const intake = DemoProcess.start('medic intake', process.execPath, [MEDIC_BIN, 'intake', '--host', '127.0.0.1', '--port', String(o.intakePort)], {
    logFile: join(o.dir, 'medic-intake.log'),
    cwd: PROJECT_ROOT,
    env: { ...env, MEDIC_INTAKE_TOKEN: o.token, MEDIC_WORKER_METRICS: 'off' },
  });
  cleanup.add('stop medic intake', () => intake.stop('SIGTERM', 10_000), () => intake.killNow());
  await waitFor(intake, `\`medic intake\` answering ${intakeUrl}/healthz`, () => fetch(`${intakeUrl}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false), 60_000);

  return {
    temporalAddress,
    webUiUrl: `http://localhost:${o.uiPort}`,
    intakeUrl,
    workerMetrics: `127.0.0.1:${o.workerMetricsPort}`,
    env,
    processes: [dev, intake],
  };
}
