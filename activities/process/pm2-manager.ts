import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Pm2Process } from '../../src/config/process-schema.js';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';
import { CommandFailedError, runArgv } from '../support/run-argv.js';
import { isAlive } from './is-alive.js';
import type { LogSource, ProcessManager } from './process-manager.js';

// PM2 through its own command line, by argv, as systemd through systemctl: `pm2 jlist` to find the
// process, `pm2 restart <name>` to restart it. The worker loads none of PM2's code, and never
// starts a daemon of its own (an empty daemon would "lose" the process instead of restarting it).

/** `pm2 jlist` prints each process's whole environment too: it can be large, and is never kept. */
const JLIST_MAX_OUTPUT = 32 * 1024 * 1024;

interface Pm2Entry {
  name?: string;
  pid?: number;
  pm2_env?: { status?: string; pm_out_log_path?: string; pm_err_log_path?: string };
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

  /** Whether a daemon runs for this PM2_HOME: any pm2 command otherwise starts an empty one. */
  private daemonRunning(): boolean {
    try {
      const pid = Number(readFileSync(join(this.home, 'pm2.pid'), 'utf8'));
      return existsSync(join(this.home, 'rpc.sock')) && Number.isInteger(pid) && pid > 0 && isAlive(pid);
    } catch {
      return false;
    }
  }

  private async pm2(args: string[], maxOutput?: number): Promise<string> {
    if (!this.daemonRunning()) {
      throw new TargetUnavailableError(`no PM2 daemon is running with PM2_HOME ${this.home}, so ${this.label} cannot be managed. To fix: start PM2 there, or set ${this.field}.pm2Home to the right folder`);
    }
    const { stdout } = await runArgv([...this.cfg.pm2, ...args], {
      timeoutMs: this.cfg.commandTimeout,
      field: `${this.field}.pm2`,
      env: { PM2_HOME: this.home, PM2_DISCRETE_MODE: 'true' },
      ...(maxOutput !== undefined && { maxOutput }),
    });
    return stdout;
  }

  /** This process's entry in `pm2 jlist` (the first instance, in cluster mode). */
  private async describe(): Promise<Pm2Entry> {
    const out = await this.pm2(['jlist'], JLIST_MAX_OUTPUT);
    // PM2 may print a notice (e.g. "In-memory PM2 is out-of-date") before the JSON line.
    const json = out.slice(Math.max(0, out.search(/^\[/m)));
    let list: unknown;
    try {
      list = JSON.parse(json);
    } catch {
      throw new TargetUnavailableError(`\`pm2 jlist\` (${this.field}.pm2, PM2_HOME ${this.home}) did not print a JSON list. To fix: check that ${this.field}.pm2 runs PM2's own CLI (\`pm2 jlist\` by hand)`);
    }
    const found = Array.isArray(list) ? (list as Pm2Entry[]).find((p) => p.name === this.cfg.name) : undefined;
    if (found === undefined) {
      throw new MisconfigurationError(`PM2 (PM2_HOME ${this.home}) has no process named "${this.cfg.name}". To fix: correct ${this.field}.name (see \`pm2 list\`)`);
    }
    return found;
  }

  async mainPid(): Promise<number | undefined> {
    const d = await this.describe();
    return d.pm2_env?.status === 'online' && d.pid !== undefined && d.pid > 0 ? d.pid : undefined;
  }

  async restart(): Promise<void> {
    await this.describe();
    try {
      await this.pm2(['restart', this.cfg.name]);
    } catch (err) {
      if (err instanceof CommandFailedError && /not found/i.test(err.stderr + err.message)) {
        throw new MisconfigurationError(`${err.message}. To fix: correct ${this.field}.name (see \`pm2 list\`)`);
      }
      throw err;
    }
  }

  async logSource(): Promise<LogSource | undefined> {
    if (this.cfg.logFile !== undefined) return { kind: 'files', files: [this.cfg.logFile] };
    const d = await this.describe();
    const files = [d.pm2_env?.pm_out_log_path, d.pm2_env?.pm_err_log_path].filter((f): f is string => typeof f === 'string' && f !== '/dev/null');
    return files.length === 0 ? undefined : { kind: 'files', files };
  }
}
