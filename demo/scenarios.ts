import type { Client } from '@temporalio/client';
import type { TimelineEntry } from '../workflows/definitions.js';
import { recoverySeconds } from '../workflows/runtime/recovery-time.js';
import { approveAutomatically, approveInteractively } from './approver.js';
import { BAD_RELEASE, type DemoFleet, type ServiceName } from './fleet.js';
import type { DemoHaproxy } from './haproxy.js';
import { IncidentWatch, type Snapshot } from './incident-watch.js';
import { APPROVAL_SERVICE } from './medic-config.js';
import type { MedicStack } from './medic-stack.js';
import { ALERT_NAME, type Monitoring } from './monitoring.js';
import type { Output } from './output.js';
import { formatEntry } from './timeline-printer.js';
import type { Traffic } from './traffic.js';

/** Everything a scenario acts on and watches. */
export interface DemoWorld {
  out: Output;
  client: Client;
  fleet: DemoFleet;
  haproxy: DemoHaproxy;
  monitoring: Monitoring;
  medic: MedicStack;
  traffic: Traffic;
  /** A person is at the terminal: wait for them to approve (else approve with the CLI after a few seconds). */
  interactive: boolean;
  /** Aborted when the demo stops (Ctrl-C): every wait ends at once. */
  signal: AbortSignal;
}

export interface ScenarioOutcome {
  scenario: string;
  title: string;
  service: string;
  incidentId: string;
  outcome: string;
  mttrSeconds: number | null;
  /** Steps that succeeded, in order. */
  steps: string[];
  approvedBy: string | null;
  /** Whether it ended as the demo describes; `problem` says how not. */
  asExpected: boolean;
  problem: string | null;
  webUi: string;
}

interface Scenario {
  key: string;
  title: string;
  service: ServiceName;
  /** Tell what goes wrong, then make it go wrong. */
  breakIt(w: DemoWorld): Promise<void>;
  /** Steps that must have succeeded, and steps that must not have run. */
  mustRun: string[];
  mustNotRun: string[];
  needsApproval: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    key: 'restart',
    title: 'a service starts failing, and a restart fixes it',
    service: 'web-b',
    async breakIt(w) {
      w.out.line('breaking web-b: from now on it answers every request with HTTP 500, until it is restarted');
      await w.fleet.break('web-b');
    },
    mustRun: ['isolate web-b', 'diagnose web-b', 'restart web-b (first attempt)', 'verify web-b after restart', 'rejoin web-b'],
    mustNotRun: ['roll back web-b'],
    needsApproval: false,
  },
  {
    key: 'rollback',
    title: 'a bad release: a restart does not help, a rollback does',
    service: 'web-a',
    async breakIt(w) {
      w.out.line(`deploying release ${BAD_RELEASE} to web-a (it has a bug: every request fails), as a deploy tool would: switch the \`current\` link, restart under PM2`);
      await w.fleet.deploy('web-a', BAD_RELEASE);
    },
    mustRun: ['restart web-a (first attempt)', 'roll back web-a', 'restart web-a (after rollback)', 'verify web-a after rollback', 'rejoin web-a'],
    mustNotRun: [],
    needsApproval: false,
  },
  {
    key: 'approval',
    title: `a restart that needs a human: medic waits for \`medic approve\``,
    service: APPROVAL_SERVICE,
    async breakIt(w) {
      w.out.line(`breaking ${APPROVAL_SERVICE}: its alerts route to http-service-outage with approveRestart: true, so medic must ask before restarting it`);
      await w.fleet.break(APPROVAL_SERVICE);
    },
    mustRun: [`isolate ${APPROVAL_SERVICE}`, `restart ${APPROVAL_SERVICE} (first attempt)`, `rejoin ${APPROVAL_SERVICE}`],
    mustNotRun: [],
    needsApproval: true,
  },
];

const SECOND = 1_000;

/** Poll `check` until true; else fail with what did not happen and how to find out why. */
async function within(signal: AbortSignal, what: string, timeoutMs: number, check: () => Promise<boolean>, toFix: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} within ${timeoutMs / SECOND} s. To fix: ${toFix}`);
}

const seconds = (since: number) => ((Date.now() - since) / SECOND).toFixed(1);

export async function runScenario(n: number, scenario: Scenario, w: DemoWorld): Promise<ScenarioOutcome> {
  const { out, monitoring, medic } = w;
  out.section(`Scenario ${n} of ${SCENARIOS.length}: ${scenario.title}`);
  await within(w.signal, 'the previous alerts did not clear', 60 * SECOND, async () => (await monitoring.alerts()).length === 0, `look at ${monitoring.prometheusUrl}/alerts`);

  const brokeAt = Date.now();
  await scenario.breakIt(w);
  await new Promise((r) => setTimeout(r, 2 * SECOND));
  out.line(`traffic through HAProxy (last 2 s): ${w.traffic.recent(2 * SECOND)}`);

  const service = scenario.service;
  await within(
    w.signal,
    `the ${ALERT_NAME} alert for ${service} did not fire`,
    60 * SECOND,
    async () => (await monitoring.alerts()).some((a) => a.labels['server'] === service && a.state === 'firing'),
    `is Prometheus scraping HAProxy at http://${w.haproxy.metricsTarget}/metrics? See ${monitoring.prometheusUrl}/targets and ${monitoring.prometheusUrl}/alerts`,
  );
  out.line(`Prometheus: ${ALERT_NAME} is firing for ${service} (${seconds(brokeAt)} s after it broke); Alertmanager posts it to medic's intake`);

  let fingerprint: string | undefined;
  await within(w.signal, `Alertmanager did not receive the ${ALERT_NAME} alert for ${service}`, 30 * SECOND, async () => (fingerprint = await monitoring.activeFingerprint(service)) !== undefined, `see ${monitoring.alertmanagerUrl}/#/alerts`);
  const incidentId = `incident-${fingerprint}`;
  const webUi = `${medic.webUiUrl}/namespaces/default/workflows/${incidentId}`;
  const watch = new IncidentWatch(w.client, incidentId, (e) => out.line(formatEntry(e, brokeAt)), w.signal);
  if (!(await watch.appeared(30 * SECOND))) {
    throw new Error(
      `Alertmanager did not deliver the alert to medic's intake (${medic.intakeUrl}): ${incidentId} was not opened within 30 s. To fix: look at the intake's log and at ${monitoring.alertmanagerUrl}/#/status`,
    );
  }
  out.line(`medic opened ${incidentId}; its timeline (seconds since ${service} broke):`);
  out.detail(`  Web UI: ${webUi}`);

  let approvedBy: string | null = null;
  if (scenario.needsApproval) {
    await watch.until('asked for approval', (s) => s.state?.pendingApproval !== undefined, 60 * SECOND);
    let answeredResolve: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => (answeredResolve = resolve));
    const request = { incidentId, env: medic.env, temporalAddress: medic.temporalAddress, answered };
    const approving = w.interactive ? approveInteractively(request, out) : approveAutomatically(request, out);
    const waitMs = w.interactive ? 11 * 60 * SECOND : 60 * SECOND;
    // Decided by the timeline alone: the state and the timeline are two queries, and a state read
    // just after the approval beside a timeline read just before it looks like nobody approved.
    const decided = (s: Snapshot) => s.closed || s.timeline.some((e) => e.kind === 'approved' || e.kind === 'approval-timed-out');
    const approvedSnapshot = await watch.until('was approved', decided, waitMs).finally(answeredResolve);
    await approving;
    approvedBy = approvedSnapshot.timeline.find((e) => e.kind === 'approved')?.actor ?? null;
    if (approvedBy === null) {
      // Nobody approved in time: the playbook escalated and now waits for an ack; that is the outcome to show.
      return conclude(scenario, w, { incidentId, webUi, approvedBy }, approvedSnapshot);
    }
  }

  const final = await watch.until('closed', (s) => s.closed, 120 * SECOND);
  return conclude(scenario, w, { incidentId, webUi, approvedBy }, final);
}

async function conclude(scenario: Scenario, w: DemoWorld, ids: { incidentId: string; webUi: string; approvedBy: string | null }, final: Snapshot): Promise<ScenarioOutcome> {
  const outcome = final.result?.outcome ?? final.endedAs ?? final.state?.status ?? 'unknown';
  const timeline: TimelineEntry[] = final.timeline;
  const steps = timeline.filter((e) => e.kind === 'step-succeeded' && e.step !== undefined).map((e) => e.step as string);
  const mttr = final.result !== undefined ? recoverySeconds(final.result.outcome, timeline) : undefined;

  const problems = [
    outcome !== 'recovered' ? `ended ${outcome}, not recovered` : undefined,
    ...scenario.mustRun.filter((s) => !steps.includes(s)).map((s) => `"${s}" did not succeed`),
    ...scenario.mustNotRun.filter((s) => steps.includes(s)).map((s) => `"${s}" ran`),
    scenario.needsApproval && ids.approvedBy === null ? 'nobody approved' : undefined,
  ].filter((p): p is string => p !== undefined);

  w.out.line(`outcome: ${outcome}${mttr !== undefined ? `; time to recovery ${mttr.toFixed(1)} s (from the alert's start to the verified recovery)` : ''}`);
  await new Promise((r) => setTimeout(r, 1_500));
  w.out.line(`traffic through HAProxy (last 1.5 s): ${w.traffic.recent(1_500)}`);
  if (scenario.key === 'rollback') w.out.line(`${scenario.service} now runs release ${await w.fleet.version(scenario.service)}`);
  if (problems.length > 0) w.out.line(`NOT AS EXPECTED: ${problems.join('; ')}`);
  return {
    scenario: scenario.key,
    title: scenario.title,
    service: scenario.service,
    incidentId: ids.incidentId,
    outcome,
    mttrSeconds: mttr ?? null,
    steps,
    approvedBy: ids.approvedBy,
    asExpected: problems.length === 0,
    problem: problems.length > 0 ? problems.join('; ') : null,
    webUi: ids.webUi,
  };
}
