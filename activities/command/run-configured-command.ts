import type { CommandInput, CommandOutput } from '../contract.js';
import { FailureType } from '../contract.js';
import type { CommandsConfig } from '../../src/config/command-schema.js';
import { resolveSecret, SecretUnavailableError } from '../../src/config/secret-ref.js';
import { DriverError, MisconfigurationError } from '../driver-errors.js';
import { cancellation, keepAlive } from '../support/waiting.js';
import { describeCommand } from './describe-command.js';
import { runCommand, type CommandResult } from './run-command.js';

/** A configured command exited non-zero or ran past its timeout. Retryable only if its configuration says so. */
export class CommandFailedError extends DriverError {
  override readonly name = 'CommandFailedError';
  readonly code = FailureType.CommandFailed;
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const seconds = (ms: number): string => `${(ms / 1_000).toFixed(1)} s`;

/** The stream worth quoting in a one-line summary or failure: stderr when it said anything. */
function lastWords(result: CommandResult): string {
  const err = result.stderr.tail();
  const out = result.stdout.tail();
  if (err.text !== '') return `stderr: ${err.text}`;
  if (out.text !== '') return `stdout: ${out.text}`;
  return 'no output';
}

/**
 * The `command` activity: run the argv configured for this target and action. Only the action's
 * name comes from the playbook; the argv, environment and working folder come from the
 * configuration, so no alert text can reach a command line. The playbook's stated effect must be
 * the configured one: the kill switch treated the call by what the playbook stated.
 */
export async function runConfiguredCommand(input: CommandInput, commands: CommandsConfig): Promise<CommandOutput> {
  const field = `targets.${input.target}.commands.${input.action}`;
  const cfg = Object.hasOwn(commands, input.action) ? commands[input.action] : undefined;
  if (cfg === undefined) {
    const known = Object.keys(commands).join(', ') || 'none';
    throw new MisconfigurationError(
      `target "${input.target}" has no command "${input.action}" (its commands: ${known}). To fix: add ${field} with argv and effect, or correct the action the playbook names`,
    );
  }
  if (input.effect !== cfg.effect) {
    throw new MisconfigurationError(
      `refused to run "${input.action}" on ${input.target}: the playbook states its effect is ${JSON.stringify(input.effect ?? null)}, ${field}.effect says "${cfg.effect}". To fix: make the playbook's effect and the configuration agree (medic pause holds "changes", never "read-only")`,
    );
  }
  const env: Record<string, string> = {};
  for (const [name, ref] of Object.entries(cfg.env)) {
    try {
      env[name] = resolveSecret(ref, `${field}.env.${name}`);
    } catch (err) {
      if (err instanceof SecretUnavailableError) throw new MisconfigurationError(err.message);
      throw err;
    }
  }

  const what = `${input.action} on ${input.target}`;
  const result = await keepAlive(what, () =>
    runCommand({ argv: cfg.argv, env, ...(cfg.cwd !== undefined && { cwd: cfg.cwd }), timeoutMs: cfg.timeout, signal: cancellation(), field }),
  );
  if (result.timedOut) {
    throw new CommandFailedError(`${what} did not finish within ${seconds(cfg.timeout)} and its process group was killed; ${lastWords(result)}. To fix: see why it hangs, or raise ${field}.timeout`, cfg.retryable);
  }
  if (result.exitCode !== 0) {
    const how = result.exitCode === null ? `was killed by ${String(result.signal)}` : `exited with code ${result.exitCode}`;
    throw new CommandFailedError(`${what} ${how} after ${seconds(result.durationMs)}; ${lastWords(result)}`, cfg.retryable);
  }
  const stdout = result.stdout.tail();
  const stderr = result.stderr.tail();
  const line = (stdout.text || stderr.text).split('\n').at(-1) ?? '';
  const lastLine = line.length > 200 ? `${line.slice(0, 200)}...` : line;
  return {
    summary: `${what}: exit 0 in ${seconds(result.durationMs)}${lastLine === '' ? '' : `: ${lastLine}`}`,
    exitCode: 0,
    data: {
      ...describeCommand(input.action, cfg),
      exitCode: 0,
      durationMs: result.durationMs,
      stdout: stdout.text,
      stderr: stderr.text,
      stdoutBytes: stdout.bytes,
      stderrBytes: stderr.bytes,
      truncated: stdout.truncated || stderr.truncated,
    },
  };
}
