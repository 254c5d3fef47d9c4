import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findCommand } from '../../src/setup/system-packages.js';
import { freePort, waitFor } from './ports.js';

/** An in-process /metrics endpoint whose gauge values the test sets. */
export class GaugeExporter {
  readonly values = new Map<string, number>();
  private server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      const lines = [...this.values].map(([name, value]) => `# TYPE ${name} gauge\n${name} ${value}`);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface RunningPrometheus {
  url: string;
  /** Wait until an instant query returns this many series (the next scrape has landed). */
  waitForSeries(query: string, count: number): Promise<void>;
  stop(): Promise<void>;
}

/** Debian's Prometheus on loopback, scraping `exporterPort` every second, data in `dir`. */
export async function startPrometheus(dir: string, exporterPort: number): Promise<RunningPrometheus> {
  const binary = findCommand('prometheus');
  if (binary === undefined) throw new Error('prometheus is not installed: run `npm test` (scripts/setup.ts --test-tools installs it)');
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(
    config,
    ['global:', '  scrape_interval: 1s', 'scrape_configs:', '  - job_name: app', '    static_configs:', `      - targets: ['127.0.0.1:${exporterPort}']`, ''].join('\n'),
  );
  const child = spawn(
    binary,
    [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-5_000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const query = async (q: string): Promise<number> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(q)}`, { signal: AbortSignal.timeout(2_000) });
    const body = (await res.json()) as { data?: { result?: unknown[] } };
    return body.data?.result?.length ?? -1;
  };
  try {
    await waitFor('prometheus to be ready', async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${output}`);
      return fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    }, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    waitForSeries: (q, count) => waitFor(`${count} series for ${q}`, async () => (await query(q).catch(() => -1)) === count, 15_000),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
