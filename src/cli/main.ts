import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { registerCodecCommand } from './codec-command.js';
import { registerDeadLetterCommand } from './dead-letter-command.js';
import { registerIncidentCommands } from './incident-commands.js';
import { registerGuardCommands } from './guard-commands.js';
import { registerQueryCommands } from './query-commands.js';
import { registerReplayCommand } from './replay-command.js';
import { registerInitCommand } from './init-command.js';
import { registerIntakeCommand } from './intake-command.js';
import { registerSignalCommand } from './signal-command.js';
import { registerWorkerCommands } from './worker-commands.js';

function buildProgram(): Command {
  const program = new Command('medic')
    .description('durable, self-healing incident recovery on Temporal')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerWorkerCommands(program);
  registerSignalCommand(program);
  registerIntakeCommand(program);
  registerIncidentCommands(program);
  registerQueryCommands(program);
  registerCodecCommand(program);
  registerGuardCommands(program);
  registerDeadLetterCommand(program);
  registerReplayCommand(program);
  registerInitCommand(program);
  return program;
}

async function main(): Promise<void> {
  // `medic show x | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (err instanceof CliError) {
      console.error(`medic: ${err.message}`);
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`medic: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = EXIT.failure;
  }
}

await main();
