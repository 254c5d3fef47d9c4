import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import { guardStateQuery, guardWorkflowId, rejoinedUpdate, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { isolatedMembers, waitersOf } from '../../workflows/guards/guard-state.js';
import { CliError, EXIT } from './cli-error.js';
import { registerAdoptConfigCommand } from './guard-limits-command.js';
import { cliClient, cliEnv } from './context.js';

/** A query the guard does not answer usually means no worker polls its task queue. */
function unanswered(taskQueue: string, err: Error): CliError {
  return new CliError(
    `the guard workflow on task queue ${taskQueue} did not answer (${err.message}). It answers through a medic worker: is \`medic worker\` running on this task queue?`,
    EXIT.unavailable,
  );
}

/** --by and --reason say who acted and why; blank ones are refused before anything is sent. */
function requireWhoAndWhy(command: string, flags: { by: string; reason: string }, because: string): void {
  for (const [flag, value] of [['--by', flags.by], ['--reason', flags.reason]] as const) {
    if (value.trim() === '') throw new CliError(`${command}: ${flag} must not be empty: ${because}`, EXIT.usage);
  }
}

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
        requireWhoAndWhy(name, flags, 'every affected timeline records who and why');
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

  const guards = program
    .command('guards')
    .description('show the guards: kill switch, limits, target locks, isolated pool members, recent restarts')
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
        const pinned = state.limits;
        console.log(pinned ? `limits ${pinned.hash}, pinned by ${pinned.by} at ${pinned.at}: ${pinned.reason}` : 'limits: none pinned yet (the first worker to ask pins its own)');
        for (const [target, holder] of Object.entries(state.holders)) {
          const waiting = waitersOf(state, target).map((w) => `${w.incidentId} (${w.policy})`).join(', ');
          console.log(`target ${target}: ${holder}${waiting ? `; waiting: ${waiting}` : ''}`);
        }
        for (const [pool, members] of Object.entries(state.isolated)) {
          console.log(`pool ${pool}: out of rotation: ${Object.keys(members).join(', ')} (put back by hand? \`medic rejoined <member>\`)`);
        }
        for (const [target, times] of Object.entries(state.restarts)) console.log(`target ${target}: ${times.length} recent automated restart(s)`);
        for (const r of state.released) console.log(`released ${r.target} from ${r.incidentId} at ${r.at}: ${r.why}`);
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') {
          console.log('no guard state yet: no incident has run on this task queue, and medic was never paused');
          return;
        }
        throw unanswered(env.MEDIC_TASK_QUEUE, err as Error);
      } finally {
        await client.connection.close();
      }
    });

  registerAdoptConfigCommand(guards);

  program
    .command('rejoined')
    .description('tell the guards a pool member is back in rotation (you put it back by hand), so it no longer counts against its pool')
    .argument('<member>', 'the target, as in the configuration')
    .option('--pool <pool>', 'its pool (needed only if it is out in several)')
    .requiredOption('--by <name>', 'who you are')
    .requiredOption('--reason <text>', 'why')
    .action(async (member: string, flags: { pool?: string; by: string; reason: string }) => {
      requireWhoAndWhy('rejoined', flags, "the guard's history records who and why");
      const env = cliEnv();
      const client = await cliClient(env);
      try {
        const guard = client.workflow.getHandle(guardWorkflowId(env.MEDIC_TASK_QUEUE));
        const state = await guard.query(guardStateQuery).catch((err: Error) => {
          if (err.name === 'WorkflowNotFoundError') throw new CliError(`no guard state yet on task queue ${env.MEDIC_TASK_QUEUE}: nothing is out of rotation`, EXIT.notFound);
          throw unanswered(env.MEDIC_TASK_QUEUE, err);
        });
        const pools = flags.pool !== undefined ? [flags.pool] : Object.keys(state.isolated).filter((p) => isolatedMembers(state, p).includes(member));
        if (pools.length === 0 || !isolatedMembers(state, pools[0] as string).includes(member)) {
          throw new CliError(`${member} is not out of rotation${flags.pool ? ` in pool ${flags.pool}` : ''} as far as the guards know (see \`medic guards\`)`, EXIT.notFound);
        }
        if (pools.length > 1) throw new CliError(`${member} is out of rotation in pools ${pools.join(', ')}: say which with --pool`, EXIT.usage);
        const pool = pools[0] as string;
        const left = await guard.executeUpdate(rejoinedUpdate, { args: [{ pool, member, by: flags.by, reason: flags.reason }] });
        console.log(`${member} counts as back in rotation in pool ${pool}; still out: ${left.length > 0 ? left.join(', ') : 'none'}`);
      } catch (err) {
        if (err instanceof CliError) throw err;
        throw new CliError(`rejoined failed: ${(err as Error).message}`, EXIT.failure);
      } finally {
        await client.connection.close();
      }
    });
}
