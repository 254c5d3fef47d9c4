import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Pm2Process } from '../../src/config/process-schema.js';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';
import { keepAlive } from '../support/waiting.js';
import { isAlive } from './is-alive.js';
import type { LogSource, ProcessManager } from './process-manager.js';

// PM2 through its programmatic API. Each call connects to the daemon of the configured PM2_HOME,
// does one thing and disconnects: no connection is held between steps, and the worker never
// starts a daemon of its own (an empty daemon would "lose" the process instead of restarting it).

interface Pm2Description {
  pid?: number;
  pm2_env?: { status?: string; pm_out_log_path?: string; pm_err_log_path?: string; restart_time?: number };
}
type Callback<T> = (err: Error | null, value: T) => void;
interface Pm2Api {
  connect(cb: Callback<unknown>): void;
  disconnect(cb: Callback<unknown>): void;
  describe(name: string, cb: Callback<Pm2Description[]>): void;
  restart(name: string, cb: Callback<unknown>): void;
}
type Pm2Module = { custom: new (opts: { pm2_home: string }) => Pm2Api };

const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value))));

let pm2Module: Pm2Module | undefined;
function loadPm2(): Pm2Module {
  // Loaded on first use: PM2 is large, and only targets managed by PM2 need it.
  pm2Module ??= createRequire(import.meta.url)('pm2') as Pm2Module;
  return pm2Module;
}

export class Pm2Manager implements ProcessManager {
  readonly label: string;
  private readonly home: string;

  constructor(
    private readonly cfg: Pm2Process,
    private readonly field: string,
  ) {
    this.label = `pm2 process ${cfg.name}`;
    this.home = cfg.pm2Home ?? join(homedir(), '.pm2');
  }

  /** Whether a daemon runs for this PM2_HOME: connecting otherwise would start an empty one. */
  private daemonRunning(): boolean {
    try {
      const pid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8'));
      return existsSync(join(this.home, 'rpc.sock')) && Number.isInteger(pid) && pid > 0 && isAlive(pid);
    } catch {
      return false;
    }
  }

  private async session<T>(what: string, fn: (pm2: Pm2Api) => Promise<T>): Promise<T> {
    if (!this.daemonRunning()) {
      throw new TargetUnavailableError(`no PM2 daemon is running with PM2_HOME ${this.home}, so ${this.label} cannot be managed. To fix: start PM2 there, or set ${this.field}.pm2Home to the right folder`);
    }
    return keepAlive(`pm2 ${what} ${this.cfg.name}`, async () => {
      const pm2 = new (loadPm2().custom)({ pm2_home: this.home });
      let timer: NodeJS.Timeout | undefined;
      // PM2's API has no timeouts of its own: a hung daemon must not hang the step.
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new TargetUnavailableError(`the PM2 daemon (PM2_HOME ${this.home}) did not answer "${what} ${this.cfg.name}" within ${this.cfg.commandTimeout} ms. To fix: check \`pm2 ping\`, or raise ${this.field}.commandTimeout`)),
          this.cfg.commandTimeout,
        );
      });
      try {
        return await Promise.race([
          (async () => {
            await call((cb) => pm2.connect(cb));
            return fn(pm2);
          })(),
          hung,
        ]);
      } finally {
        clearTimeout(timer);
        await call((cb) => pm2.disconnect(cb)).catch(() => undefined);
      }
    });
  }

  private async describe(pm2: Pm2Api): Promise<Pm2Description> {
    const list = await call<Pm2Description[]>((cb) => pm2.describe(this.cfg.name, cb));
    const found = list[0];
    if (found === undefined) {
      throw new MisconfigurationError(`PM2 (PM2_HOME ${this.home}) has no process named "${this.cfg.name}". To fix: correct ${this.field}.name (see \`pm2 list\`)`);
    }
    return found;
  }

  async mainPid(): Promise<number | undefined> {
    const d = await this.session('describe', (pm2) => this.describe(pm2));
    return d.pm2_env?.status === 'online' && d.pid !== undefined && d.pid > 0 ? d.pid : undefined;
  }

  async restart(): Promise<void> {
    await this.session('restart', async (pm2) => {
      await this.describe(pm2);
      await call((cb) => pm2.restart(this.cfg.name, cb));
    });
  }

  async logSource(): Promise<LogSource | undefined> {
    if (this.cfg.logFile !== undefined) return { kind: 'files', files: [this.cfg.logFile] };
    const d = await this.session('describe', (pm2) => this.describe(pm2));
    const files = [d.pm2_env?.pm_out_log_path, d.pm2_env?.pm_err_log_path].filter((f): f is string => typeof f === 'string' && f !== '/dev/null');
    return files.length === 0 ? undefined : { kind: 'files', files };
  }
}
