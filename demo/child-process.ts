import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';

/**
 * A program the demo starts, in its own process group with its output in a log file.
 *
 * Its own group, so that Ctrl-C reaches the demo alone and the demo stops everything in order
 * (intake before Temporal, and so on); and so that a program that does not stop in time is killed
 * together with what it started (`medic dev` starts the Temporal server as its child).
 */
export class DemoProcess {
  readonly pid: number;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly logFile: string,
    private readonly child: ChildProcess,
  ) {
    if (child.pid === undefined) throw new Error(`${name} did not start`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  static start(name: string, command: string, args: string[], options: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): DemoProcess {
    const fd = openSync(options.logFile, 'a');
    try {
      const child = spawn(command, args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      // Spawning fails asynchronously (e.g. ENOENT); the readiness wait reports it as "exited".
      child.on('error', () => undefined);
      return new DemoProcess(name, options.logFile, child);
    } finally {
      closeSync(fd);
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The end of its log, for error messages. */
  logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** Ask it to stop with `signal`; after `graceMs`, kill its whole process group. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
    if (this.running) {
      this.signal(this.pid, signal);
      const killer = setTimeout(() => this.signal(-this.pid, 'SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(killer);
    }
    // Whatever it started and left behind is still in its group.
    if (this.groupAlive()) {
      this.signal(-this.pid, 'SIGTERM');
      const deadline = Date.now() + 3_000;
      while (this.groupAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (this.groupAlive()) this.signal(-this.pid, 'SIGKILL');
    }
  }

  /** Last resort on process exit (synchronous): kill the group without waiting. */
  killNow(): void {
    if (this.running || this.groupAlive()) this.signal(-this.pid, 'SIGKILL');
  }

  private groupAlive(): boolean {
    try {
      process.kill(-this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  private signal(target: number, signal: NodeJS.Signals): void {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
}

/** PIDs of a process's children, grandchildren... (Linux /proc), e.g. the Temporal server under `medic dev`. */
export function descendants(pid: number): number[] {
  // Children are listed per thread: the SDK starts the Temporal server from one of its own threads.
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children = threads.flatMap((tid) => {
    try {
      return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    } catch {
      return [];
    }
  });
  return children.flatMap((child) => [child, ...descendants(child)]);
}
