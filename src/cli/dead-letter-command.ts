import type { Command } from 'commander';
import { readDeadLetters, deadLetterPath, resolveStateDir } from '../intake/dead-letters.js';
import { cliEnv } from './context.js';
import { formatTable } from './format-table.js';
import { terminalSafe, terminalSafeJson } from './terminal-safe.js';

/**
 * `medic dead-letters`: the signals the intake accepted but Temporal refused for good, read from
 * the intake's state directory (a file; no Temporal needed). `--json` prints each record whole,
 * signal included, so it can be fixed and sent again.
 */
export function registerDeadLetterCommand(program: Command): void {
  program
    .command('dead-letters')
    .description("list the signals the intake accepted but Temporal refused for good (the intake's dead-letter record)")
    .option('--state-dir <dir>', "the intake's state directory (default MEDIC_STATE_DIR, else .medic in the working directory)")
    .option('--json', 'print the records as JSON, each with its whole signal')
    .action((flags: { stateDir?: string; json?: boolean }) => {
      const dir = resolveStateDir(cliEnv(), flags.stateDir);
      const letters = readDeadLetters(dir);
      if (flags.json === true) {
        console.log(terminalSafeJson(letters));
        return;
      }
      if (letters.length === 0) {
        console.log(`no dead-lettered signals in ${deadLetterPath(dir)}`);
        return;
      }
      // Everything but the time and the refusal came from a signal: neutralised for the terminal.
      console.log(
        formatTable(
          ['AT', 'SIGNAL', 'INCIDENT', 'ALERT', 'SERVICE', 'REFUSED', 'REASON'],
          letters.map((l) => [l.at.replace('T', ' ').slice(0, 19), terminalSafe(l.signalId), terminalSafe(l.incidentId), terminalSafe(l.alertname), terminalSafe(l.service), l.refusal, terminalSafe(l.reason)]),
        ),
      );
    });
}
