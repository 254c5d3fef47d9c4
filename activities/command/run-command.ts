import { spawn } from 'node:child_process';
import { MisconfigurationError } from '../driver-errors.js';
import { OutputTail } from './output-tail.js';

// Runs one configured argv in a process group of its own, so a timeout or an abort kills
// everything it started (a shell script's children too), not only the first process.

/** After the program exited, how long to wait for its output pipes to close (a process it left running may hold them). */
const DRAIN_MS = 1_000;

export interface CommandRun {
  argv: readonly string[];
  env: Record<string, string>;
  cwd?: string;
  timeoutMs: number;
  /** Aborted when the step is cancelled: the group is killed. */
  signal?: AbortSignal;
  /** For messages: the setting the command came from, e.g. targets.web-1.commands.cleanup. */
  field: string;
}

export interface CommandResult {
  /** The exit code; null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, e.g. SIGKILL. */
  signal: string | null;
  timedOut: boolean;
  durationMs: number;
  stdout: OutputTail;
  stderr: OutputTail;
}

/**
 * The child's environment: the worker's, less medic's and Temporal's own settings (connection
 * details, API keys, intake tokens are no business of a cleanup script), plus the configured ones.
 */
export function commandEnv(extra: Record<string, string>, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (key.startsWith('MEDIC_') || key.startsWith('TEMPORAL_') || key === 'PM2_PROGRAMMATIC') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

const killGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the whole group is gone already.
  }
};

/** Run the argv to its end, its timeout, or the step's cancellation; never throws for a non-zero exit. */
export function runCommand(run: CommandRun): Promise<CommandResult> {
  const [program, ...args] = run.argv;
  if (program === undefined) return Promise.reject(new MisconfigurationError(`${run.field}.argv is empty. To fix: give the program and its arguments as a list`));
  const started = Date.now();
  const stdout = new OutputTail();
  const stderr = new OutputTail();

  return new Promise<CommandResult>((resolve, reject) => {
    const child = spawn(program, args, {
      env: commandEnv(run.env),
      ...(run.cwd !== undefined && { cwd: run.cwd }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: -pid reaches every process it starts
      shell: false,
    });
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const timers: NodeJS.Timeout[] = [];
    // SIGKILL, not SIGTERM: a command past its time (or called off) gets no say, and nothing of it
    // may outlive the step. The group id is the child's pid (detached).
    const stop = () => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    };
    const onAbort = () => {
      cancelled = true;
      stop();
    };
    timers.push(
      setTimeout(() => {
        timedOut = true;
        stop();
      }, run.timeoutMs),
    );
    if (run.signal?.aborted === true) onAbort();
    run.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      run.signal?.removeEventListener('abort', onAbort);
      fn();
    };

    let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let open = 2;
    const done = () =>
      finish(() => {
        if (cancelled) {
          const err = new Error(`${run.field} was stopped: the step was cancelled`);
          err.name = 'AbortError';
          reject(err);
          return;
        }
        resolve({ exitCode: exit?.code ?? null, signal: exit?.signal ?? null, timedOut, durationMs: Date.now() - started, stdout, stderr });
      });
    const closed = () => {
      if (--open === 0 && exit !== undefined) done();
    };
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout.once('close', closed);
    child.stderr.once('close', closed);
    child.on('error', (err: NodeJS.ErrnoException) => {
      finish(() => {
        if (err.code === 'ENOENT' || err.code === 'EACCES') {
          const why = err.code === 'ENOENT' ? (run.cwd !== undefined ? 'no such program, or no such cwd' : 'no such program') : 'permission denied';
          reject(new MisconfigurationError(`cannot run ${program} (${run.field}.argv): ${why}. To fix: install it, give its full path, or correct ${run.field}.cwd`));
        } else {
          reject(err);
        }
      });
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      if (open === 0) return done();
      // Read what is left in the pipes, but not forever: a process it left running may keep them open.
      timers.push(
        setTimeout(() => {
          child.stdout.destroy();
          child.stderr.destroy();
          done();
        }, DRAIN_MS),
      );
    });
  });
}
