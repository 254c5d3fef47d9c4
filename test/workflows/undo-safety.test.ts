import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { abortUpdate, timelineQuery } from '../../workflows/definitions.js';
import { guardWorkflowId, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// Two cases the generated scenarios found (CI, 2026-11-30): an undo kept retrying after medic was
// paused, and a failed run whose undo left the target out was not paged when an abort came
// during the undo.

after(closeTestTemporal);

async function setPaused(taskQueue: string, paused: boolean) {
  const { client } = await testTemporal();
  return client.workflow.executeUpdateWithStart(setPausedUpdate, {
    args: [{ paused, by: 'ops-lead', reason: paused ? 'bad deploy in progress' : 'deploy rolled back' }],
    startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', { workflowId: guardWorkflowId(taskQueue), taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [] }),
  });
}

const rejoinFailures = (fleet: FakeFleet) => fleet.calls.filter((c) => c.activity === 'rejoin' && c.outcome === 'failed').length;
const pagesSent = (fleet: FakeFleet) => fleet.calls.filter((c) => c.activity === 'escalate' && c.event === 'trigger' && c.outcome === 'ok').length;

describe('undo safety', () => {
  it('an undo that keeps failing makes no further attempt once medic is paused, and the target it left out is paged', async (t) => {
    const name = uniqueName(t.name);
    // The run fails at diagnose; the undo verifies (healthy) and tries to rejoin, which keeps failing.
    const fleet = new FakeFleet({ diagnose: ['fatal'], rejoin: ['fail'] });
    await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), testRoute({ target: 'web-9' }));
      await eventually('the first rejoin attempt to fail', async () => (rejoinFailures(fleet) >= 1 ? true : undefined), 30_000);
      await setPaused(name, true);
      const attemptsWhenPaused = fleet.calls.filter((c) => c.activity === 'rejoin').length;
      await eventually('a page about the target left out', async () => (pagesSent(fleet) >= 1 ? true : undefined), 60_000);
      const timeline = await handle.query(timelineQuery);
      assert.equal(fleet.calls.filter((c) => c.activity === 'rejoin').length, attemptsWhenPaused, 'no rejoin attempt started after pause answered');
      assert.ok(fleet.isolated.has('web-9'), 'the target stays out of rotation');
      assert.ok(
        timeline.some((e) => e.kind === 'compensation-skipped' && /paused/.test(e.message)),
        `the undo says it stopped for the pause:\n${timeline.map((e) => `${e.kind}: ${e.message}`).join('\n')}`,
      );
      await setPaused(name, false);
      const { client } = await testTemporal();
      await client.workflow.getHandle(handle.workflowId).executeUpdate(abortUpdate, { args: [{ by: 'test', reason: 'done' }] });
    });
  });

  it('a failed run whose undo left the target out pages a human even when an abort arrives during the undo', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ diagnose: ['fatal'], rejoin: ['fail'] });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), testRoute({ target: 'web-8' }));
      await eventually('the first rejoin attempt to fail', async () => (rejoinFailures(fleet) >= 1 ? true : undefined), 30_000);
      // Accepted while the undo is still retrying: its answer comes once the undo has run.
      await handle.startUpdate(abortUpdate, { args: [{ by: 'kim', reason: 'taking over' }], waitForStage: 'ACCEPTED' });
      return handle.result();
    });
    assert.ok(fleet.isolated.has('web-8'), 'every rejoin failed: the target is out of rotation');
    assert.equal(pagesSent(fleet), 1, `a human was paged about it:\n${result.timeline.map((e) => `${e.kind}: ${e.message}`).join('\n')}`);
    assert.equal(result.outcome, 'aborted');
  });
});
