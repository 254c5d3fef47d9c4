import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { MedicEnv } from '../config/env.js';
import { signedHeaders } from '../intake/auth.js';
import { deliverResolved, deliverSignal } from '../incidents/open-incident.js';
import { routeSignal } from '../routing/route-signal.js';
import { makeSignal } from '../signals/make-signal.js';
import { parseAssumptions } from '../incidents/dry-run-assumptions.js';
import { findPlaybook } from '../../playbooks/index.js';
import type { RoutedSignal } from '../routing/route-signal.js';
import { CliError, EXIT } from './cli-error.js';
import { driverPlan, formatDriverPlan } from './driver-plan.js';
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
  intake?: string;
  json?: boolean;
  dryRun?: boolean;
  assume: string[];
  plan?: boolean;
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

/** A JSON object from a file, or from standard input when the path is `-` (for scripts and pipes). */
function readSignalFile(path: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path === '-' ? 0 : path, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read signal file ${path === '-' ? '(stdin)' : path}: ${(err as Error).message}`, EXIT.usage);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CliError(`signal file ${path} must hold one JSON object (a Signal), not ${Array.isArray(parsed) ? 'a list' : typeof parsed}`, EXIT.usage);
  }
  return parsed as Record<string, unknown>;
}

/** The signal's fields from the file, overridden by flags. */
function signalFields(flags: SignalFlags): Record<string, unknown> {
  const fromFile = flags.file !== undefined ? readSignalFile(flags.file) : {};
  const labels = { ...((fromFile['labels'] as Record<string, string> | undefined) ?? {}), ...labelsFrom(flags.label) };
  const pick = <K extends keyof SignalFlags>(k: K) => (flags[k] !== undefined ? { [k]: flags[k] } : {});
  return {
    ...fromFile,
    ...pick('alertname'),
    ...pick('service'),
    ...pick('severity'),
    ...pick('fingerprint'),
    ...pick('summary'),
    ...pick('status'),
    ...pick('id'),
    labels,
  };
}

/** Exit codes for what the intake answered, so scripts can tell "fix your input" from "try later". */
function exitCodeFor(status: number): number {
  if (status === 503) return EXIT.unavailable;
  if (status === 400 || status === 413 || status === 415) return EXIT.usage;
  return EXIT.failure;
}

/** POST the signal to a running intake, signed or with the bearer token as the intake requires. */
async function sendThroughIntake(env: MedicEnv, url: string, fields: Record<string, unknown>, json: boolean): Promise<void> {
  // Like the direct path: each run is a new notification unless --id says otherwise.
  const body = JSON.stringify({ id: randomUUID(), ...fields });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (env.MEDIC_INTAKE_HMAC_SECRET !== undefined) Object.assign(headers, signedHeaders(env.MEDIC_INTAKE_HMAC_SECRET, body));
  if (env.MEDIC_INTAKE_TOKEN !== undefined) headers['authorization'] = `Bearer ${env.MEDIC_INTAKE_TOKEN}`;
  const endpoint = `${url.replace(/\/+$/, '')}/v1/signals`;
  let res: Response;
  try {
    res = await fetch(endpoint, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new CliError(`cannot reach the intake at ${endpoint}: ${(err as Error).message}. To fix: start it with \`medic intake\`, or check --intake`, EXIT.unavailable);
  }
  const text = await res.text();
  let answer: Record<string, unknown> = {};
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch {
    answer = { message: text };
  }
  if (res.status !== 202) throw new CliError(`intake answered ${res.status}: ${String(answer['message'] ?? text)}`, exitCodeFor(res.status));
  if (json) {
    console.log(JSON.stringify(answer, null, 2));
    return;
  }
  for (const r of (answer['results'] as Record<string, unknown>[] | undefined) ?? []) {
    const where = r['incidentId'] !== undefined ? ` ${String(r['incidentId'])}` : '';
    const why = r['reason'] !== undefined ? `: ${String(r['reason'])}` : '';
    console.log(`${String(r['outcome'])}${where}${why}`);
  }
}

export function registerSignalCommand(program: Command): void {
  program
    .command('signal')
    .description('send a signal (an alert) to medic: opens an incident, or joins the open one for its fingerprint')
    .option('-f, --file <path>', 'a JSON file holding a Signal, or - for standard input (flags override its fields)')
    .option('--alertname <name>', 'alert name, e.g. HighErrorRate')
    .option('--service <name>', 'the affected service, e.g. checkout-api')
    .option('--severity <level>', 'severity, e.g. critical', undefined)
    .option('--fingerprint <fp>', 'incident key; derived from alertname and service when absent')
    .option('--summary <text>', 'one line for humans')
    .option('--status <status>', 'firing or resolved', undefined)
    .option('--label <name=value>', 'an alert label (repeatable)', parseLabel, [])
    .option('--id <id>', 'notification id (deduplication key); random when absent')
    .option('--dry-run', 'run the routed playbook as a dry run: record what would be done to what, change nothing')
    .option(
      '--assume <activity=outcome,...>',
      'with --dry-run: the outcome a step of that activity is assumed to have, in call order (ok, fail; healthy or unhealthy for verify; approval=approved or timed-out); repeatable',
      (value: string, all: string[]) => [...all, value],
      [],
    )
    .option('--intake <url>', 'send through a running intake (POST <url>/v1/signals, signed with MEDIC_INTAKE_HMAC_SECRET) instead of straight to Temporal')
    .option('--json', 'print the result as JSON')
    .option('--plan', 'send nothing: route the signal and print what its playbook would act on (argv, HAProxy backend and server, URLs; secrets redacted)')
    .addHelpText(
      'after',
      '\nExamples:\n  medic signal --alertname HighErrorRate --service checkout-api --severity critical --label instance=checkout-api\n  medic signal --alertname HighErrorRate --service checkout-api --dry-run --assume verify=unhealthy --assume approval=timed-out\n  echo \'{"alertname":"DiskFull","service":"billing"}\' | medic signal -f - --intake http://localhost:8787',
    )
    .action(async (flags: SignalFlags) => {
      const env = cliEnv();
      const fields = signalFields(flags);
      if (flags.intake !== undefined) {
        await sendThroughIntake(env, flags.intake, fields, flags.json === true);
        return;
      }
      if (flags.assume.length > 0 && flags.dryRun !== true) throw new CliError('--assume applies to a dry run only. To fix: add --dry-run', EXIT.usage);
      const config = await cliConfig(env);
      let signal;
      try {
        signal = makeSignal(fields);
      } catch (err) {
        const field = /signal field "(\w+)"/.exec((err as Error).message)?.[1];
        const flag = field !== undefined && ['alertname', 'service', 'severity', 'fingerprint', 'summary', 'status', 'id'].includes(field) ? `--${field}` : 'the field in --file';
        throw new CliError(`${(err as Error).message}. To fix: give ${flag}, e.g. medic signal --alertname DiskFilling --service billing --severity warning (see medic signal --help)`, EXIT.usage);
      }
      // A resolution goes to the open incident whatever the routes say now (as in the intake).
      const routing = signal.status === 'firing' ? routeSignal(config, signal) : undefined;
      if (routing !== undefined && !routing.routed) throw new CliError(`signal not routed: ${routing.reason}`, EXIT.failure);
      const routed = routing?.routed === true ? routing.decision : undefined;
      const route = routed === undefined ? undefined : withDryRun(routed, flags);
      if (flags.plan === true) {
        if (route === undefined) throw new CliError('--plan shows what a firing signal would act on; a resolution only closes the open incident. To fix: drop --status resolved', EXIT.usage);
        const plan = driverPlan(config, route);
        console.log(flags.json === true ? JSON.stringify({ route, plan }, null, 2) : formatDriverPlan(plan, 'nothing').join('\n'));
        return;
      }
      // A dry run shows first what it would act on, as --plan does, then opens its incident.
      if (route?.dryRun === true && flags.json !== true) console.log(formatDriverPlan(driverPlan(config, route), 'dry run').join('\n'));
      const client = await cliClient(env);
      try {
        const delivery =
          route === undefined ? await deliverResolved(client, signal) : await deliverSignal(client, signal, route, { taskQueue: env.MEDIC_TASK_QUEUE });
        if (flags.json === true) {
          console.log(JSON.stringify({ ...delivery, signalId: signal.id, ...(route !== undefined && { route }) }, null, 2));
        } else if (delivery.kind === 'no-open-incident') {
          console.log(`resolved: no open incident ${delivery.incidentId}; nothing to do`);
        } else {
          const verb = delivery.kind === 'resolved' ? 'resolved' : delivery.opened === true ? 'opened' : delivery.opened === false ? 'joined open incident' : 'signalled';
          console.log(`${verb} ${delivery.incidentId}${route !== undefined ? ` (playbook ${route.playbook} on ${route.target})` : ''}`);
          console.log(`  timeline: medic show ${delivery.incidentId}`);
          console.log(`  web UI:   ${webUiLink(env, delivery.incidentId)}`);
        }
      } finally {
        await client.connection.close();
      }
    });
}

/** The route as --dry-run and --assume change it; an assumption that cannot hold is a usage error. */
function withDryRun(route: RoutedSignal, flags: SignalFlags): RoutedSignal {
  if (flags.dryRun !== true) return route;
  try {
    return { ...route, dryRun: true, ...(flags.assume.length > 0 && { assume: parseAssumptions(flags.assume, findPlaybook(route.playbook)) }) };
  } catch (err) {
    throw new CliError(`${(err as Error).message}. See medic signal --help`, EXIT.usage);
  }
}
