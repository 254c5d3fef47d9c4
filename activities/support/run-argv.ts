import { execFile } from 'node:child_process';
import { MisconfigurationError, TargetUnavailableError } from '../driver-errors.js';
import { cancellation, keepAlive } from './waiting.js';

const MAX_OUTPUT = 256 * 1024;
const TAIL = 400;

export interface RunOptions {
  timeoutMs: number;
  env?: Record<string, string>;
  cwd?: string;
  /** For messages: which setting this command came from, e.g. targets.web-1.process.restart. */
  field: string;
  /** Bytes of output allowed before the command is treated as failed (default 256 KiB). */
  maxOutput?: number;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/**
 * The environment of a child: the worker's plus the configured variables. A process that loaded
 * PM2's API (a test's fleet, or code a user embeds in the worker) is marked PM2_PROGRAMMATIC=true;
 * a pm2 CLI started from it must not inherit that, or it prints nothing (no PID) and seems to fail.
 */
function childEnv(extra: Record<string, string> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['PM2_PROGRAMMATIC'];
  return { ...env, ...extra };
}

const tail = (text: string): string => {
  const trimmed = text.trim();
  return trimmed.length > TAIL ? `...${trimmed.slice(-TAIL)}` : trimmed;
};

/**
 * Run a program with an argv array from the configuration: no shell, so nothing is ever parsed
 * as a command line. Bounded by a timeout, killed when the step is cancelled, heartbeating meanwhile.
 */
export async function runArgv(argv: readonly string[], options: RunOptions): Promise<RunResult> {
  const [program, ...args] = argv;
  if (program === undefined) throw new MisconfigurationError(`${options.field} is empty. To fix: give the program and its arguments as a list`);
  return keepAlive(`${program} ${args.join(' ')}`, () =>
    new Promise<RunResult>((resolve, reject) => {
      execFile(
        program,
        args,
        {
          timeout: options.timeoutMs,
          killSignal: 'SIGKILL',
          maxBuffer: options.maxOutput ?? MAX_OUTPUT,
          env: childEnv(options.env),
          ...(options.cwd !== undefined && { cwd: options.cwd }),
          signal: cancellation(),
          shell: false,
        },
        (err, stdout, stderr) => {
          if (err === null) return resolve({ stdout, stderr });
          const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: string | number | null };
          if (e.name === 'AbortError') return reject(err);
          if (e.code === 'ENOENT' || e.code === 'EACCES') {
            return reject(new MisconfigurationError(`cannot run ${program} (${options.field}): ${e.code === 'ENOENT' ? 'no such program' : 'permission denied'}. To fix: install it or give its full path`));
          }
          if (e.killed === true) {
            return reject(new TargetUnavailableError(`${program} did not finish within ${options.timeoutMs} ms (${options.field}) and was killed. To fix: check why it hangs, or raise commandTimeout`));
          }
          const detail = tail(String(stderr)) || tail(String(stdout)) || 'no output';
          reject(new CommandFailedError(`${program} exited with code ${String(e.code)} (${options.field}): ${detail}`, typeof e.code === 'number' ? e.code : -1, String(stderr)));
        },
      );
    }),
  );
}

/** A command ran and exited non-zero; drivers decide what the exit code means. */
export class CommandFailedError extends TargetUnavailableError {
  override readonly name = 'CommandFailedError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly stderr: string,
  ) {
    super(message);
  }
}
