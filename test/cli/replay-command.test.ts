import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { resolveTemporalCli } from '../../src/temporal/temporal-cli.js';
import { ackUpdate, stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { PROJECT_ROOT, runMedic, startMedic, type LongRunning, type RunResult } from '../helpers/processes.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// `medic replay` driven as a user drives it: a real process, histories recorded in this test by
// the current code on the run's dev server, and a broken change made to a copy of the sources.

interface ReplayReport {
  ok: boolean;
  histories: number;
  failed: number;
  replayMs: number;
  results: { workflowId: string; runId: string; playbook: string; workflowType: string; ok: boolean; failure?: { kind: string; explanation: string; toFix: string } }[];
}

const work = mkdtempSync(join(tmpdir(), 'medic-replay-test-'));
const queue = uniqueName('medic replay');
const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'], TEMPORAL_NAMESPACE: 'default', MEDIC_TASK_QUEUE: 'not-the-test-queue' };
let oldest = '';
let recovered = '';
let running = '';
let brokenWorkflows = '';
let encryptedWorker: LongRunning | undefined;

const report = (r: RunResult): ReplayReport => {
  try {
    return JSON.parse(r.stdout) as ReplayReport;
  } catch {
    throw new Error(`medic replay printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
};

/**
 * A checkout whose http-service-outage playbook runs a step before `isolate`: what a careless
 * edit looks like. Copies what the workflow bundle reads; node_modules is linked, not copied.
 */
function brokenCheckout(): string {
  const root = join(work, 'broken-checkout');
  for (const dir of ['workflows', 'playbooks', 'activities', 'src']) cpSync(join(PROJECT_ROOT, dir), join(root, dir), { recursive: true });
  cpSync(join(PROJECT_ROOT, 'package.json'), join(root, 'package.json'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(root, 'node_modules'));
  const playbook = join(root, 'playbooks', 'http-service-outage.ts');
  const text = readFileSync(playbook, 'utf8');
  const isolate = "    await pb.step(`isolate ${pb.target}`, 'isolate');\n";
  assert.ok(text.includes(isolate), 'the playbook still isolates first; update this test to the new text');
  writeFileSync(playbook, text.replace(isolate, "    await pb.step(`diagnose ${pb.target} before isolating it`, 'diagnose');\n" + isolate));
  return root;
}

before(async () => {
  brokenWorkflows = brokenCheckout();
  // Three incidents on this test's queue: two recovered (closed), one escalated and still open.
  const fleet = new FakeFleet();
  await withWorker(queue, fleet.activities, async () => {
    for (const suffix of ['a', 'b']) {
      const handle = await openIncident(queue, testSignal(`${queue}-${suffix}`, { service: `svc-${queue}-${suffix}` }), testRoute({ target: `backend-${suffix}` }));
      await handle.result();
      if (suffix === 'a') oldest = handle.workflowId;
      else recovered = handle.workflowId;
    }
    const open = await openIncident(queue, testSignal(`${queue}-c`), testRoute({ playbook: 'diagnose-and-escalate', target: 'backend-c', params: { ackTimeout: '1 hour' } }));
    await eventually('the escalation', async () => ((await open.query(stateQuery)).awaitingAck ? true : undefined));
    await act(open, ackUpdate, 'olga', 'looking at it');
    running = open.workflowId;
  });
  // Saved the two ways people save histories: the Temporal CLI, and the SDK's historyToJSON.
  const { client } = await testTemporal();
  const folder = join(work, 'histories');
  mkdirSync(folder);
  const cli = resolveTemporalCli({ install: false });
  const shown = execFileSync(cli, ['workflow', 'show', '--workflow-id', recovered, '--output', 'json', '--address', env.TEMPORAL_ADDRESS ?? '', '--namespace', 'default'], { encoding: 'utf8' });
  writeFileSync(join(folder, 'recovered.json'), shown);
  writeFileSync(join(folder, 'open.json'), historyToJSON(await client.workflow.getHandle(running).fetchHistory()));
});

after(async () => {
  await encryptedWorker?.stop(10_000).catch(() => undefined);
  const { client } = await testTemporal();
  await client.workflow
    .getHandle(running)
    .terminate('test over')
    .catch(() => undefined);
  await closeTestTemporal();
  rmSync(work, { recursive: true, force: true });
});

describe('medic replay', () => {
  it('replays histories recorded by the current code, saved by the Temporal CLI and by the SDK, and exits 0', async () => {
    const r = await runMedic(['replay', join(work, 'histories'), '--json'], env, 120_000);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = report(r);
    assert.equal(out.ok, true);
    assert.deepEqual(out.results.map((x) => [x.workflowId, x.ok]).sort(), [[recovered, true], [running, true]].sort());
    assert.deepEqual(out.results.map((x) => x.playbook).sort(), ['diagnose-and-escalate', 'http-service-outage']);
  });

  it('a playbook change that runs a step before isolate fails the replay, names the incident and says what to do', async () => {
    const r = await runMedic(['replay', join(work, 'histories'), '--workflows', brokenWorkflows], env, 120_000);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const failLine = r.stdout.split('\n').find((l) => l.includes('FAIL'));
    assert.ok(failLine?.includes(recovered) && failLine.includes('playbook http-service-outage'), `the failed incident is named with its playbook:\n${r.stdout}`);
    assert.match(r.stdout, /does not replay on this code: the new code starts a local activity .* that the recorded run never started at that point/);
    assert.match(r.stdout, /To fix: in playbook "http-service-outage", guard the change with patched\(/);
    assert.match(r.stdout, new RegExp(`ok +${running}`), 'the incident of the unchanged playbook still replays');
    assert.match(r.stdout, /1 of 2 histories does not replay on this code: do not deploy this change/);
  });

  it('--last N replays the newest incident runs of the task queue from Temporal, running and closed', async () => {
    const good = report(await runMedic(['replay', '--last', '2', '--task-queue', queue, '--json'], env, 120_000));
    assert.equal(good.ok, true, JSON.stringify(good));
    const incidents = good.results.filter((x) => x.workflowType === 'incidentWorkflow').map((x) => x.workflowId);
    assert.deepEqual(incidents.sort(), [recovered, running].sort(), `the two newest, not ${oldest}`);
    assert.ok(good.results.every((x) => x.ok));
    const guards = good.results.filter((x) => x.workflowType === 'guardWorkflow');
    assert.equal(guards.length, 1, 'the running guard workflow of the queue is replayed too: a change to it reaches every incident');
    assert.equal(guards[0]?.playbook, '');

    const broken = await runMedic(['replay', '--since', '1h', '--task-queue', queue, '--workflows', brokenWorkflows, '--json'], env, 120_000);
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    const failed = report(broken).results.filter((x) => !x.ok);
    assert.deepEqual(failed.map((x) => x.workflowId).sort(), [oldest, recovered].sort(), 'both http-service-outage incidents of the last hour, and only they');
    assert.ok(failed.every((x) => x.failure?.kind === 'nondeterminism' && x.failure.toFix.includes('patched(')));
  });

  it('tells a bad history file, an empty folder and an unreachable Temporal apart from a failed replay by their exit codes', async () => {
    writeFileSync(join(work, 'not-a-history.json'), '{"workflowId": "incident-x"}');
    const bad = await runMedic(['replay', join(work, 'not-a-history.json')], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /not-a-history\.json is not a workflow history: it has no "events" list\. To fix:/);
    mkdirSync(join(work, 'empty'));
    const empty = await runMedic(['replay', join(work, 'empty')], env);
    assert.equal(empty.code, 4, empty.stderr);
    assert.match(empty.stderr, /holds no \.json history files\. To fix:/);
    const down = await runMedic(['replay', '--last', '5'], { ...env, TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(down.code, 3, down.stderr);
    assert.match(down.stderr, /cannot reach Temporal at 127\.0\.0\.1:1.*To fix:/);
  });

  it('replays encrypted incidents with the key the workers have, and without it says the key is missing', async () => {
    const encQueue = `${queue}-enc`;
    const config = join(work, 'medic.yaml');
    // No targets: diagnose fails (UnknownTarget), so an encrypted failure is in the history too.
    writeFileSync(config, 'defaultRoute:\n  playbook: diagnose-and-escalate\n  targetFromLabel: service\n  params: { ackTimeout: 1 hour }\n');
    const keyed = { ...env, MEDIC_TASK_QUEUE: encQueue, MEDIC_CONFIG: config, MEDIC_WORKER_METRICS: 'off', MEDIC_ENCRYPTION_KEY: randomBytes(32).toString('base64'), MEDIC_ENCRYPTION_KEY_FILE: '' };
    encryptedWorker = startMedic(['worker'], keyed);
    await encryptedWorker.waitFor(/worker ready/, 90_000);
    const signal = await runMedic(['signal', '--alertname', 'DiskFilling', '--service', `vault-${queue.slice(-8)}`, '--severity', 'warning', '--json'], keyed);
    assert.equal(signal.code, 0, signal.stderr);
    const { incidentId } = JSON.parse(signal.stdout) as { incidentId: string };
    const { client } = await testTemporal();
    await eventually('the escalation of the encrypted incident', async () => {
      const events = (await client.workflow.getHandle(incidentId).fetchHistory()).events ?? [];
      return events.some((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'escalate') ? true : undefined;
    }, 60_000);

    const withKey = await runMedic(['replay', '--last', '1', '--no-guards', '--json'], keyed, 120_000);
    assert.equal(withKey.code, 0, withKey.stdout + withKey.stderr);
    assert.deepEqual(report(withKey).results.map((x) => [x.workflowId, x.ok, x.playbook]), [[incidentId, true, 'diagnose-and-escalate']]);

    const withoutKey = await runMedic(['replay', '--last', '1', '--no-guards'], { ...keyed, MEDIC_ENCRYPTION_KEY: '' }, 120_000);
    assert.equal(withoutKey.code, 2, 'a missing key is a usage error, not a verdict on the code');
    assert.match(withoutKey.stderr, new RegExp(`${incidentId} \\(run [0-9a-f-]+\\) is encrypted and medic has no key to read it, so it cannot be replayed\\. To fix: set MEDIC_ENCRYPTION_KEY`));
    assert.doesNotMatch(withoutKey.stdout, /FAIL/);
    await client.workflow.getHandle(incidentId).terminate('test over');
  });
});
