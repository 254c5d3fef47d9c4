import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from '../../src/setup/system-packages.js';
import { ManagedProcess } from './prometheus.js';
import { freePort } from './ports.js';

// Debian's Alertmanager alone, fed through its own API (as Prometheus would feed it), posting to
// medic's intake with the receiver block of docs/intake.md. Intervals of a second or two.

export interface PushedAlert {
  labels: Record<string, string>;
  annotations?: Record<string, string>;
  startsAt?: string;
}

export interface AlertmanagerOptions {
  webhookUrl: string;
  token: string;
  groupBy?: string[];
}

export class Alertmanager {
  private readonly dir = mkdtempSync(join(tmpdir(), 'medic-alertmanager-'));
  private process: ManagedProcess | undefined;
  url = '';

  constructor(private readonly options: AlertmanagerOptions) {}

  async start(): Promise<this> {
    const binary = findCommand('prometheus-alertmanager');
    if (binary === undefined) throw new Error('prometheus-alertmanager is not installed. To fix: npm test runs scripts/setup.ts --test-tools, which installs it (as root)');
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    const config = join(this.dir, 'alertmanager.yml');
    writeFileSync(
      config,
      `route:
  receiver: medic
  group_by: [${(this.options.groupBy ?? ['alertname', 'instance']).join(', ')}]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: medic
    webhook_configs:
      - url: ${this.options.webhookUrl}
        send_resolved: true
        max_alerts: 100
        http_config:
          authorization:
            type: Bearer
            credentials: ${this.options.token}
`,
    );
    this.process = new ManagedProcess(
      'alertmanager',
      spawn(binary, [`--config.file=${config}`, `--storage.path=${join(this.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=debug'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await this.process.waitReady(`${this.url}/-/ready`);
    return this;
  }

  /** Hand alerts to Alertmanager as Prometheus does (they fire until resolve_timeout or a re-post). */
  async push(alerts: PushedAlert[]): Promise<void> {
    const res = await fetch(`${this.url}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: a.startsAt ?? new Date().toISOString() }))),
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`Alertmanager refused the alerts: HTTP ${res.status} ${await res.text()}`);
  }

  /** The fingerprint Alertmanager gave each active alert, by the value of `label`. */
  async fingerprints(label: string): Promise<Map<string, string>> {
    const res = await fetch(`${this.url}/api/v2/alerts`, { signal: AbortSignal.timeout(5_000) });
    const alerts = (await res.json()) as { fingerprint: string; labels: Record<string, string> }[];
    return new Map(alerts.map((a) => [a.labels[label] ?? '', a.fingerprint]));
  }

  /** Webhook notifications that failed so far (sum over reasons), from Alertmanager's own metrics. */
  async failedNotifications(): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith('alertmanager_notifications_failed_total{') && l.includes('integration="webhook"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }

  logs(): string {
    return this.process?.output ?? '';
  }

  async stop(): Promise<void> {
    await this.process?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
