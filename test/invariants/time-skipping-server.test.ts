import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WithStartWorkflowOperation, WorkflowUpdateFailedError } from '@temporalio/client';
import { openOrJoin } from '../helpers/open-or-join.js';
import { ackUpdate, approveUpdate, stateQuery, type IncidentResult } from '../../workflows/definitions.js';
import { guardRequestSignal, guardWorkflowId, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { emptyGuardState } from '../../workflows/guards/guard-state.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { testSignal } from '../helpers/incidents.js';
import { closeTimeSkipping, RestartableWorker, timeSkipping, type TimeSkipping } from '../helpers/time-skipping.js';

// What the time-skipping test server supports of what medic's incident workflow uses, proven on
// the real workflow with its real defaults. What it lacks is in docs/testing.md.

const HUMAN = { by: 'probe', reason: 'time-skipping probe' };
let ts: TimeSkipping;
let worker: RestartableWorker;
const fleet = new FakeFleet();
const taskQueue = `time-skipping-${process.pid}`;
const route = (params: Record<string, boolean> = {}) => ({ route: 'probe', playbook: 'http-service-outage', target: 'web-1', dryRun: false, params });

describe('the time-skipping test server', () => {
  before(async () => {
    ts = await timeSkipping();
    worker = new RestartableWorker(ts, taskQueue, fleet.activities);
    await worker.start();
  });
  after(async () => {
    await worker?.stop();
    await closeTimeSkipping();
  });

  it('runs a 15-minute ack timeout and a 24-hour hold of the real defaults in well under a few seconds', async () => {
    const { incidentId, signaledRunId } = await openOrJoin(ts.client, testSignal(`${taskQueue}-hold`), { ...route(), playbook: 'diagnose-and-escalate' }, { taskQueue });
    const handle = ts.client.workflow.getHandle(incidentId, signaledRunId);
    const started = Date.now();
    const result: IncidentResult = await handle.result(); // awaiting a result lets the server skip time
    const realMs = Date.now() - started;
    assert.equal(result.outcome, 'escalated');
    assert.ok(result.timeline.some((e) => e.kind === 'ack-timed-out'), 'the 15-minute ack timeout fired');
    const virtualMs = Date.parse(result.timeline.at(-1)?.at ?? '') - Date.parse(result.timeline[0]?.at ?? '');
    assert.ok(virtualMs >= 24 * 3_600_000, `a day passed on the workflow's clock (${virtualMs} ms)`);
    assert.ok(realMs < 5_000, `in ${realMs} ms of real time`);
  });

  it('answers signalWithStart, queries, updates with validators, and stores the Medic* search attributes', async () => {
    const { incidentId, signaledRunId } = await openOrJoin(ts.client, testSignal(`${taskQueue}-approve`), route({ approveRestart: true }), { taskQueue });
    const handle = ts.client.workflow.getHandle(incidentId, signaledRunId);
    let state = await handle.query(stateQuery);
    for (let i = 0; i < 50 && state.pendingApproval === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      state = await handle.query(stateQuery);
    }
    assert.equal(state.status, 'awaiting-human');
    await assert.rejects(handle.executeUpdate(ackUpdate, { args: [HUMAN] }), WorkflowUpdateFailedError, 'the validator refuses an ack with nothing to acknowledge');
    await handle.executeUpdate(approveUpdate, { args: [HUMAN] });
    const result: IncidentResult = await handle.result(); // recovered, then the 2-minute settle on the virtual clock
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(result.timeline.filter((e) => e.kind === 'approved').map((e) => e.actor), [HUMAN.by]);
    assert.ok(fleet.order.includes('restart'), 'the restart ran once approved');
    const { searchAttributes } = await handle.describe();
    assert.deepEqual(searchAttributes['MedicStatus'], ['recovered']);
    assert.deepEqual(searchAttributes['MedicPlaybook'], ['http-service-outage']);
  });

  it('runs the guards: local activities, update-with-start (medic pause), and continue-as-new', async () => {
    // The incidents above reached the guard only through local activities: it exists. (After the
    // day-long skips above, the test server has now and then reported it TIMED_OUT, which a real
    // server never does to a workflow without timeouts; update-with-start below works either way.)
    const guard = ts.client.workflow.getHandle(guardWorkflowId(taskQueue));
    assert.equal((await guard.describe()).type, 'guardWorkflow');
    const paused = await ts.client.workflow.executeUpdateWithStart(setPausedUpdate, {
      args: [{ paused: true, ...HUMAN }],
      startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', { workflowId: guardWorkflowId(taskQueue), taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [] }),
    });
    assert.equal(paused?.by, HUMAN.by);
    // A guard told to renew after a few events continues as new, carrying its state.
    const renewing = await ts.client.workflow.start('guardWorkflow', { workflowId: `${taskQueue}-renewing-guard`, taskQueue, args: [{ ...emptyGuardState(), renewAfterEvents: 10 }] });
    for (let i = 0; i < 8; i++) {
      await renewing.signal(guardRequestSignal, { op: 'release', requestId: `r${i}`, incidentId: 'incident-none', target: 'nothing', outcome: 'resolved' });
    }
    let first = await ts.client.workflow.getHandle(renewing.workflowId, renewing.firstExecutionRunId).describe();
    for (let i = 0; i < 50 && first.status.name === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      first = await ts.client.workflow.getHandle(renewing.workflowId, renewing.firstExecutionRunId).describe();
    }
    assert.equal(first.status.name, 'CONTINUED_AS_NEW');
    assert.equal((await ts.client.workflow.getHandle(renewing.workflowId).describe()).status.name, 'RUNNING');
    await ts.client.workflow.getHandle(renewing.workflowId).terminate('probe done');
    await ts.client.workflow.executeUpdateWithStart(setPausedUpdate, {
      args: [{ paused: false, ...HUMAN }],
      startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', { workflowId: guardWorkflowId(taskQueue), taskQueue, workflowIdConflictPolicy: 'USE_EXISTING', args: [] }),
    });
  });
});
