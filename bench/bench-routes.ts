import { SLEEPING_TARGET } from './bench-activities.js';
export { SLEEP_MS } from './bench-activities.js';

// The bench's configuration and its alerts. Every bench incident runs the shipped
// http-service-outage playbook, with the bench's no-op activities below the activity boundary.

/** The service every bench alert is about. */
export const BENCH_SERVICE = 'bench-api';

/**
 * Each incident acts on its own target (label `instance`): the guards allow one playbook per
 * target and a restart budget per target, so incidents sharing one would queue behind each other
 * or be refused, and the bench would measure that instead of medic's speed.
 */
export const benchTarget = (fingerprint: string, sleep = false): string => `${sleep ? SLEEPING_TARGET : 't-'}${fingerprint}`;

/** alertname -> what the route does with it. */
export const BENCH_ALERTS = {
  /** isolate, diagnose, restart, verify, rejoin: recovered. */
  outage: 'BenchOutage',
  /** The same with every activity sleeping SLEEP_MS (orchestration overhead per step). */
  sleep: 'BenchSleep',
  /** isolate, diagnose, then wait at the approval gate (open incidents; dedup). */
  approval: 'BenchApproval',
} as const;

/**
 * A recovered incident closes at once instead of staying open 2 minutes for its alert to clear:
 * otherwise its closing work (a timer, the guards' release) would land in a later measurement.
 */
const CLOSE_AT_ONCE = 'settleFor: 0';
export const APPROVAL_TIMEOUT = '2 hours';

export function benchConfigYaml(): string {
  return `
routes:
  - name: bench outage
    match: { alertname: ${BENCH_ALERTS.outage} }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { ${CLOSE_AT_ONCE} }
  - name: bench sleep
    match: { alertname: ${BENCH_ALERTS.sleep} }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { ${CLOSE_AT_ONCE} }
  - name: bench approval
    match: { alertname: ${BENCH_ALERTS.approval} }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { approveRestart: true, approvalTimeout: ${APPROVAL_TIMEOUT}, ${CLOSE_AT_ONCE} }
`;
}

const EPOCH = Date.parse('2026-01-01T00:00:00Z');

/**
 * One Alertmanager notification (webhook version 4) carrying one alert. `episode` sets startsAt:
 * a new episode of the same fingerprint is a new notification (a new signal id) that joins the
 * same open incident, so every accepted alert can be counted in its incident.
 */
export function alertmanagerBody(alertname: string, fingerprint: string, episode = 0): string {
  const startsAt = new Date(EPOCH + episode * 1000).toISOString();
  const labels = { alertname, service: BENCH_SERVICE, instance: benchTarget(fingerprint, alertname === BENCH_ALERTS.sleep), severity: 'critical' };
  return JSON.stringify({
    version: '4',
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'medic',
    groupLabels: { alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench:9093',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `bench alert ${fingerprint}` },
        startsAt,
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.bench:9090/graph',
        fingerprint,
      },
    ],
  });
}
