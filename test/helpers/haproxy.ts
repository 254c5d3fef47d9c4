import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCommand } from '../../src/setup/system-packages.js';
import { freePort, waitFor } from './ports.js';

// Debian's HAProxy on loopback, in the foreground, for the driver tests and for `npm run demo`.

export interface HaproxyServer {
  name: string;
  port: number;
}

/** What haproxy.cfg holds: one frontend balancing `servers` round robin in `backend`, and options. */
export interface HaproxySetup {
  servers: HaproxyServer[];
  backend: string;
  /** Also serve the runtime API on this loopback TCP port (the driver speaks both). */
  apiPort?: number;
  /** Also a frontend on this port with the stats page (/stats) and HAProxy's Prometheus exporter (/metrics). */
  monitoringPort?: number;
  /** Let a request pick its server with "x-server: <name>" (tests hold a session open on one). */
  pinByHeader?: boolean;
}

/** The program, however it was started: the demo's own process group and log file, or a plain child. */
export interface HaproxyProcess {
  readonly running: boolean;
  /** The end of what it printed, for an error message. */
  logTail(): string;
  stop(): Promise<void>;
}

export interface LaunchedHaproxy<P extends HaproxyProcess> {
  /** http://127.0.0.1:<port>: the frontend that balances over the servers. */
  url: string;
  /** The admin runtime API's UNIX socket (what medic isolates and rejoins through). */
  socket: string;
  process: P;
}

function haproxyConfig(socket: string, frontendPort: number, s: HaproxySetup): string {
  return [
    'global',
    `  stats socket ${socket} mode 600 level admin`,
    ...(s.apiPort !== undefined ? [`  stats socket ipv4@127.0.0.1:${s.apiPort} level admin`] : []),
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 5s',
    '  timeout server 5s',
    'frontend users',
    `  bind 127.0.0.1:${frontendPort}`,
    `  default_backend ${s.backend}`,
    ...(s.monitoringPort !== undefined
      ? [
          'frontend monitoring',
          `  bind 127.0.0.1:${s.monitoringPort}`,
          '  http-request use-service prometheus-exporter if { path /metrics }',
          '  stats enable',
          '  stats uri /stats',
          '  stats refresh 2s',
        ]
      : []),
    `backend ${s.backend}`,
    '  balance roundrobin',
    ...(s.pinByHeader === true ? s.servers.map((v) => `  use-server ${v.name} if { req.hdr(x-server) -m str ${v.name} }`) : []),
    ...s.servers.map((v) => `  server ${v.name} 127.0.0.1:${v.port}`),
    '',
  ].join('\n');
}

/**
 * Write haproxy.cfg into `dir`, start HAProxy with `launch` (binary and arguments; it runs in the
 * foreground) and wait for its runtime API. If it does not come up, it is stopped and the error
 * carries the end of its output.
 */
export async function launchHaproxy<P extends HaproxyProcess>(dir: string, setup: HaproxySetup, launch: (binary: string, args: string[]) => P): Promise<LaunchedHaproxy<P>> {
  const binary = findCommand('haproxy');
  if (binary === undefined) throw new Error('haproxy is not installed. To fix: run `npx tsx scripts/setup.ts --test-tools` (npm test and npm run demo run it), or apt-get install haproxy');
  const frontendPort = await freePort();
  const socket = join(dir, 'haproxy-admin.sock');
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, haproxyConfig(socket, frontendPort, setup));
  const proc = launch(binary, ['-db', '-f', config]);
  try {
    await waitFor('HAProxy to open its runtime API', () => {
      if (!proc.running) throw new Error('haproxy exited at start');
      return existsSync(socket);
    }, 15_000);
  } catch (err) {
    await proc.stop();
    throw new Error(`${(err as Error).message}; its output ends with:\n${proc.logTail()}`);
  }
  return { url: `http://127.0.0.1:${frontendPort}`, socket, process: proc };
}

/** A plain child process; what it writes to stderr is kept for errors. Stops within 5 s (then SIGKILL). */
function startChild(binary: string, args: string[]): HaproxyProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let running = true;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => {
    const done = () => {
      running = false;
      resolve();
    };
    child.once('exit', done);
    child.once('error', (err) => {
      stderr += String(err);
      done();
    });
  });
  return {
    get running() {
      return running;
    },
    logTail: () => stderr.trimEnd().split('\n').slice(-15).join('\n'),
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
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

/**
 * For tests: HAProxy balancing `servers` round robin, its runtime API on a socket and a TCP port,
 * "x-server: <name>" pinning a request to one server.
 */
export async function startHaproxy(dir: string, servers: HaproxyServer[], backend = 'app'): Promise<RunningHaproxy> {
  const apiPort = await freePort();
  const { url, socket, process } = await launchHaproxy(dir, { servers, backend, apiPort, pinByHeader: true }, startChild);
  return { url, socket, apiPort, backend, stop: () => process.stop() };
}
