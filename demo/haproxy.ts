import { join } from 'node:path';
import { launchHaproxy } from '../test/helpers/haproxy.js';
import { freePort } from '../test/helpers/ports.js';
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
  const statsPort = await freePort();
  const haproxy = await launchHaproxy(dir, { servers: services, backend: BACKEND, monitoringPort: statsPort }, (binary, args) => {
    const proc = DemoProcess.start('haproxy', binary, args, { logFile: join(dir, 'haproxy.log') });
    cleanup.add('stop HAProxy', () => proc.stop('SIGTERM', 5_000), () => proc.killNow());
    return proc;
  });
  return {
    url: haproxy.url,
    statsUrl: `http://127.0.0.1:${statsPort}/stats`,
    metricsTarget: `127.0.0.1:${statsPort}`,
    socket: haproxy.socket,
    process: haproxy.process,
  };
}
