import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { MedicActivities } from '../../activities/contract.js';
import { createMedicWorker } from '../../src/worker/create-worker.js';
import { timelineQuery } from '../../workflows/definitions.js';
import { guardWorkflowId, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { driverActivities, testConfig } from '../helpers/driver-activities.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, NAMESPACE, testTemporal, uniqueName } from '../helpers/temporal.js';

// Playbooks that run configured commands (test/fixtures/command-playbooks): the engine treats
// each command call by the effect the playbook states there, and the activity holds the playbook
// to what the configuration says.

after(closeTestTemporal);

const BUNDLE = fileURLToPath(new URL('../fixtures/command-playbooks/workflows.ts', import.meta.url));
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
let bundle: WorkflowBundleWithSourceMap;

before(async () => {
  bundle = await bundleWorkflowCode({ workflowsPath: BUNDLE, logger: quiet });
});

async function withCommandWorker<T>(taskQueue: string, activities: MedicActivities, fn: () => Promise<T>): Promise<T> {
  const { native } = await testTemporal();
  const worker = await createMedicWorker({ connection: native, namespace: NAMESPACE, taskQueue, activities, workflowBundle: bundle });
  return worker.runUntil(fn());
}

async function setPaused(taskQueue: string, paused: boolean): Promise<void> {
  const { client } = await testTemporal();
  await client.workflow.executeUpdateWithStart(setPausedUpdate, {
    args: [{ paused, by: 'ops-lead', reason: paused ? 'disk work in progress' : 'done' }],
    startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', { workflowId: guardWorkflowId(taskQueue), taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [] }),
  });
}

/** A failed incident pages and holds for a human: a second here, not a day. */
const failFast = { humanHold: '1 second' };

const messages = async (handle: Awaited<ReturnType<typeof openIncident>>): Promise<string[]> => (await handle.query(timelineQuery)).map((e) => e.message);

describe('command steps', () => {
  it('while medic is paused, a read-only command runs and a command that changes the target is held until resume', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withCommandWorker(name, fleet.activities, async () => {
      await setPaused(name, true);
      const handle = await openIncident(name, testSignal(name, { alertname: 'DiskFilling' }), testRoute({ playbook: 'test-disk-cleanup', target: 'web-1' }));
      await eventually('the hold before the cleanup', async () => ((await messages(handle)).includes('held before command: medic is paused (medic resume lifts it)') ? true : undefined));
      assert.deepEqual(
        fleet.calls.map((c) => [c.activity, c.action, c.effect]),
        [['command', 'disk-report', 'read-only']],
        'the read-only report ran while paused; the cleanup did not',
      );
      await setPaused(name, false);
      const result = await handle.result();
      assert.equal(result.outcome, 'recovered');
      assert.deepEqual(fleet.calls.map((c) => c.action ?? c.activity), ['disk-report', 'cleanup', 'verify']);
    });
  });

  it('a command the playbook calls read-only but the configuration says changes is refused at once, naming both, and runs nothing, even while paused', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const ranFile = join(mkdtempSync(join(tmpdir(), 'medic-command-steps-')), 'ran');
    // The real command driver. The playbook says the cleanup only reads, so the kill switch lets the
    // call through while paused; the configuration says it changes, so the activity must refuse it.
    const config = testConfig({
      targets: {
        'web-1': {
          commands: {
            'disk-report': { argv: [process.execPath, '-e', 'console.log("/var/tmp 97% used")'], effect: 'read-only' },
            cleanup: { argv: [process.execPath, '-e', 'require("node:fs").writeFileSync(process.argv[1], "ran")', ranFile], effect: 'changes' },
          },
        },
      },
    });
    const activities = { ...fleet.activities, command: driverActivities(config).command };
    await withCommandWorker(name, activities, async () => {
      await setPaused(name, true);
      const route = testRoute({ playbook: 'test-disk-cleanup', target: 'web-1', params: { cleanupEffect: 'read-only', ...failFast } });
      const handle = await openIncident(name, testSignal(name, { alertname: 'DiskFilling' }), route);
      const result = await handle.result();
      await setPaused(name, false);
      assert.ok(!existsSync(ranFile), 'the cleanup never ran');
      assert.equal(result.outcome, 'failed');
      const report = result.timeline.find((e) => e.kind === 'step-succeeded' && e.step === 'report disk use on web-1');
      assert.equal(report?.data?.['stdout'], '/var/tmp 97% used', 'the output of a command is in the timeline');
      assert.equal(report?.data?.['exitCode'], 0);
      const failed = result.timeline.filter((e) => e.kind === 'step-failed' && e.step === 'clean /var/tmp');
      assert.equal(failed.length, 1, 'not retried');
      assert.equal(failed[0]?.data?.['errorType'], 'Misconfiguration');
      assert.match(
        failed[0]?.message ?? '',
        /refused to run "cleanup" on web-1: the playbook states its effect is "read-only", targets\.web-1\.commands\.cleanup\.effect says "changes"/,
      );
      assert.ok(!fleet.order.includes('verify'));
    });
    rmSync(dirname(ranFile), { recursive: true, force: true });
  });

  it('a command that changes the target after the last verify keeps it out of rotation; a read-only one does not', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withCommandWorker(name, fleet.activities, async () => {
      const changed = await openIncident(name, testSignal(`${name}-a`), testRoute({ playbook: 'test-command-before-rejoin', target: 'web-1', params: { action: 'clear-cache', effect: 'changes', ...failFast } }));
      const changedResult = await changed.result();
      assert.equal(changedResult.outcome, 'failed');
      assert.ok(
        changedResult.timeline.some((e) => e.message.includes('refused to rejoin web-1: no verify has passed since the last change to web-1')),
        changedResult.timeline.map((e) => e.message).join('\n'),
      );
      assert.ok(fleet.isolated.has('web-1'), 'web-1 stays out of rotation');
      assert.ok(!fleet.calls.some((c) => c.target === 'web-1' && c.activity === 'rejoin'));

      const read = await openIncident(name, testSignal(`${name}-b`), testRoute({ playbook: 'test-command-before-rejoin', target: 'web-2', params: { action: 'show-cache', effect: 'read-only' } }));
      assert.equal((await read.result()).outcome, 'recovered');
      assert.ok(!fleet.isolated.has('web-2'), 'web-2 is back in rotation');
    });
  });
});
