import { readFile } from 'node:fs/promises';
import type { CommandProcess } from '../../src/config/process-schema.js';
import { MisconfigurationError } from '../driver-errors.js';
import { runArgv } from '../support/run-argv.js';
import type { LogSource, ProcessManager } from './process-manager.js';

/**
 * Any supervisor with a restart command (supervisorctl, s6-svc, a vendor script): the restart argv
 * and how to read the PID both come from the configuration.
 */
export class CommandManager implements ProcessManager {
  readonly label: string;

  constructor(
    private readonly cfg: CommandProcess,
    private readonly field: string,
  ) {
    this.label = `command ${cfg.restart.join(' ')}`;
  }

  private run(argv: string[], field: string) {
    return runArgv(argv, { timeoutMs: this.cfg.commandTimeout, env: this.cfg.env, ...(this.cfg.cwd !== undefined && { cwd: this.cfg.cwd }), field });
  }

  async mainPid(): Promise<number | undefined> {
    let text: string;
    if ('file' in this.cfg.pid) {
      try {
        text = await readFile(this.cfg.pid.file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // not running (no PID file yet)
        throw new MisconfigurationError(`cannot read the PID file ${this.cfg.pid.file} (${this.field}.pid.file): ${(err as Error).message}`);
      }
    } else {
      text = (await this.run(this.cfg.pid.command, `${this.field}.pid.command`)).stdout;
    }
    // Supervisors print 0 or nothing for a stopped process.
    const pid = Number.parseInt(/\d+/.exec(text)?.[0] ?? '', 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  }

  async restart(): Promise<void> {
    await this.run(this.cfg.restart, `${this.field}.restart`);
  }

  async logSource(): Promise<LogSource | undefined> {
    return this.cfg.logFile === undefined ? undefined : { kind: 'files', files: [this.cfg.logFile] };
  }
}
