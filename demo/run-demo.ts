// Entry script of `npm run demo` (docs/demo.md): starts medic with a small real fleet, breaks it
// three ways, prints each incident's timeline as it grows, and stops everything on exit or Ctrl-C.
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Client } from '@temporalio/client';
import { connectClient } from '../src/temporal/connect.js';
import { freePort } from '../test/helpers/ports.js';
import { PROJECT_ROOT } from '../test/helpers/processes.js';
import { medicCommand } from './approver.js';
import { descendants, type DemoProcess } from './child-process.js';
import { Cleanup } from './cleanup.js';
import { DemoFleet } from './fleet.js';
import { startHaproxy } from './haproxy.js';
import { writeDemoConfig } from './medic-config.js';
import { portOr, startMedic } from './medic-stack.js';
import { startMonitoring } from './monitoring.js';
import type { Output } from './output.js';
import { runScenario, SCENARIOS, type DemoWorld, type ScenarioOutcome } from './scenarios.js';
import { summaryTable, type JsonSummary } from './summary.js';
import { Traffic } from './traffic.js';

const HELP = `usage: npm run demo [-- --auto] [-- --json-summary]

Starts the Temporal dev server and Web UI, the medic worker and intake, three HTTP services under
PM2 behind HAProxy, and Prometheus with Alertmanager; then runs three incidents: a restart, a
rollback, and a restart that waits for \`medic approve\`. Everything runs on 127.0.0.1 with its
state in a temporary folder, and is stopped on exit and on Ctrl-C.

  --auto          do not wait for you: approve with the CLI after a few seconds, and exit at the end
                  (the default when stdin is not a terminal, e.g. in CI)
  --json-summary  also print JSON lines: {"event":"ready",...} once everything runs, and
                  {"event":"summary",...} as the very last line
  --help          this text`;

interface Flags {
  auto: boolean;
  jsonSummary: boolean;
}

function parseFlags(argv: string[]): Flags | 'help' {
  const known = new Set(['--auto', '--json-summary', '--help', '-h']);
  const unknown = argv.filter((a) => !known.has(a));
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}. To fix: see npm run demo -- --help`);
  if (argv.includes('--help') || argv.includes('-h')) return 'help';
  return { auto: argv.includes('--auto'), jsonSummary: argv.includes('--json-summary') };
}

const tty = process.stdout.isTTY === true;
const style = (code: string, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const out: Output = {
  section: (title) => console.log(`\n${style('1', `== ${title}`)}`),
  line: (text) => console.log(`  ${text}`),
  detail: (text) => console.log(`  ${style('2', text)}`),
};

const cleanup = new Cleanup();
const processes: Record<string, number> = {};
const ports: Record<string, number> = {};
const outcomes: ScenarioOutcome[] = [];
/** The programs started (not PM2's): one that stopped on its own explains most failures. */
const started: DemoProcess[] = [];
const startedAt = Date.now();
let flags: Flags = { auto: true, jsonSummary: false };
let dir = '';
let fleet: DemoFleet | undefined;
let interrupted: NodeJS.Signals | undefined;
let finishing: Promise<never> | undefined;
/** Set when the demo fails (not when interrupted): its logs are kept for finding out why. */
let failed = false;
/** Ends the scenario's waits and cancels its Temporal calls before the client closes. */
const stopScenarios = new AbortController();

const portOf = (url: string) => Number(new URL(url.includes('://') ? url : `http://${url}`).port);

/** Start every part, registering how to stop each as soon as it runs. */
async function startWorld(interactive: boolean): Promise<DemoWorld> {
  out.section('Starting the demo stack');
  dir = mkdtempSync(join(tmpdir(), 'medic-demo-'));
  cleanup.add('remove the temporary folder', async () => {
    if (failed) keepLogs();
    rmSync(dir, { recursive: true, force: true });
  });
  out.detail(`state: ${dir} (removed on exit)`);

  fleet = await DemoFleet.start(dir, cleanup);
  for (const s of fleet.services) ports[s.name] = s.port;
  out.line(`services: ${fleet.services.map((s) => `${s.name} (:${s.port})`).join(', ')}, under PM2, release v1`);

  const haproxy = await startHaproxy(dir, fleet.services, cleanup);
  processes['haproxy'] = haproxy.process.pid;
  started.push(haproxy.process);
  Object.assign(ports, { 'haproxy-frontend': portOf(haproxy.url), 'haproxy-stats': portOf(haproxy.metricsTarget) });
  out.line(`HAProxy: ${haproxy.url} balances over the three; stats page ${haproxy.statsUrl}`);

  const [temporalPort, uiPort, intakePort, workerMetricsPort] = [await portOr(7233), await portOr(8233), await freePort(), await freePort()];
  const webUiUrl = `http://localhost:${uiPort}`;
  const token = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'medic-intake-token');
  writeFileSync(tokenFile, token, { mode: 0o600 });
  const configPath = join(dir, 'medic.yaml');
  writeDemoConfig(configPath, { fleet, haproxySocket: haproxy.socket, webUiUrl });

  out.line('starting `medic dev` (Temporal dev server, Web UI, worker), `medic intake`, Prometheus and Alertmanager...');
  const [medic, monitoring] = await Promise.all([
    startMedic({ dir, configPath, token, temporalPort, uiPort, intakePort, workerMetricsPort }, cleanup),
    startMonitoring(
      {
        dir,
        haproxyTarget: haproxy.metricsTarget,
        intakeTarget: `127.0.0.1:${intakePort}`,
        workerTarget: `127.0.0.1:${workerMetricsPort}`,
        webhookUrl: `http://127.0.0.1:${intakePort}/v1/signals/alertmanager`,
        tokenFile,
      },
      cleanup,
    ),
  ]);
  for (const p of [...medic.processes, ...monitoring.processes]) processes[p.name] = p.pid;
  started.push(...medic.processes, ...monitoring.processes);
  Object.assign(ports, {
    temporal: temporalPort,
    'temporal-ui': uiPort,
    'medic-intake': intakePort,
    'medic-worker-metrics': workerMetricsPort,
    prometheus: portOf(monitoring.prometheusUrl),
    alertmanager: portOf(monitoring.alertmanagerUrl),
  });
  out.line(`medic dev: Temporal at ${medic.temporalAddress}, worker on task queue "medic"; configuration ${configPath}`);
  out.line(`medic intake: ${medic.intakeUrl} (Alertmanager authenticates with a bearer token)`);
  out.line(`Prometheus ${monitoring.prometheusUrl}/alerts, Alertmanager ${monitoring.alertmanagerUrl}: HighErrorRate = over 20% of a server's answers are 5xx`);

  const client: Client = await connectClient({ TEMPORAL_ADDRESS: medic.temporalAddress, TEMPORAL_NAMESPACE: 'default' });
  cleanup.add('close the Temporal client', () => client.connection.close());
  cleanup.add('stop following incidents', async () => stopScenarios.abort(new Error('the demo is stopping')));
  const traffic = new Traffic(haproxy.url);
  traffic.start();
  cleanup.add('stop the traffic', async () => traffic.stop());
  out.line('traffic: 10 requests a second through HAProxy, as users would send');
  out.line(`ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s. Watch the incidents in the Temporal Web UI:`);
  out.line(`  ${webUiUrl}/namespaces/default/workflows`);
  await recordPids();
  if (flags.jsonSummary) console.log(JSON.stringify({ event: 'ready', processes, ports, dir }));
  return { out, client, fleet, haproxy, monitoring, medic, traffic, interactive, signal: stopScenarios.signal };
}

/** Copy every log (medic dev, intake, HAProxy, Prometheus, Alertmanager, PM2's) out of the folder about to be removed. */
function keepLogs(): void {
  const target = join(PROJECT_ROOT, '.medic', 'demo-logs', new Date().toISOString().replace(/[:.]/g, '-'));
  mkdirSync(target, { recursive: true });
  const logs = [dir, join(dir, 'pm2', 'logs')].flatMap((d) => (existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.log')).map((f) => join(d, f)) : []));
  for (const log of logs) copyFileSync(log, join(target, basename(log)));
  out.line(`the logs of every part are kept in ${target}`);
}

/** PIDs change (restarts) and some are grandchildren (the Temporal server under `medic dev`). */
async function recordPids(): Promise<void> {
  const medicDev = processes['medic dev'];
  if (medicDev !== undefined) descendants(medicDev).forEach((pid, i) => (processes[`medic dev child ${i + 1}`] = pid));
  if (fleet !== undefined) Object.assign(processes, await fleet.pids().catch(() => ({})));
}

/** Stop everything (once), print the JSON summary if asked, and exit. */
function finish(code: number, error?: string): Promise<never> {
  finishing ??= (async () => {
    failed = code !== 0 && interrupted === undefined;
    for (const p of failed ? started.filter((p) => !p.running) : []) {
      out.line(`${p.name} had stopped on its own; its log ends with:`);
      for (const line of p.logTail(8).split('\n')) out.detail(`  ${line}`);
    }
    await Promise.race([recordPids(), new Promise((r) => setTimeout(r, 3_000))]);
    out.section('Cleaning up');
    const failures = await cleanup.runAll((name) => out.detail(name));
    for (const f of failures) out.line(`failed: ${f}`);
    out.line(failures.length === 0 ? 'everything the demo started is stopped, and its temporary folder removed' : 'some parts did not stop cleanly (above)');
    if (flags.jsonSummary) {
      const summary: JsonSummary = {
        event: 'summary',
        ok: code === 0 && failures.length === 0,
        interrupted: interrupted !== undefined,
        error: error ?? null,
        durationSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
        scenarios: outcomes,
        processes,
        ports,
        dir,
        cleanupFailures: failures,
      };
      console.log(JSON.stringify(summary));
    }
    process.exit(failures.length > 0 && code === 0 ? 1 : code);
  })();
  return finishing;
}

function onSignal(signal: NodeJS.Signals): void {
  if (interrupted !== undefined) {
    // A second Ctrl-C: no more waiting.
    cleanup.killRemaining();
    process.exit(130);
  }
  interrupted = signal;
  out.line(`\n${signal}: stopping everything the demo started (Ctrl-C again to kill at once)`);
  void finish(signal === 'SIGINT' ? 130 : 143);
}

/** In a terminal, keep everything running for exploring the Web UI until Enter (at most 30 minutes). */
async function holdForExploring(temporalAddress: string): Promise<void> {
  out.section('Look around');
  out.line('Everything is still running: open the Web UI links above, or try:');
  for (const args of [`show ${outcomes[0]?.incidentId ?? '<incident>'}`, 'incidents', 'report', `audit ${outcomes[1]?.incidentId ?? '<incident>'}`]) {
    out.line(`  ${medicCommand(args, temporalAddress)}`);
  }
  out.line('Press Enter (or Ctrl-C) to stop everything and clean up.');
  const rl = createInterface({ input: process.stdin });
  await Promise.race([new Promise((r) => rl.once('line', r)), new Promise((r) => setTimeout(r, 30 * 60_000).unref())]);
  rl.close();
}

async function main(): Promise<never> {
  let parsed: Flags | 'help';
  try {
    parsed = parseFlags(process.argv.slice(2));
  } catch (err) {
    console.error(`medic demo: ${(err as Error).message}`);
    process.exit(2);
  }
  if (parsed === 'help') {
    console.log(HELP);
    process.exit(0);
  }
  flags = parsed;
  const interactive = !flags.auto && process.stdin.isTTY === true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => cleanup.killRemaining());
  // Whatever goes wrong, and wherever (a timer of a library), everything started is still stopped.
  process.on('uncaughtException', (err) => {
    if (finishing !== undefined) return; // a part complaining while it is being stopped
    console.error(`\nmedic demo failed: ${err.message}`);
    void finish(1, err.message);
  });

  console.log('medic demo: three HTTP services behind HAProxy, watched by Prometheus and Alertmanager; medic recovers them.');
  console.log(interactive ? 'Scenario 3 will wait for you to approve. Ctrl-C stops everything at any time.' : 'Non-interactive (--auto): the approval is given with the CLI after a few seconds.');
  const world = await startWorld(interactive);
  for (const [i, scenario] of SCENARIOS.entries()) outcomes.push(await runScenario(i + 1, scenario, world));

  out.section('Summary');
  for (const line of summaryTable(outcomes).split('\n')) out.line(line);
  for (const o of outcomes) out.detail(`${o.scenario}: ${o.webUi}`);
  const ok = outcomes.every((o) => o.asExpected);
  out.line(ok ? 'all three scenarios ended as described.' : 'some scenarios did not end as described (above).');
  if (interactive) await holdForExploring(world.medic.temporalAddress);
  return finish(ok ? 0 : 1, ok ? undefined : 'a scenario did not end as described');
}

main().catch((err: unknown) => {
  // After Ctrl-C, parts stop under the running scenario: its errors are expected, not news.
  if (interrupted !== undefined) return;
  const message = err instanceof Error ? err.message : String(err);
  console.error(`\nmedic demo failed: ${message}`);
  void finish(1, message);
});
