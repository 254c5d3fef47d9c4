import { WithStartWorkflowOperation } from '@temporalio/client';
import type { Command } from 'commander';
import { guardLimitsOf } from '../../activities/guards/guard-limits-view.js';
import { guardWorkflowId, pinLimitsUpdate } from '../../workflows/guards/definitions.js';
import { limitDifferences } from '../../workflows/guards/guard-limits.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliConfig, cliEnv } from './context.js';

/**
 * `medic guards adopt-config`: make the guards run with the limits of this configuration file.
 * The guards apply one set of limits whichever worker asks (the first worker to ask pins its
 * own); a worker whose limits differ is refused until its configuration is rolled out everywhere
 * or adopted here, on purpose, with who and why on the guard's record.
 */
export function registerAdoptConfigCommand(guards: Command): void {
  guards
    .command('adopt-config')
    .description("make the guards run with this configuration's limits (pools, members, restart budget); workers with other limits are refused")
    .requiredOption('--by <name>', 'who you are (kept with the limits)')
    .requiredOption('--reason <text>', 'why')
    .action(async (flags: { by: string; reason: string }) => {
      for (const [flag, value] of [['--by', flags.by], ['--reason', flags.reason]] as const) {
        if (value.trim() === '') throw new CliError(`adopt-config: ${flag} must not be empty: the guards keep who changed their limits and why`, EXIT.usage);
      }
      const env = cliEnv();
      const config = await cliConfig(env);
      const limits = guardLimitsOf({ guards: config.guards, targets: config.targets });
      const client = await cliClient(env);
      try {
        const answer = await client.workflow.executeUpdateWithStart(pinLimitsUpdate, {
          args: [{ limits, mode: 'adopt', by: flags.by, reason: flags.reason }],
          startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', {
            workflowId: guardWorkflowId(env.MEDIC_TASK_QUEUE),
            taskQueue: env.MEDIC_TASK_QUEUE,
            workflowIdConflictPolicy: 'USE_EXISTING',
            args: [],
          }),
        });
        if (!answer.changed) {
          console.log(`the guards already run with these limits (${answer.pinned.hash}, pinned by ${answer.pinned.by} at ${answer.pinned.at})`);
          return;
        }
        console.log(`the guards now run with limits ${answer.pinned.hash} (task queue ${env.MEDIC_TASK_QUEUE})`);
        if (answer.previous !== null) {
          console.log(`instead of ${answer.previous.hash} (pinned by ${answer.previous.by} at ${answer.previous.at}):`);
          for (const line of limitDifferences(limits, answer.previous.limits)) console.log(`  ${line.replace('this worker', 'now').replace('the guards', 'before')}`);
        }
        console.log('workers with other limits are refused (their incidents escalate, changing nothing) until they run this configuration');
      } catch (err) {
        throw new CliError(
          `adopt-config failed: ${(err as Error).message}. To fix: check that a medic worker serves task queue ${env.MEDIC_TASK_QUEUE} (the guard workflow answers through it)`,
          EXIT.failure,
        );
      } finally {
        await client.connection.close();
      }
    });
}
