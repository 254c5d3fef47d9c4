import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A child process of the bench (worker or intake), run from its TypeScript file through tsx. */
export class BenchChild {
  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logPath: string,
    readonly ready: Record<string, unknown>,
  ) {}

  /**
   * Start `bench/<file>` with `args` (passed as JSON) and wait for its `ready` message. Its output
   * goes to `logPath`; other IPC messages go to `onMessage`.
   */
  static async start(options: {
    name: string;
    file: string;
    args: unknown;
    logPath: string;
    onMessage?: (message: { type: string }) => void;
    timeoutMs?: number;
    nodeArgs?: string[];
  }): Promise<BenchChild> {
    const script = fileURLToPath(new URL(options.file, import.meta.url));
    const log = openSync(options.logPath, 'a');
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', script, JSON.stringify(options.args)], {
      stdio: ['ignore', log, log, 'ipc'],
    });
    const timeoutMs = options.timeoutMs ?? 120_000;
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`${options.name} was not ready within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${err.message}; its log (${options.logPath}) ends:\n${tail(options.logPath)}`));
      };
      child.once('exit', (code) => fail(new Error(`${options.name} exited (${code}) before it was ready`)));
      child.on('message', (message: { type: string }) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(message as unknown as Record<string, unknown>);
        } else options.onMessage?.(message);
      });
    });
    return new BenchChild(options.name, child, options.logPath, ready);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resident set size now and at its peak (VmRSS, VmHWM), in MiB, as the kernel counts them. */
  memory(): { rssMiB: number; peakRssMiB: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
    return { rssMiB: kib('VmRSS') / 1024, peakRssMiB: kib('VmHWM') / 1024 };
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 30_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

function tail(path: string): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}
