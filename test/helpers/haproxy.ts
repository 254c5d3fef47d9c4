import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCommand } from '../../src/setup/system-packages.js';
import { freePort, waitFor } from './ports.js';

export interface HaproxyServer {
  name: string;
  port: number;
}

export interface RunningHaproxy {
  /** http://127.0.0.1:<port>: the frontend that balances over the servers. */
  url: string;
  socket: string;
  /** TCP port of the admin runtime API. */
  apiPort: number;
  backend: string;
  stop(): Promise<void>;
}

/** Start the Debian HAProxy in the foreground on loopback, balancing `servers` round robin. */
export async function startHaproxy(dir: string, servers: HaproxyServer[], backend = 'app'): Promise<RunningHaproxy> {
  const binary = findCommand('haproxy');
  if (binary === undefined) throw new Error('haproxy is not installed: run `npm test` (scripts/setup.ts --test-tools installs it)');
  const [frontendPort, apiPort] = [await freePort(), await freePort()];
  const socket = join(dir, 'admin.sock');
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(
    config,
    [
      'global',
      `  stats socket ${socket} level admin`,
      `  stats socket ipv4@127.0.0.1:${apiPort} level admin`,
      'defaults',
      '  mode http',
      '  timeout connect 1s',
      '  timeout client 5s',
      '  timeout server 5s',
      'frontend fe',
      `  bind 127.0.0.1:${frontendPort}`,
      `  default_backend ${backend}`,
      `backend ${backend}`,
      '  balance roundrobin',
      // Tests pin a request to one server with "x-server: <name>" (to hold a session open on it).
      ...servers.map((s) => `  use-server ${s.name} if { req.hdr(x-server) -m str ${s.name} }`),
      ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port}`),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(binary, ['-db', '-f', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor('haproxy to open its runtime API', () => child.exitCode === null && existsSync(socket), 10_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}: ${stderr}`);
  }
  return {
    url: `http://127.0.0.1:${frontendPort}`,
    socket,
    apiPort,
    backend,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
