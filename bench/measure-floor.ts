import { parseConfig } from '../src/config/load-config.js';
import { incidentSummary } from '../src/incidents/open-incident.js';
import { parseAlertmanagerPayload } from '../src/intake/alertmanager-payload.js';
import { routeSignal } from '../src/routing/route-signal.js';
import { incidentWorkflow } from '../workflows/index.js';
import { alertSignal, incidentWorkflowId, type IncidentInput } from '../workflows/definitions.js';
import { BENCH_ALERTS, alertmanagerBody, benchConfigYaml } from './bench-routes.js';
import { MEDIC_QUEUE, type BenchStack } from './bench-stack.js';
import { random } from './measure-throughput.js';
import { distribution, round, type Distribution } from './stats.js';

// Row 4's floor: what Temporal itself takes, on the same server and worker in the same run, for
// the calls the intake makes. One Node client (the load generator's), the same number of calls in
// flight as the intake has connections, each a plain `client.workflow.signalWithStart` of the
// incident workflow with exactly the arguments the intake would send for the same alert (its own
// parser and router make them), for fingerprints drawn the same way. No HTTP, no intake.

export interface FloorResult {
  fingerprints: number;
  calls: number;
  concurrency: number;
  seconds: number;
  /** signalWithStart calls answered per second. */
  callsPerSecond: number;
  failed: number;
  answerMs: Distribution;
}

const CONFIG = parseConfig(benchConfigYaml(), 'bench-routes.yaml');

/** The arguments the intake builds for one bench alert (its own parser and router). */
function intakeArguments(fingerprint: string, episode: number) {
  const parsed = parseAlertmanagerPayload(JSON.parse(alertmanagerBody(BENCH_ALERTS.approval, fingerprint, episode)), {
    receivedAt: new Date().toISOString(),
    notificationNumber: () => 1,
  });
  const signal = parsed.alerts[0]?.signal;
  if (signal === undefined) throw new Error('the bench body has one alert');
  const decision = routeSignal(CONFIG, signal);
  if (!decision.routed) throw new Error(`the bench alert is not routed: ${decision.reason}`);
  const route = decision.decision;
  const input: IncidentInput = {
    fingerprint: signal.fingerprint, playbook: route.playbook, target: route.target, params: route.params, dryRun: route.dryRun,
    service: signal.service, alertname: signal.alertname, severity: signal.severity,
  };
  const details = [`**Alert:** ${signal.alertname}`, `**Service:** ${signal.service}`, `**Severity:** ${signal.severity}`, `**Playbook:** ${route.playbook} on \`${route.target}\` (route: ${route.route})`];
  if (signal.summary !== undefined) details.push(`**Summary:** ${signal.summary}`);
  return { signal, input, staticSummary: incidentSummary(signal), staticDetails: details.join('\n') };
}

export async function measureFloor(stack: BenchStack, o: { prefix: string; fingerprints: number; seconds: number; concurrency: number }): Promise<FloorResult> {
  const next = random(o.fingerprints);
  const sentPer = new Map<string, number>();
  const answers: number[] = [];
  let failed = 0;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  const lane = async () => {
    while (performance.now() < deadline) {
      const fp = `${o.prefix}-${Math.floor(next() * o.fingerprints)}`;
      const episode = sentPer.get(fp) ?? 0;
      sentPer.set(fp, episode + 1);
      const a = intakeArguments(fp, episode);
      const sent = performance.now();
      try {
        await stack.client.workflow.signalWithStart(incidentWorkflow, {
          workflowId: incidentWorkflowId(fp),
          taskQueue: MEDIC_QUEUE,
          args: [a.input],
          signal: alertSignal,
          signalArgs: [a.signal],
          staticSummary: a.staticSummary,
          staticDetails: a.staticDetails,
        });
        answers.push(performance.now() - sent);
      } catch {
        failed++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  return {
    fingerprints: o.fingerprints,
    calls: answers.length + failed,
    concurrency: o.concurrency,
    seconds: round(seconds, 2),
    callsPerSecond: round(answers.length / seconds, 1),
    failed,
    answerMs: distribution(answers),
  };
}
