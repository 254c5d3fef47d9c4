import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { auditRecord } from '../incidents/audit-record.js';
import { FilterError, listIncidents, parseSince } from '../incidents/list-incidents.js';
import { recoveryReport } from '../reports/recovery-report.js';
import type { IncidentStatus } from '../../workflows/definitions.js';
import { isMissingKeyError, MISSING_KEY_MESSAGE } from '../temporal/encryption-codec.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliEnv, incidentIdArg } from './context.js';
import { formatTable } from './format-table.js';
import { terminalSafe, terminalSafeJson } from './terminal-safe.js';

async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await cliClient(cliEnv());
  try {
    return await fn(client);
  } catch (err) {
    if (err instanceof FilterError) throw new CliError(err.message, EXIT.usage);
    if (err instanceof WorkflowNotFoundError) throw new CliError(`no such incident: ${err.workflowId}`, EXIT.notFound);
    if (isMissingKeyError(err)) throw new CliError(MISSING_KEY_MESSAGE, EXIT.usage);
    throw err;
  } finally {
    await client.connection.close();
  }
}

const since = (value: string | undefined): Date | undefined => {
  try {
    return value === undefined ? undefined : parseSince(value);
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
};

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
const availability = (a: number): string => `${(a * 100).toFixed(3)}%`;

/** Seconds as a person reads them: 45s, 12m, 3.5h, 2.1d; "n/a" when there is no figure. */
function duration(seconds: number | null): string {
  if (seconds === null) return 'n/a';
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7_200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 360) / 10}h`;
  return `${Math.round(seconds / 8_640) / 10}d`;
}

export function registerQueryCommands(program: Command): void {
  program
    .command('incidents')
    .description('list incidents, newest first')
    .option('--status <status>', 'open, recovering, awaiting-human, recovered, escalated, failed, aborted or resolved')
    .option('--service <name>', 'only this service')
    .option('--playbook <name>', 'only this playbook')
    .option('--since <when>', 'started after: 30m, 24h, 7d or a date')
    .option('--limit <n>', 'at most this many', '100')
    .option('--json', 'print JSON')
    .action(async (flags: { status?: IncidentStatus; service?: string; playbook?: string; since?: string; limit: string; json?: boolean }) => {
      await withClient(async (client) => {
        const sinceDate = since(flags.since);
        const rows = await listIncidents(client, {
          ...(flags.status !== undefined && { status: flags.status }),
          ...(flags.service !== undefined && { service: flags.service }),
          ...(flags.playbook !== undefined && { playbook: flags.playbook }),
          ...(sinceDate !== undefined && { since: sinceDate }),
          limit: Number(flags.limit),
        });
        if (flags.json === true) {
          console.log(terminalSafeJson(rows));
          return;
        }
        if (rows.length === 0) {
          console.log('no incidents match');
          return;
        }
        console.log(
          formatTable(
            ['INCIDENT', 'STATUS', 'SERVICE', 'ALERT', 'SEVERITY', 'PLAYBOOK', 'STARTED'],
            rows.map((r) => [r.incidentId, r.status, r.service, r.alert, r.severity, r.playbook, r.startTime.replace('T', ' ').slice(0, 19)]),
          ),
        );
      });
    });

  program
    .command('audit <id>')
    .description('the complete record of an incident from its Temporal history (closed incidents too)')
    .option('--json', 'print JSON (the default is one line per event)')
    .option('--all-events', 'include workflow-task bookkeeping events')
    .action(async (id: string, flags: { json?: boolean; allEvents?: boolean }) => {
      await withClient(async (client) => {
        const record = await auditRecord(client, incidentIdArg(id), { includeTaskEvents: flags.allEvents === true });
        if (flags.json === true) {
          console.log(terminalSafeJson(record));
          return;
        }
        console.log(`${record.incidentId}  run ${record.runId}  ${record.workflowStatus}${record.outcome ? ` (${record.outcome})` : ''}`);
        for (const e of record.events) console.log(`${e.time.replace('T', ' ').slice(0, 23)}  #${String(e.id).padEnd(4)} ${e.type.padEnd(34)} ${terminalSafe(e.what)}`);
      });
    });

  program
    .command('report')
    .description('MTTR, recovery success rate, escalation rate and step statistics per playbook; MTBF, availability and false alarms per service')
    .option('--since <when>', 'period start: 30m, 24h, 7d or a date', '7d')
    .option('--playbook <name>', 'only this playbook')
    .option('--json', 'print JSON')
    .action(async (flags: { since: string; playbook?: string; json?: boolean }) => {
      await withClient(async (client) => {
        const report = await recoveryReport(client, { since: since(flags.since) ?? new Date(0), ...(flags.playbook !== undefined && { playbook: flags.playbook }) });
        if (flags.json === true) {
          console.log(terminalSafeJson(report));
          return;
        }
        console.log(`incidents started ${report.since} .. ${report.until}; still open: ${report.stillOpen}`);
        console.log(`false alarms: ${report.falseAlarms.count} (${percent(report.falseAlarms.share)} of closed incidents)`);
        if (report.services.length > 0) {
          console.log(`\nper service (availability = MTBF / (MTBF + MTTR) over the period):`);
          console.log(
            formatTable(
              ['  SERVICE', 'INCIDENTS', 'FALSE ALARMS', 'FAILURES', 'MTBF', 'MTTR', 'AVAILABILITY'],
              report.services.map((s) => [`  ${s.service}`, String(s.incidents), String(s.falseAlarms), String(s.failures), duration(s.mtbfSeconds), duration(s.mttrSeconds), availability(s.availability)]),
            ),
          );
        }
        for (const p of report.playbooks) {
          const mttr = p.mttrSeconds ? `MTTR mean ${p.mttrSeconds.mean}s, p50 ${p.mttrSeconds.p50}s, p95 ${p.mttrSeconds.p95}s (n=${p.mttrSeconds.count})` : 'MTTR n/a';
          console.log(`\n${p.playbook}: ${p.incidents} closed (${p.dryRuns} dry runs); recovered ${Math.round(p.recoverySuccessRate * 100)}%, escalated ${Math.round(p.escalationRate * 100)}%; ${mttr}`);
          console.log(`  outcomes: ${Object.entries(p.outcomes).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}`);
          if (p.steps.length > 0) {
            console.log(
              formatTable(
                ['  STEP', 'ATTEMPTS', 'FAILURES', 'SUCCESS', 'P50 MS', 'P95 MS'],
                p.steps.map((s) => [`  ${s.activity}`, String(s.attempts), String(s.failures), `${Math.round(s.successRate * 100)}%`, String(s.p50Ms), String(s.p95Ms)]),
              ),
            );
          }
        }
      });
    });
}
