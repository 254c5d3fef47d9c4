import type { SystemdProcess } from '../../src/config/process-schema.js';
import { MisconfigurationError } from '../driver-errors.js';
import { CommandFailedError, runArgv } from '../support/run-argv.js';
import type { LogSource, ProcessManager } from './process-manager.js';

// systemctl's exit codes (LSB): 4 = no such unit or permission, 5 = not installed.
const CONFIG_EXIT_CODES = new Set([4, 5]);

/** A systemd unit, driven through systemctl (argv prefix from the configuration, e.g. with sudo -n). */
export class SystemdManager implements ProcessManager {
  readonly label: string;

  constructor(
    private readonly cfg: SystemdProcess,
    private readonly field: string,
  ) {
    this.label = `systemd unit ${cfg.unit}`;
  }

  private async systemctl(args: string[]): Promise<string> {
    try {
      const { stdout } = await runArgv([...this.cfg.systemctl, ...args], { timeoutMs: this.cfg.commandTimeout, field: `${this.field}.systemctl` });
      return stdout;
    } catch (err) {
      if (err instanceof CommandFailedError && (CONFIG_EXIT_CODES.has(err.exitCode) || /access denied|authentication required|not found/i.test(err.stderr))) {
        throw new MisconfigurationError(`${err.message}. To fix: check ${this.field}.unit, and that the worker may manage it (e.g. systemctl: [sudo, -n, systemctl] with a sudoers rule)`);
      }
      throw err;
    }
  }

  async mainPid(): Promise<number | undefined> {
    const out = await this.systemctl(['show', '--property=MainPID', '--value', this.cfg.unit]);
    const pid = Number.parseInt(out.trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  async restart(): Promise<void> {
    await this.systemctl(['restart', this.cfg.unit]);
  }

  async logSource(): Promise<LogSource> {
    if (this.cfg.logFile !== undefined) return { kind: 'files', files: [this.cfg.logFile] };
    return { kind: 'argv', argv: [...this.cfg.journalctl, '--unit', this.cfg.unit, '--no-pager', '--output', 'cat', '--lines'] };
  }
}
