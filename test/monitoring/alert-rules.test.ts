import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { Registry } from 'prom-client';
import { registerFleetMetrics } from '../../src/intake/fleet-metrics.js';
import { IntakeMetrics } from '../../src/intake/metrics.js';
import { findCommand } from '../../src/setup/system-packages.js';
import { PROJECT_ROOT } from '../helpers/processes.js';
import { closeTestTemporal, testTemporal } from '../helpers/temporal.js';

// medic's own alerting rules and dashboard: promtool checks and unit-tests the rules, and every
// medic_* series they use is one medic really exports (a renamed metric would silence an alert).

after(closeTestTemporal);

const run = promisify(execFile);
const RULES_DIR = join(PROJECT_ROOT, 'monitoring', 'prometheus');
const RULES = join(RULES_DIR, 'medic-alerts.yml');
const DASHBOARD = join(PROJECT_ROOT, 'monitoring', 'grafana', 'medic-dashboard.json');

function promtool(): string {
  const path = findCommand('promtool');
  assert.ok(path, 'promtool is installed (Debian package prometheus: run `npm run setup`)');
  return path;
}

/** Every series name medic exports: the intake's registry, its fleet gauges, the worker's meter. */
async function exportedNames(): Promise<Set<string>> {
  const names = new Set<string>();
  const intake = new IntakeMetrics({ processMetrics: false });
  const { client } = await testTemporal();
  registerFleetMetrics(intake.registry, { client, taskQueue: 'names-only', restartBudget: { max: 3, windowMs: 3_600_000 } });
  for (const m of intake.registry.getMetricsAsArray()) {
    const kind = (m as unknown as { type?: string }).type;
    names.add(m.name);
    if (kind === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m.name + s);
  }
  // The worker's figures come from the SDK's metric meter in the workflow runtime.
  const source = readFileSync(join(PROJECT_ROOT, 'workflows', 'runtime', 'incident-metrics.ts'), 'utf8');
  for (const m of source.matchAll(/create(Counter|Histogram|Gauge)\('(medic_\w+)'/g)) {
    names.add(m[2] ?? '');
    if (m[1] === 'Histogram') for (const s of ['_bucket', '_sum', '_count']) names.add((m[2] ?? '') + s);
  }
  return names;
}

const usedNames = (text: string): string[] => [...new Set([...text.matchAll(/\bmedic_[a-z_]*[a-z]\b/g)].map((m) => m[0]))];

describe('medic\'s own alerting rules and dashboard', () => {
  it('the rules file is valid for Prometheus', async () => {
    const { stdout } = await run(promtool(), ['check', 'rules', RULES]);
    assert.match(stdout, /SUCCESS: \d+ rules found/);
  });

  it('promtool unit tests fire each alert on what should page and nothing on a healthy medic', async () => {
    const { stdout, stderr } = await run(promtool(), ['test', 'rules', 'medic-alerts.test.yml'], { cwd: RULES_DIR }).catch((err: { stdout: string; stderr: string }) => {
      assert.fail(`promtool test rules failed:\n${err.stdout}\n${err.stderr}`);
    });
    assert.match(stdout + stderr, /SUCCESS/);
    // Every alert of the rules file has a test that expects it to fire.
    const alerts = [...readFileSync(RULES, 'utf8').matchAll(/- alert: (\w+)/g)].map((m) => m[1]);
    const tests = readFileSync(join(RULES_DIR, 'medic-alerts.test.yml'), 'utf8');
    const fired = new Set([...tests.matchAll(/alertname: (\w+)\n\s+exp_alerts:\n\s+- exp_labels/g)].map((m) => m[1]));
    assert.deepEqual(alerts.filter((a) => !fired.has(a)), [], 'alerts no test sees firing');
  });

  it('every medic_* metric the rules and the dashboard use is one medic exports', async () => {
    const exported = await exportedNames();
    for (const [file, text] of [['monitoring/prometheus/medic-alerts.yml', readFileSync(RULES, 'utf8')], ['monitoring/grafana/medic-dashboard.json', readFileSync(DASHBOARD, 'utf8')]] as const) {
      const unknown = usedNames(text).filter((n) => !exported.has(n));
      assert.deepEqual(unknown, [], `${file} uses metrics medic does not export`);
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    for (const needed of ['medic_incidents_open', 'medic_guard_answering', 'medic_intake_signals_total', 'medic_time_to_recovery_bucket', 'medic_step_attempts']) {
      assert.ok(exprs.some((e) => e.includes(needed)), `the dashboard shows ${needed}`);
    }
  });
});
