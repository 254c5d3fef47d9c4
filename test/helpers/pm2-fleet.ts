import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { waitFor } from './ports.js';

// A real PM2 daemon in a temp PM2_HOME, started by the test and killed in its `after` hook.
// Drivers under test connect to it on their own, exactly as a worker would.

type Callback<T> = (err: Error | null, value: T) => void;
interface Pm2Api {
  connect(cb: Callback<unknown>): void;
  disconnect(cb?: Callback<unknown>): void;
  start(options: object, cb: Callback<unknown>): void;
  delete(name: string, cb: Callback<unknown>): void;
  describe(name: string, cb: Callback<{ pid?: number; pm2_env?: { status?: string } }[]>): void;
}
const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

const require = createRequire(import.meta.url);
/** The PM2 command line, for drivers configured with argv (e.g. [node, PM2_BIN, restart, web]). */
export const PM2_BIN = require.resolve('pm2/bin/pm2');
/** The pm2 driver's `pm2` argv prefix for this checkout's PM2 (a development dependency, not on PATH). */
export const PM2_ARGV = [process.execPath, PM2_BIN];

export interface AppSpec {
  name: string;
  script: string;
  cwd?: string;
  env?: Record<string, string>;
}

export class Pm2Fleet {
  private constructor(
    readonly home: string,
    private readonly api: Pm2Api,
  ) {}

  static async start(home: string): Promise<Pm2Fleet> {
    process.env['PM2_DISCRETE_MODE'] = 'true'; // no banner in the test output
    const pm2 = require('pm2') as { custom: new (opts: { pm2_home: string }) => Pm2Api };
    const api = new pm2.custom({ pm2_home: home });
    await call((cb) => api.connect(cb));
    return new Pm2Fleet(home, api);
  }

  async startApp(app: AppSpec): Promise<void> {
    await call((cb) => this.api.start({ name: app.name, script: app.script, cwd: app.cwd, env: app.env, autorestart: true, max_restarts: 5 }, cb));
  }

  async pid(name: string): Promise<number | undefined> {
    const [d] = await call<{ pid?: number; pm2_env?: { status?: string } }[]>((cb) => this.api.describe(name, cb));
    return d?.pm2_env?.status === 'online' ? d.pid : undefined;
  }

  /** Stop every app, disconnect, then end the daemon by its PID and wait until it is gone. */
  async stop(): Promise<void> {
    await call((cb) => this.api.delete('all', cb)).catch(() => undefined);
    await call((cb) => this.api.disconnect(cb)).catch(() => undefined);
    let daemon: number | undefined;
    try {
      daemon = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8'));
    } catch {
      return;
    }
    try {
      process.kill(daemon, 'SIGTERM');
    } catch {
      return; // already gone
    }
    await waitFor('the PM2 daemon to exit', () => {
      try {
        process.kill(daemon, 0);
        return false;
      } catch {
        return true;
      }
    }, 10_000).catch(() => process.kill(daemon, 'SIGKILL'));
  }
}
