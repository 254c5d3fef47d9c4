import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { guardStateQuery, guardWorkflowId, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliEnv } from './context.js';

async function setPaused(client: Client, taskQueue: string, paused: boolean, by: string, reason: string) {
  return client.workflow.executeUpdateWithStart(setPausedUpdate, {
    args: [{ paused, by, reason }],
    startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', {
      workflowId: guardWorkflowId(taskQueue),
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [],
    }),
  });
}

export function registerGuardCommands(program: Command): void {
  for (const [name, paused, help] of [
    ['pause', true, 'kill switch: stop every new automated action (incidents still open, record, and wait for a human)'],
    ['resume', false, 'lift the kill switch: held incidents carry on'],
  ] as const) {
    program
      .command(name)
      .description(help)
      .requiredOption('--by <name>', 'who you are (goes into every affected timeline)')
      .requiredOption('--reason <text>', 'why')
      .action(async (flags: { by: string; reason: string }) => {
        for (const [flag, value] of [['--by', flags.by], ['--reason', flags.reason]] as const) {
          if (value.trim() === '') throw new CliError(`${name}: ${flag} must not be empty: every affected timeline records who and why`, EXIT.usage);
        }
        const env = cliEnv();
        const client = await cliClient(env);
        try {
          await setPaused(client, env.MEDIC_TASK_QUEUE, paused, flags.by, flags.reason);
          console.log(paused ? `medic is paused (task queue ${env.MEDIC_TASK_QUEUE}): no new automated action until \`medic resume\`` : 'medic resumed');
        } catch (err) {
          throw new CliError(`${name} failed: ${(err as Error).message}`, EXIT.failure);
        } finally {
          await client.connection.close();
        }
      });
  }

  program
    .command('guards')
    .description('show the guards: kill switch, target locks, isolated pool members, recent restarts')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const env = cliEnv();
      const client = await cliClient(env);
      try {
        const state = await client.workflow.getHandle(guardWorkflowId(env.MEDIC_TASK_QUEUE)).query(guardStateQuery);
        if (flags.json === true) {
          console.log(JSON.stringify(state, null, 2));
          return;
        }
        console.log(state.paused ? `PAUSED by ${state.paused.by} at ${state.paused.at}: ${state.paused.reason}` : 'running (not paused)');
        for (const [target, holder] of Object.entries(state.holders)) {
          const waiting = (Object.hasOwn(state.waiters, target) ? (state.waiters[target] ?? []) : []).map((w) => `${w.incidentId} (${w.policy})`).join(', ');
          console.log(`target ${target}: ${holder}${waiting ? `; waiting: ${waiting}` : ''}`);
        }
        for (const [pool, members] of Object.entries(state.isolated)) console.log(`pool ${pool}: out of rotation: ${Object.keys(members).join(', ')}`);
        for (const [target, times] of Object.entries(state.restarts)) console.log(`target ${target}: ${times.length} recent automated restart(s)`);
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') {
          console.log('no guard state yet: no incident has run on this task queue, and medic was never paused');
          return;
        }
        throw err;
      } finally {
        await client.connection.close();
      }
    });
}
