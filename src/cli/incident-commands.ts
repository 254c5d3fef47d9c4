import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import type { Command } from 'commander';
import {
  abortUpdate,
  ackUpdate,
  approveUpdate,
  noteUpdate,
  retryUpdate,
  timelineQuery,
  type IncidentResult,
  type TimelineEntry,
} from '../../workflows/definitions.js';
import { sendHumanAction } from '../incidents/human-actions.js';
import { isMissingKeyError, MISSING_KEY_MESSAGE } from '../temporal/encryption-codec.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliEnv, incidentIdArg } from './context.js';
import { formatTimeline } from './format-timeline.js';
import { terminalSafeJson } from './terminal-safe.js';

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await cliClient(cliEnv());
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no such incident: ${err.workflowId}`, EXIT.notFound);
    if (isMissingKeyError(err)) throw new CliError(MISSING_KEY_MESSAGE, EXIT.usage);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** The timeline of an open incident (query) or a closed one (its result). */
export async function readTimeline(client: Client, incidentId: string): Promise<{ status: string; timeline: TimelineEntry[] }> {
  const handle = client.workflow.getHandle(incidentId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') {
    return { status: 'RUNNING', timeline: await handle.query(timelineQuery) };
  }
  if (description.status.name === 'COMPLETED') {
    const result = (await handle.result()) as IncidentResult;
    return { status: `COMPLETED (${result.outcome})`, timeline: result.timeline };
  }
  throw new CliError(`incident ${incidentId} ended as ${description.status.name}; its timeline is in the history: medic audit ${incidentId} --json`, EXIT.failure);
}

const ACTIONS = [
  { name: 'approve', update: approveUpdate, help: 'approve the step an incident is waiting on' },
  { name: 'retry', update: retryUpdate, help: 'run the playbook again after it escalated or failed' },
  { name: 'abort', update: abortUpdate, help: 'stop the playbook and undo its steps' },
  { name: 'ack', update: ackUpdate, help: 'acknowledge an escalation: you own the incident now' },
  { name: 'note', update: noteUpdate, help: 'add a note to the timeline' },
] as const;

export function registerIncidentCommands(program: Command): void {
  program
    .command('show <id>')
    .description('print the timeline of an incident (id or fingerprint)')
    .option('--json', 'print the timeline as JSON')
    .action(async (id: string, flags: { json?: boolean }) => {
      await withClient(async (client) => {
        const incidentId = incidentIdArg(id);
        const { status, timeline } = await readTimeline(client, incidentId);
        if (flags.json === true) console.log(terminalSafeJson({ incidentId, status, timeline }));
        else console.log(`${incidentId}  ${status}\n${formatTimeline(timeline)}`);
      });
    });

  for (const action of ACTIONS) {
    program
      .command(`${action.name} <id>`)
      .description(action.help)
      .requiredOption('--by <name>', 'who you are (goes into the audit)')
      .requiredOption('--reason <text>', 'why (goes into the audit)')
      .action(async (id: string, flags: { by: string; reason: string }) => {
        await withClient(async (client) => {
          const incidentId = incidentIdArg(id);
          try {
            const state = await sendHumanAction(client, incidentId, action.update, { by: flags.by, reason: flags.reason });
            // An approval opens the gate as the update returns: the status still reads the gate's.
            const status = action.name === 'approve' ? 'approved; the playbook carries on' : `is now ${state.status}`;
            console.log(`${action.name}: ${incidentId} ${status}`);
          } catch (err) {
            if (err instanceof WorkflowUpdateFailedError) {
              throw new CliError(`${action.name} rejected: ${err.cause?.message ?? err.message}`, EXIT.rejected);
            }
            throw err;
          }
        });
      });
  }
}
