import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { createActivities } from '../../activities/create-activities.js';
import { parseConfig } from '../../src/config/load-config.js';
import { incidentWorkflowId } from '../../workflows/definitions.js';
import { reported } from '../helpers/chaos-summary.js';
import { activityFailure, stepInput } from '../helpers/driver-activities.js';
import { INJECTION_STRINGS, PROTOTYPE_MEMBER_NAMES } from '../helpers/hostile-inputs.js';
import { post, startTestIntake, testLogger } from '../helpers/intake.js';
import { mapBounded } from '../helpers/load.js';
import { closeTestTemporal, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

// Label values that look like shell, paths or URLs, routed as the *target* of a playbook
// (targetFromLabel), through the real intake, the real incident workflow and the real drivers.
// A target is only ever a name looked up in the configuration: these are unknown targets,
// refused at once (not retried), and never reach a command line or a URL. A benign alert for a
// configured target runs beside them, so the recorders are shown to record when drivers do run.

const RECORDER = fileURLToPath(new URL('../fixtures/argv-recorder.cjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'medic-injection-'));
const argvLog = join(dir, 'argv.jsonl');
let receiver: WebhookReceiver | undefined;
after(async () => {
  await receiver?.close();
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

const REAL = 'real-target';

function configYaml(r: WebhookReceiver): string {
  return `
routes:
  - name: outage
    match: { alertname: InjectedOutage }
    playbook: http-service-outage
    targetFromLabel: instance
    params: { humanHold: 1 second, ackTimeout: 1 second }
defaultRoute:
  playbook: diagnose-and-escalate
  targetFromLabel: instance
  params: { humanHold: 1 second, ackTimeout: 1 second }
targets:
  ${REAL}:
    process:
      manager: command
      restart: [${process.execPath}, ${RECORDER}, restart, ${REAL}]
      pid: { command: [${process.execPath}, ${RECORDER}, pid, ${REAL}] }
      env: { ARGV_LOG: ${argvLog} }
    verify:
      checks: [{ type: http, url: "${r.url(`/healthz/${REAL}`)}" }]
    diagnose:
      logLines: 0
      debugUrl: "${r.url(`/debug/${REAL}`)}"
      cpuSample: 100ms
escalation:
  channels:
    - { type: webhook, name: oncall, url: "${r.url('/hook')}", timeout: 2s, attempts: 1 }
`;
}

const readArgv = (): string[][] => (existsSync(argvLog) ? readFileSync(argvLog, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as string[]) : []);

describe('hostile label values', () => {
  it('shell, path and URL strings routed as targets end as UnknownTarget and reach no command line and no URL', (t) => reported(t, 'hostile label values as targets', async (report) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    receiver = await WebhookReceiver.start();
    const yaml = configYaml(receiver);
    const config = parseConfig(yaml, 'label-injection.yaml');
    const intake = await startTestIntake({ client, taskQueue: name, configYaml: yaml });

    // One alert per hostile value for each playbook, plus the benign control. Names of
    // Object.prototype members go all the way through too: the guards take them as any name.
    assert.ok(PROTOTYPE_MEMBER_NAMES.every((n) => INJECTION_STRINGS.includes(n)), 'the hostile values include Object.prototype names');
    const alerts = [
      ...INJECTION_STRINGS.flatMap((value, i) => [
        { fp: `${name}-o${i}`, alertname: 'InjectedOutage', instance: value, playbook: 'http-service-outage' },
        { fp: `${name}-d${i}`, alertname: 'InjectedAlert', instance: value, playbook: 'diagnose-and-escalate' },
      ]),
      { fp: `${name}-control`, alertname: 'BenignAlert', instance: REAL, playbook: 'diagnose-and-escalate' },
    ];
    // One playbook per target (the guards): each playbook's batch runs after the other's has ended.
    const runBatch = async (batch: typeof alerts) => {
      const res = await post(`${intake.url}/v1/signals/alertmanager`, {
        version: '4',
        groupKey: '{}:{}',
        status: 'firing',
        receiver: 'medic',
        alerts: batch.map((a) => ({
          status: 'firing',
          fingerprint: a.fp,
          labels: { alertname: a.alertname, service: 'injection', instance: a.instance, path: '../../etc/passwd', cmd: '$(id)' },
          annotations: { summary: a.instance.slice(0, 100) },
          startsAt: '2026-01-01T00:00:00Z',
        })),
      });
      assert.equal(res.status, 202, 'hostile label values are data: the alerts are accepted');
      assert.equal(res.body['accepted'], batch.length);
      report.expectIncidents(batch.length);
      return mapBounded(batch, 8, async (a) => {
        const done = await report.completion(client.workflow.getHandle(incidentWorkflowId(a.fp)), 60_000);
        assert.ok(done.result !== undefined, `incident ${a.fp} completed (${done.status})`);
        return { ...a, result: done.result };
      });
    };
    const results = await withWorker(name, createActivities({ config, logger: testLogger() }), async () => {
      try {
        const outages = await runBatch(alerts.filter((a) => a.playbook === 'http-service-outage'));
        return [...outages, ...(await runBatch(alerts.filter((a) => a.playbook !== 'http-service-outage')))];
      } finally {
        await intake.close();
      }
    });

    const hostile = results.filter((r) => r.instance !== REAL);
    // Refused: its one failed attempt was a final UnknownTarget (the history's own word for it).
    const refused = (r: (typeof results)[number]) => {
      const failed = r.result.timeline.filter((e) => e.kind === 'step-failed');
      return failed.length === 1 && failed[0]?.data?.['errorType'] === 'UnknownTarget' && failed[0]?.data?.['final'] === true;
    };
    report.hostile(hostile.length, hostile.filter(refused).length);
    for (const r of hostile) {
      const what = `target ${JSON.stringify(r.instance.slice(0, 60))} (${r.playbook})`;
      // The label value is the target *name*, kept exactly as data (long values are clipped by the intake).
      assert.equal(r.result.target, r.instance.length > 16 * 1024 ? `${r.instance.slice(0, 16 * 1024 - 1)}…` : r.instance, what);
      const failed = r.result.timeline.filter((e) => e.kind === 'step-failed');
      assert.equal(failed.length, 1, `${what}: one failed attempt, not retried:\n${r.result.timeline.map((e) => `${e.kind} ${e.step ?? ""} ${e.message}`).join("\n")}`);
      assert.equal(failed[0]?.data?.['errorType'], 'UnknownTarget', what);
      assert.equal(failed[0]?.data?.['final'], true, what);
      assert.equal(failed[0]?.step, r.playbook === 'http-service-outage' ? `isolate ${r.result.target}` : `diagnose ${r.result.target}`, what);
    }

    // The control ran the real drivers: its PID command and its debug URL were used.
    const control = results.find((r) => r.instance === REAL);
    assert.equal(control?.result.timeline.filter((e) => e.kind === 'step-succeeded' && e.step === `diagnose ${REAL}`).length, 1, 'the control was diagnosed');
    const argv = readArgv();
    assert.ok(argv.length > 0, 'the recorder sees the command lines drivers run');
    assert.deepEqual([...new Set(argv.map((a) => a.join(' ')))], [`pid ${REAL}`], 'the only command line ever run is the configured one');
    const paths = new Set(receiver.requests.map((r) => r.path));
    assert.ok(paths.has(`/debug/${REAL}`), 'the recorder sees the URLs drivers use');
    assert.deepEqual([...paths].sort(), ['/debug/real-target', '/hook'], 'the only URLs ever requested are configured ones');
    const fragments = ['rm -rf', 'curl', 'passwd', '169.254', 'reboot', 'shutdown', 'jndi', 'FLUSHALL'];
    for (const request of receiver.requests) for (const f of fragments) assert.ok(!request.path.includes(f), `${f} in ${request.path}`);
    for (const line of argv) for (const f of fragments) assert.ok(!line.join(' ').includes(f), `${f} in ${line.join(' ')}`);
    t.diagnostic(`${hostile.length} hostile targets refused; ${argv.length} command lines and ${receiver.requests.length} HTTP requests, all configured ones`);
  }));

  it('names of Object.prototype members are unknown targets to every driver, never a configured one', (t) => reported(t, 'Object.prototype names as targets', async (report) => {
    const r = await WebhookReceiver.start();
    try {
      const activities = createActivities({ config: parseConfig(configYaml(r), 'label-injection.yaml'), logger: testLogger() });
      const before = readArgv().length;
      for (const name of PROTOTYPE_MEMBER_NAMES) {
        for (const activity of ['isolate', 'rejoin', 'diagnose', 'restart', 'verify', 'rollback', 'rollforward'] as const) {
          const failure = await activityFailure(activities[activity], stepInput(name));
          report.hostile(1, failure.type === 'UnknownTarget' && failure.nonRetryable === true ? 1 : 0);
          assert.equal(failure.type, 'UnknownTarget', `${activity} on target ${JSON.stringify(name)}: ${failure.message}`);
          assert.equal(failure.nonRetryable, true);
        }
      }
      assert.equal(readArgv().length, before, 'no command line was run');
      assert.deepEqual(r.requests, [], 'no URL was requested');
    } finally {
      await r.close();
    }
  }));
});
