import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Client } from '@temporalio/client';
import { parseConfig } from '../../src/config/load-config.js';
import type { Deliverer } from '../../src/intake/accept-signals.js';
import type { IntakeSecrets } from '../../src/intake/auth.js';
import { createIntakeServer, type IntakeServer } from '../../src/intake/create-intake-server.js';
import { temporalDeliverer, temporalRunCheck } from '../../src/intake/temporal-deliverer.js';

export { freePort } from './processes.js';

/** Logs of the intake under test: silent unless MEDIC_TEST_LOG=debug (or another level) is set. */
export function testLogger(): Logger {
  return pino({ level: process.env['MEDIC_TEST_LOG'] ?? 'silent' });
}

export interface RunningIntake extends IntakeServer {
  url: string;
  close(): Promise<void>;
}

export interface TestIntakeOptions {
  client: Client;
  taskQueue: string;
  /** The configuration as YAML (routes, defaultRoute...). */
  configYaml: string;
  secrets?: IntakeSecrets;
  bodyLimitBytes?: number;
  /** Wrap the real deliverer, e.g. to make Temporal fail midway. */
  wrap?: (real: Deliverer) => Deliverer;
  deliveryTimeoutMs?: number;
  /** The intake's state directory (dead letters); a fresh temporary one unless given. */
  stateDir?: string;
}

/** The intake built by medic's own factory, listening on a free loopback port. */
export async function startTestIntake(options: TestIntakeOptions): Promise<RunningIntake> {
  const real = temporalDeliverer(options.client, { taskQueue: options.taskQueue, ...(options.deliveryTimeoutMs !== undefined && { timeoutMs: options.deliveryTimeoutMs }) });
  const intake = await createIntakeServer({
    config: parseConfig(options.configYaml, 'test-intake.yaml'),
    logger: testLogger(),
    deliverer: options.wrap ? options.wrap(real) : real,
    isOpen: temporalRunCheck(options.client),
    secrets: options.secrets ?? {},
    stateDir: options.stateDir ?? mkdtempSync(join(tmpdir(), 'medic-intake-state-')),
    ...(options.bodyLimitBytes !== undefined && { bodyLimitBytes: options.bodyLimitBytes }),
  });
  await intake.app.listen({ host: '127.0.0.1', port: 0 });
  const address = intake.app.server.address();
  if (typeof address !== 'object' || address === null) throw new Error('intake is not listening');
  return { ...intake, url: `http://127.0.0.1:${address.port}`, close: () => intake.app.close() };
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** POST a body (an object is sent as JSON) and read the JSON answer. */
export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const text = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: text,
    signal: AbortSignal.timeout(30_000),
  });
  const raw = await res.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    parsed = { raw };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** The value of one series in Prometheus text format, e.g. metricValue(text, 'medic_intake_rejects_total', { reason: 'unauthorized' }). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const present = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** The sum of every series of a metric whose labels include `labels` (e.g. a counter over all outcomes). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const present = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => present[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
