import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCommand } from '../src/setup/system-packages.js';
import { freePort, waitFor } from '../test/helpers/ports.js';
import { DemoProcess } from './child-process.js';
import type { Cleanup } from './cleanup.js';
import type { Service } from './fleet.js';

/** The pool's name in haproxy.cfg (and the `proxy` label of its metrics). */
export const BACKEND = 'web';

export interface DemoHaproxy {
  /** The frontend users hit: round robin over the three services. */
  url: string;
  /** The stats page, where a drained server shows as DRAIN. */
  statsUrl: string;
  /** HAProxy's own Prometheus exporter (per-server responses by status class). */
  metricsTarget: string;
  /** The admin runtime API medic isolates and rejoins through. */
  socket: string;
  process: DemoProcess;
}

/**
 * Debian's HAProxy in front of the fleet, without health checks on purpose: taking a failing
 * server out of rotation is medic's job in this demo, so you see it happen.
 */
export async function startHaproxy(dir: string, services: Service[], cleanup: Cleanup): Promise<DemoHaproxy> {
  const binary = findCommand('haproxy');
  if (binary === undefined) throw new Error('haproxy is not installed. To fix: run `npm run demo` (it runs scripts/setup.ts --test-tools), or apt-get install haproxy');
  const [port, statsPort] = [await freePort(), await freePort()];
  const socket = join(dir, 'haproxy-admin.sock');
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      `  stats socket ${socket} mode 600 level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend shop',
      `  bind 127.0.0.1:${port}`,
      `  default_backend ${BACKEND}`,
      'frontend monitoring',
      `  bind 127.0.0.1:${statsPort}`,
      '  http-request use-service prometheus-exporter if { path /metrics }',
      '  stats enable',
      '  stats uri /stats',
      '  stats refresh 2s',
      `backend ${BACKEND}`,
      '  balance roundrobin',
      ...services.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
      '',
    ].join('\n'),
  );
  const proc = DemoProcess.start('haproxy', binary, ['-db', '-f', config], { logFile: join(dir, 'haproxy.log') });
  cleanup.add('stop HAProxy', () => proc.stop('SIGTERM', 5_000), () => proc.killNow());
  await waitFor('HAProxy to open its runtime API', () => {
    if (!proc.running) throw new Error(`haproxy exited at start:\n${proc.logTail()}`);
    return existsSync(socket);
  }, 15_000);
  return {
    url: `http://127.0.0.1:${port}`,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    metricsTarget: `127.0.0.1:${statsPort}`,
    socket,
    process: proc,
  };
}
