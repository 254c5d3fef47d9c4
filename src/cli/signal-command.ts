import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { deliverSignal } from '../incidents/open-incident.js';
import { routeSignal } from '../routing/route-signal.js';
import { makeSignal } from '../signals/make-signal.js';
import { CliError, EXIT } from './cli-error.js';
import { cliClient, cliConfig, cliEnv, webUiLink } from './context.js';

interface SignalFlags {
  file?: string;
  alertname?: string;
  service?: string;
  severity?: string;
  fingerprint?: string;
  summary?: string;
  status?: 'firing' | 'resolved';
  label: string[];
  id?: string;
  json?: boolean;
}

function parseLabel(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function labelsFrom(pairs: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--label "${pair}" must be NAME=VALUE`, EXIT.usage);
    labels[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return labels;
}

function readSignalFile(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CliError(`cannot read signal file ${path}: ${(err as Error).message}`, EXIT.usage);
  }
}

export function registerSignalCommand(program: Command): void {
  program
    .command('signal')
    .description('send a signal (an alert) to medic: opens an incident, or joins the open one for its fingerprint')
    .option('-f, --file <path>', 'a JSON file holding a Signal (flags override its fields)')
    .option('--alertname <name>', 'alert name, e.g. HighErrorRate')
    .option('--service <name>', 'the affected service, e.g. checkout-api')
    .option('--severity <level>', 'severity, e.g. critical', undefined)
    .option('--fingerprint <fp>', 'incident key; derived from alertname and service when absent')
    .option('--summary <text>', 'one line for humans')
    .option('--status <status>', 'firing or resolved', undefined)
    .option('--label <name=value>', 'an alert label (repeatable)', parseLabel, [])
    .option('--id <id>', 'notification id (deduplication key); random when absent')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', '\nExample:\n  medic signal --alertname HighErrorRate --service checkout-api --severity critical --label instance=checkout-api')
    .action(async (flags: SignalFlags) => {
      const env = cliEnv();
      const config = cliConfig(env);
      const fromFile = flags.file !== undefined ? readSignalFile(flags.file) : {};
      const labels = { ...((fromFile['labels'] as Record<string, string> | undefined) ?? {}), ...labelsFrom(flags.label) };
      const pick = <K extends keyof SignalFlags>(k: K) => (flags[k] !== undefined ? { [k]: flags[k] } : {});
      let signal;
      try {
        signal = makeSignal({
          ...fromFile,
          ...pick('alertname'),
          ...pick('service'),
          ...pick('severity'),
          ...pick('fingerprint'),
          ...pick('summary'),
          ...pick('status'),
          ...pick('id'),
          labels,
        });
      } catch (err) {
        throw new CliError(`${(err as Error).message} (see medic signal --help)`, EXIT.usage);
      }
      const routing = routeSignal(config, signal);
      if (!routing.routed) throw new CliError(`signal not routed: ${routing.reason}`, EXIT.failure);
      const client = await cliClient(env);
      try {
        const delivery = await deliverSignal(client, signal, routing.decision, { taskQueue: env.MEDIC_TASK_QUEUE });
        if (flags.json === true) {
          console.log(JSON.stringify({ ...delivery, signalId: signal.id, route: routing.decision }, null, 2));
        } else if (delivery.kind === 'no-open-incident') {
          console.log(`resolved: no open incident ${delivery.incidentId}; nothing to do`);
        } else {
          console.log(`${delivery.kind === 'resolved' ? 'resolved' : 'signalled'} ${delivery.incidentId} (playbook ${routing.decision.playbook} on ${routing.decision.target})`);
          console.log(`  timeline: medic show ${delivery.incidentId}`);
          console.log(`  web UI:   ${webUiLink(env, delivery.incidentId)}`);
        }
      } finally {
        await client.connection.close();
      }
    });
}
