import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findCommand } from '../../src/setup/system-packages.js';
import { freePort } from './processes.js';

// Real Prometheus and Alertmanager (Debian's packages) on loopback ports, in a temp folder,
// with intervals of a second so a test sees an alert fire and resolve in seconds.

function program(command: string): string {
  const path = findCommand(command);
  if (path === undefined) throw new Error(`${command} is not installed. To fix: npm test runs scripts/setup.ts --test-tools, which installs it (as root)`);
  return path;
}

/** A child process whose output is kept for error messages, stopped with SIGTERM then SIGKILL. */
export class ManagedProcess {
  output = '';
  private readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => this.keep(d));
    child.stderr?.on('data', (d: Buffer) => this.keep(d));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  private keep(d: Buffer): void {
    // The tail is what explains a failure; keep memory bounded however chatty the process is.
    this.output = (this.output + d.toString()).slice(-20_000);
  }

  /** Poll an HTTP URL until it answers 200, or fail with the process's output (bounded). */
  async waitReady(url: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.output}`);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`${this.name} not ready at ${url} within ${timeoutMs} ms:\n${this.output}`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(killer);
  }
}

/** A scrape target whose /metrics can be made to fail (HTTP 500, so Prometheus records up == 0). */
export class FlakyTarget {
  healthy = true;
  scrapes = 0;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      this.scrapes += 1;
      if (!this.healthy) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('# TYPE checkout_requests_total counter\ncheckout_requests_total 42\n');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return this;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface DetectionOptions {
  /** The scrape target that goes bad. */
  target: FlakyTarget;
  /** The `service` label Prometheus puts on the target (and so on its alert). */
  service: string;
  /** Alert name of the rule `up == 0`. */
  alertname: string;
  /** Where Alertmanager posts, e.g. http://127.0.0.1:8787/v1/signals/alertmanager. */
  webhookUrl: string;
  /** Sent as `http_config.authorization` (type Bearer). */
  token: string;
  repeatInterval?: string;
}

/** Prometheus scraping the target and evaluating one rule, Alertmanager posting to medic. */
export class Detection {
  private readonly dir = mkdtempSync(join(tmpdir(), 'medic-detection-'));
  prometheus: ManagedProcess | undefined;
  alertmanager: ManagedProcess | undefined;
  prometheusUrl = '';
  alertmanagerUrl = '';

  constructor(private readonly options: DetectionOptions) {}

  async start(): Promise<this> {
    const o = this.options;
    const [amPort, promPort] = [await freePort(), await freePort()];
    this.alertmanagerUrl = `http://127.0.0.1:${amPort}`;
    this.prometheusUrl = `http://127.0.0.1:${promPort}`;

    // The receiver block is the one docs/intake.md tells users to paste, with test intervals.
    writeFileSync(
      join(this.dir, 'alertmanager.yml'),
      `route:
  receiver: medic
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: ${o.repeatInterval ?? '2s'}
receivers:
  - name: medic
    webhook_configs:
      - url: ${o.webhookUrl}
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: ${o.token}
`,
    );
    writeFileSync(
      join(this.dir, 'rules.yml'),
      `groups:
  - name: medic-e2e
    interval: 1s
    rules:
      - alert: ${o.alertname}
        expr: up{job="checkout"} == 0
        for: 0s
        labels:
          severity: critical
        annotations:
          summary: "{{ $labels.instance }} of {{ $labels.service }} is down"
`,
    );
    writeFileSync(
      join(this.dir, 'prometheus.yml'),
      `global:
  scrape_interval: 1s
  scrape_timeout: 800ms
  evaluation_interval: 1s
rule_files: [${join(this.dir, 'rules.yml')}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:${amPort}']
scrape_configs:
  - job_name: checkout
    static_configs:
      - targets: ['${o.target.address}']
        labels:
          service: ${o.service}
`,
    );

    this.alertmanager = new ManagedProcess(
      'alertmanager',
      spawn(
        program('prometheus-alertmanager'),
        [
          `--config.file=${join(this.dir, 'alertmanager.yml')}`,
          `--storage.path=${join(this.dir, 'am-data')}`,
          `--web.listen-address=127.0.0.1:${amPort}`,
          '--cluster.listen-address=', // no gossip port: a single Alertmanager
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    this.prometheus = new ManagedProcess(
      'prometheus',
      spawn(
        program('prometheus'),
        [
          `--config.file=${join(this.dir, 'prometheus.yml')}`,
          `--storage.tsdb.path=${join(this.dir, 'prom-data')}`,
          `--web.listen-address=127.0.0.1:${promPort}`,
          '--rules.alert.resend-delay=1s',
          '--log.level=warn',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    await Promise.all([this.alertmanager.waitReady(`${this.alertmanagerUrl}/-/ready`), this.prometheus.waitReady(`${this.prometheusUrl}/-/ready`)]);
    return this;
  }

  /** Output of both programs, for a failing test's message. */
  logs(): string {
    return `--- prometheus ---\n${this.prometheus?.output ?? ''}\n--- alertmanager ---\n${this.alertmanager?.output ?? ''}`;
  }

  async stop(): Promise<void> {
    await Promise.all([this.prometheus?.stop(), this.alertmanager?.stop()]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
