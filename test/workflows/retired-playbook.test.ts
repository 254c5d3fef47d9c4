import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { bundleWorkflowCode } from '@temporalio/worker';
import { playbookNames } from '../../playbooks/index.js';
import { takeOverOrphans } from '../../src/incidents/take-over.js';
import { createMedicWorker } from '../../src/worker/create-worker.js';
import { abortUpdate, stateQuery, timelineQuery, type IncidentState } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, NAMESPACE, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const OLD_BUNDLE = fileURLToPath(new URL('../fixtures/retired/workflows.ts', import.meta.url));

describe('retired playbooks', () => {
  it('a running incident whose playbook was removed is taken over: it pages, holds for a human, and undoes only what is safe', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const { client, native } = await testTemporal();
    const route = testRoute({ playbook: 'old-outage', target: 'api-9', params: { approveRestart: true, approvalTimeout: '1 hour' } });
    // Before the change: the playbook exists, the incident isolates api-9 and waits for approval.
    const oldWorker = await createMedicWorker({
      connection: native,
      namespace: NAMESPACE,
      taskQueue: name,
      activities: fleet.activities,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: OLD_BUNDLE, logger: quiet }),
    });
    const handle = await oldWorker.runUntil(async () => {
      const h = await openIncident(name, testSignal(name), route);
      await eventually('the approval gate', async () => ((await h.query(stateQuery)).pendingApproval !== undefined ? true : undefined));
      return h;
    });
    const oldRunId = (await handle.describe()).runId;
    assert.ok(fleet.isolated.has('api-9'));

    // After the change: a worker without "old-outage" takes the incident over when it starts.
    await withWorker(name, fleet.activities, async () => {
      assert.ok(!playbookNames().includes('old-outage'));
      const taken = await takeOverOrphans(client, name, playbookNames());
      assert.deepEqual(taken.map((x) => [x.incidentId, x.playbook, x.undos]), [[handle.workflowId, 'old-outage', 1]]);
      assert.equal((await client.workflow.getHandle(handle.workflowId, oldRunId).describe()).status.name, 'TERMINATED');
      const current = client.workflow.getHandle(handle.workflowId);
      const state = await eventually('the page', async () => {
        const s: IncidentState = await current.query(stateQuery);
        return s.awaitingAck ? s : undefined;
      });
      assert.equal(state.status, 'awaiting-human');
      const notes = (await current.query(timelineQuery)).map((e) => e.message);
      assert.ok(notes.some((m) => m.startsWith(`taken over from run ${oldRunId}`)), notes.join('\n'));
      assert.ok(notes.some((m) => m.startsWith('playbook "old-outage" is not registered in this worker')), notes.join('\n'));
      assert.deepEqual(await takeOverOrphans(client, name, [...playbookNames(), 'old-outage']), [], 'nothing else to take over');
      await act(current, abortUpdate, 'nia', 'old playbook retired');
      const result = await current.result();
      assert.equal(result.outcome, 'aborted');
    });
    const afterTakeover = fleet.calls.slice(2).map((c) => c.activity);
    assert.deepEqual(afterTakeover, ['escalate', 'verify', 'rejoin', 'escalate'], 'paged, then on abort verified before rejoining, and the page resolved');
    assert.equal(fleet.isolated.size, 0);
    assert.equal(fleet.calls.filter((c) => c.activity === 'restart').length, 0, 'nothing was guessed');
  });
});
