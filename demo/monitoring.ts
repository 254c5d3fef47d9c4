import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findCommand } from '../src/setup/system-packages.js';
import { freePort } from '../test/helpers/ports.js';
import { DemoProcess } from './child-process.js';
import type { Cleanup } from './cleanup.js';
import { BACKEND } from './haproxy.js';

// Detection as an SRE would set it up: Prometheus scrapes HAProxy's per-server response counters
// and evaluates an error-ratio rule; Alertmanager posts firing and resolved alerts to medic's intake
// with a bearer token. Every interval is a second or two so the demo sees an alert within seconds.

export const ALERT_NAME = 'HighErrorRate';

export interface MonitoringOptions {
  dir: string;
  /** host:port of HAProxy's Prometheus exporter. */
  haproxyTarget: string;
  /** host:port of medic's own endpoints, scraped so their figures can be graphed too. */
  intakeTarget: string;
  workerTarget: string;
  /** Where Alertmanager posts: the intake's /v1/signals/alertmanager. */
  webhookUrl: string;
  tokenFile: string;
}

export interface PromAlert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

export interface Monitoring {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** The HighErrorRate alerts Prometheus holds now (pending or firing). */
  alerts(): Promise<PromAlert[]>;
  /** Alertmanager's fingerprint of the active alert for `server`, once it has it. */
  activeFingerprint(server: string): Promise<string | undefined>;
  processes: DemoProcess[];
}

function program(command: string): string {
  const path = findCommand(command);
  if (path === undefined) throw new Error(`${command} is not installed. To fix: run \`npm run demo\` (it runs scripts/setup.ts --test-tools), or apt-get install ${command}`);
  return path;
}

function writeConfigs(o: MonitoringOptions, alertmanagerPort: number): { prometheus: string; alertmanager: string } {
  const rules = join(o.dir, 'rules.yml');
  writeFileSync(
    rules,
    `groups:
  - name: medic-demo
    interval: 1s
    rules:
      - alert: ${ALERT_NAME}
        # Share of a server's answers that are 5xx, over the last few seconds of traffic.
        expr: |
          sum by (proxy, server) (rate(haproxy_server_http_responses_total{proxy="${BACKEND}",code="5xx"}[5s]))
            / sum by (proxy, server) (rate(haproxy_server_http_responses_total{proxy="${BACKEND}"}[5s])) > 0.2
        for: 2s
        labels:
          severity: critical
          service: "{{ $labels.server }}"
        annotations:
          summary: "{{ $labels.server }} answers {{ $value | humanizePercentage }} of its requests with a 5xx"
`,
  );
  const prometheus = join(o.dir, 'prometheus.yml');
  writeFileSync(
    prometheus,
    `global:
  scrape_interval: 1s
  scrape_timeout: 800ms
  evaluation_interval: 1s
rule_files: [${rules}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${alertmanagerPort}']
scrape_configs:
  - job_name: haproxy
    static_configs: [{ targets: ['${o.haproxyTarget}'] }]
  - job_name: medic-intake
    static_configs: [{ targets: ['${o.intakeTarget}'] }]
  - job_name: medic-worker
    static_configs: [{ targets: ['${o.workerTarget}'] }]
`,
  );
  // The receiver block docs/intake.md tells users to paste, with demo intervals. repeat_interval is
  // long so a still-firing alert does not re-notify after its incident closed.
  const alertmanager = join(o.dir, 'alertmanager.yml');
  writeFileSync(
    alertmanager,
    `route:
  receiver: medic
  group_by: [alertname, server]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: medic
    webhook_configs:
      - url: ${o.webhookUrl}
        send_resolved: true
        max_alerts: 100
        http_config:
          authorization:
            type: Bearer
            credentials_file: ${o.tokenFile}
`,
  );
  return { prometheus, alertmanager };
}

async function waitReady(proc: DemoProcess, url: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running) throw new Error(`${proc.name} exited at start:\n${proc.logTail()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${proc.name} was not ready at ${url} within ${timeoutMs / 1000} s:\n${proc.logTail()}`);
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export async function startMonitoring(o: MonitoringOptions, cleanup: Cleanup): Promise<Monitoring> {
  const [amPort, promPort] = [await freePort(), await freePort()];
  const configs = writeConfigs(o, amPort);
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const prometheusUrl = `http://127.0.0.1:${promPort}`;

  const alertmanager = DemoProcess.start(
    'alertmanager',
    program('prometheus-alertmanager'),
    [
      `--config.file=${configs.alertmanager}`,
      `--storage.path=${join(o.dir, 'alertmanager-data')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=', // a single Alertmanager: no gossip port
      '--log.level=warn',
    ],
    { logFile: join(o.dir, 'alertmanager.log') },
  );
  cleanup.add('stop Alertmanager', () => alertmanager.stop('SIGTERM', 5_000), () => alertmanager.killNow());
  const prometheus = DemoProcess.start(
    'prometheus',
    program('prometheus'),
    [
      `--config.file=${configs.prometheus}`,
      `--storage.tsdb.path=${join(o.dir, 'prometheus-data')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
      '--rules.alert.resend-delay=1s',
      '--log.level=warn',
    ],
    { logFile: join(o.dir, 'prometheus.log') },
  );
  cleanup.add('stop Prometheus', () => prometheus.stop('SIGTERM', 5_000), () => prometheus.killNow());
  await Promise.all([waitReady(alertmanager, `${alertmanagerUrl}/-/ready`), waitReady(prometheus, `${prometheusUrl}/-/ready`)]);

  return {
    prometheusUrl,
    alertmanagerUrl,
    processes: [prometheus, alertmanager],
    async alerts() {
      const body = await getJson<{ data?: { alerts?: { labels: Record<string, string>; state: string }[] } }>(`${prometheusUrl}/api/v1/alerts`);
      return (body.data?.alerts ?? [])
        .filter((a) => a.labels['alertname'] === ALERT_NAME && (a.state === 'pending' || a.state === 'firing'))
        .map((a) => ({ labels: a.labels, state: a.state as PromAlert['state'] }));
    },
    async activeFingerprint(server) {
      const filters = [`alertname="${ALERT_NAME}"`, `server="${server}"`].map((f) => `filter=${encodeURIComponent(f)}`).join('&');
      const alerts = await getJson<{ fingerprint: string; status?: { state?: string } }[]>(`${alertmanagerUrl}/api/v2/alerts?active=true&${filters}`);
      return alerts.find((a) => a.status?.state === 'active')?.fingerprint;
    },
  };
}
