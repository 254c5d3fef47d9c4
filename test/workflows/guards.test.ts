import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WithStartWorkflowOperation } from '@temporalio/client';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { abortUpdate, approveUpdate, retryUpdate, stateQuery, timelineQuery, type IncidentState } from '../../workflows/definitions.js';
import { guardRequestSignal, guardStateQuery, guardWorkflowId, setPausedUpdate } from '../../workflows/guards/definitions.js';
import { emptyGuardState } from '../../workflows/guards/guard-state.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { act, completedActivities, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const gated = (target: string) => testRoute({ target, params: { approveRestart: true, approvalTimeout: '10 minutes' } });
const waitFor = async (handle: Awaited<ReturnType<typeof openIncident>>, what: string, pred: (s: IncidentState) => boolean) =>
  eventually(what, async () => {
    const s = await handle.query(stateQuery);
    return pred(s) ? s : undefined;
  });

async function setPaused(taskQueue: string, paused: boolean) {
  const { client } = await testTemporal();
  return client.workflow.executeUpdateWithStart(setPausedUpdate, {
    args: [{ paused, by: 'ops-lead', reason: paused ? 'bad deploy in progress' : 'deploy rolled back' }],
    startWorkflowOperation: new WithStartWorkflowOperation('guardWorkflow', {
      workflowId: guardWorkflowId(taskQueue),
      taskQueue,
      workflowIdConflictPolicy: 'USE_EXISTING',
      args: [],
    }),
  });
}

describe('guards', () => {
  it('a second incident on a target being recovered joins the first and acts on nothing', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const [first, second] = await withWorker(name, fleet.activities, async () => {
      const a = await openIncident(name, testSignal(`${name}-a`), gated('web-1'));
      await waitFor(a, 'the approval gate', (s) => s.pendingApproval !== undefined);
      const b = await openIncident(name, testSignal(`${name}-b`, { alertname: 'HighLatency' }), gated('web-1'));
      await eventually('the second incident to join', async () =>
        (await b.query(timelineQuery)).some((e) => e.message.startsWith(`joined ${a.workflowId}`)) ? true : undefined,
      );
      await act(a, approveUpdate, 'hal', 'go');
      const results = [await a.result(), await b.result()] as const;
      await saveHistoryFixture('http-service-outage-guarded-holder', a);
      await saveHistoryFixture('http-service-outage-guarded-joined', b);
      return results;
    });
    assert.equal(first.outcome, 'recovered');
    assert.equal(second.outcome, 'recovered', 'the joined incident ends as the one it joined');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'one set of actions on web-1');
    assert.ok(entriesOf(second, 'note').some((e) => e.message === `${first.incidentId} recovered web-1; this incident ends with it`));
  });

  it('a second incident with the wait policy escalates when the first ends other than recovered, and runs on retry', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ target: 'db-1', playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });
    await withWorker(name, fleet.activities, async () => {
      const a = await openIncident(name, testSignal(`${name}-a`), route);
      await waitFor(a, 'the first escalation', (s) => s.awaitingAck);
      const b = await openIncident(name, testSignal(`${name}-b`), route);
      await eventually('the second to wait', async () =>
        (await b.query(timelineQuery)).some((e) => e.message.startsWith(`waiting: ${a.workflowId} is running a playbook on db-1`)) ? true : undefined,
      );
      assert.equal(fleet.order.filter((x) => x === 'diagnose').length, 1, 'the second has not started');
      await act(a, abortUpdate, 'ivy', 'handled by hand');
      // The target is in a state nobody verified: the second decides nothing on its own.
      await waitFor(b, 'the second to page a human', (s) => s.awaitingAck);
      assert.equal(fleet.order.filter((x) => x === 'diagnose').length, 1, 'the second did not act on its own');
      const notes = (await b.query(timelineQuery)).map((e) => e.message);
      assert.ok(notes.some((m) => m.startsWith(`${a.workflowId} ended aborted on db-1, which this incident waited for`)), notes.join('\n'));
      await act(b, retryUpdate, 'ivy', 'checked db-1, go ahead');
      await eventually('the second to run on retry', async () => (fleet.order.filter((x) => x === 'diagnose').length === 2 ? true : undefined));
      await act(b, abortUpdate, 'ivy', 'done');
      await saveHistoryFixture('diagnose-and-escalate-guarded-waited', b);
    });
  });

  it('a waiting incident takes the target once its holder is terminated by hand, and escalates with the holder outcome', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ target: 'db-2', playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });
    const guards = { guards: GuardsSchema.parse({ holderCheck: '1 second' }), targets: {} };
    await withWorker(
      name,
      fleet.activities,
      async () => {
        const a = await openIncident(name, testSignal(`${name}-a`), route);
        await waitFor(a, 'the first escalation', (s) => s.awaitingAck);
        const b = await openIncident(name, testSignal(`${name}-b`), route);
        await eventually('the second to wait', async () =>
          (await b.query(timelineQuery)).some((e) => e.message.startsWith(`waiting: ${a.workflowId} is running a playbook on db-2`)) ? true : undefined,
        );
        // Terminated after the waiter's first look at the holder: only a later check can notice.
        await eventually('the waiter to have checked the holder once', async () => ((await completedActivities(b, 'guardReapTarget')) >= 1 ? true : undefined));
        await a.terminate('operator terminated it by hand');
        await waitFor(b, 'the second to escalate', (s) => s.awaitingAck);
        const notes = (await b.query(timelineQuery)).map((e) => e.message);
        assert.ok(notes.includes(`${a.workflowId} ended without giving db-2 back: released it`), notes.join('\n'));
        assert.ok(notes.some((m) => m.startsWith(`${a.workflowId} ended terminated on db-2`)), notes.join('\n'));
        assert.equal(fleet.order.filter((x) => x === 'diagnose').length, 1, 'the second acted on nothing it could not see');
        await act(b, abortUpdate, 'ivy', 'done');
        await saveHistoryFixture('diagnose-and-escalate-holder-terminated', b);
      },
      { guards },
    );
  });

  it('never isolates more of a pool than its blast radius allows, and escalates instead', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const guards = {
      guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } } }),
      targets: { 'web-1': { pool: 'web' }, 'web-2': { pool: 'web' }, 'web-3': { pool: 'web' } },
    };
    await withWorker(
      name,
      fleet.activities,
      async () => {
        const a = await openIncident(name, testSignal(`${name}-a`), gated('web-1'));
        await waitFor(a, 'web-1 isolated, waiting for approval', (s) => s.pendingApproval !== undefined);
        const b = await openIncident(name, testSignal(`${name}-b`), gated('web-2'));
        await waitFor(b, 'the escalation instead of isolating web-2', (s) => s.awaitingAck);
        const tl = await b.query(timelineQuery);
        assert.ok(tl.some((e) => /a guard refused: blast radius: pool web already has web-1 out of rotation \(at most 1 at once\); not isolating web-2/.test(e.message)));
        assert.deepEqual([...fleet.isolated], ['web-1'], 'only one member of the pool is out');
        assert.ok(!fleet.calls.some((c) => c.activity === 'isolate' && c.target === 'web-2'));

        await act(a, approveUpdate, 'jo', 'go');
        assert.equal((await a.result()).outcome, 'recovered');
        const { client } = await testTemporal();
        const state = await client.workflow.getHandle(guardWorkflowId(name)).query(guardStateQuery);
        assert.deepEqual(state.isolated, {}, 'web-1 rejoined: the pool has room again');
        const c = await openIncident(name, testSignal(`${name}-c`), testRoute({ target: 'web-3' }));
        assert.equal((await c.result()).outcome, 'recovered', 'a later incident in the pool may isolate again');
        await act(b, abortUpdate, 'jo', 'done');
        await saveHistoryFixture('http-service-outage-blast-radius-refused', b);
      },
      { guards },
    );
  });

  it('escalates instead of restarting a flapping target past its restart budget, leaving it isolated', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const guards = { guards: GuardsSchema.parse({ restartBudget: { max: 1, window: '1 hour' } }), targets: {} };
    const second = await withWorker(
      name,
      fleet.activities,
      async () => {
        const a = await openIncident(name, testSignal(`${name}-a`), testRoute({ target: 'api-1' }));
        assert.equal((await a.result()).outcome, 'recovered');
        const b = await openIncident(name, testSignal(`${name}-b`), testRoute({ target: 'api-1', params: { ackTimeout: '1 second', humanHold: '1 second' } }));
        const result = await b.result();
        await saveHistoryFixture('http-service-outage-budget-refused', b);
        return result;
      },
      { guards },
    );
    assert.equal(second.outcome, 'escalated');
    assert.equal(fleet.order.filter((x) => x === 'restart').length, 1, 'no second automated restart');
    assert.ok(entriesOf(second, 'note').some((e) => /restart budget: api-1 was restarted automatically 1 times in the last 60 min \(at most 1\)/.test(e.message)));
    assert.ok(fleet.isolated.has('api-1'), 'left out of rotation for a human, not rejoined broken');
  });

  it('the kill switch holds every new automated action until resume, for running and new incidents', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const running = await openIncident(name, testSignal(`${name}-a`), gated('svc-1'));
      await waitFor(running, 'the approval gate', (s) => s.pendingApproval !== undefined);
      const paused = await setPaused(name, true);
      assert.equal(paused?.by, 'ops-lead');
      // `medic pause` answers once the running incidents have the notice in their history, so an
      // approval sent right after it can never run a step ahead of the pause. In the guard's
      // history: the notice was delivered before the update completed.
      const { client } = await testTemporal();
      const events = (await client.workflow.getHandle(guardWorkflowId(name)).fetchHistory()).events ?? [];
      const noticeSent = events.find((e) => e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'guardPaused')?.eventId;
      const delivered = events.findIndex((e) => String(e.externalWorkflowExecutionSignaledEventAttributes?.initiatedEventId ?? '') === String(noticeSent));
      const answered = events.findIndex((e) => e.workflowExecutionUpdateCompletedEventAttributes != null);
      assert.ok(noticeSent != null && delivered >= 0, 'the running incident was sent the pause notice');
      assert.ok(delivered < answered, `the notice was delivered (event ${delivered}) before pause answered (event ${answered})`);
      await act(running, approveUpdate, 'kim', 'go');
      await eventually('the running incident to hold before restarting', async () =>
        (await running.query(timelineQuery)).some((e) => e.message === 'held before restart: medic is paused (medic resume lifts it)') ? true : undefined,
      );
      const fresh = await openIncident(name, testSignal(`${name}-b`), testRoute({ target: 'svc-2' }));
      await eventually('the new incident to hold before isolating', async () =>
        (await fresh.query(timelineQuery)).some((e) => e.message === 'held before isolate: medic is paused (medic resume lifts it)') ? true : undefined,
      );
      assert.equal((await fresh.query(stateQuery)).status, 'awaiting-human');
      assert.ok(!fleet.order.includes('restart'), 'nothing restarted while paused');
      assert.ok(!fleet.calls.some((c) => c.target === 'svc-2'), 'nothing done to svc-2 while paused');

      await setPaused(name, false);
      assert.equal((await running.result()).outcome, 'recovered');
      assert.equal((await fresh.result()).outcome, 'recovered');
      // Recorded before and after pause waited for the incidents to be told: both must replay.
      await saveHistoryFixture('http-service-outage-paused', running);
      await saveHistoryFixture('http-service-outage-paused-told-first', running);
      await saveHistoryFixture('guard-workflow-paused-and-resumed', client.workflow.getHandle(guardWorkflowId(name)));
      await saveHistoryFixture('guard-workflow-paused-told-first', client.workflow.getHandle(guardWorkflowId(name)));
    });
  });

  it('the guard workflow starts afresh with its state when its history grows long, and still drops a request it has seen', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    await withWorker(name, new FakeFleet().activities, async () => {
      const guard = await client.workflow.start('guardWorkflow', {
        workflowId: guardWorkflowId(name),
        taskQueue: name,
        args: [{ ...emptyGuardState(), renewAfterEvents: 60 }],
      });
      const firstRun = guard.firstExecutionRunId;
      // Incidents that do not exist: the guard's replies fail and are logged, as for an incident that ended.
      for (let i = 0; i < 30; i++) {
        await guard.signal(guardRequestSignal, { op: 'acquire', requestId: `r-${i}`, incidentId: `ghost-${i}`, target: `t-${i}`, policy: 'wait' });
      }
      const renewed = client.workflow.getHandle(guardWorkflowId(name));
      await eventually('a new run of the guard', async () => ((await renewed.describe()).runId !== firstRun ? true : undefined), 30_000);
      const state = await eventually('every lock to be held', async () => {
        const s = await renewed.query(guardStateQuery);
        return Object.keys(s.holders).length === 30 ? s : undefined;
      });
      assert.equal(state.holders['t-0'], 'ghost-0', 'the locks taken before the renewal are still held');

      // A request id seen before the renewal is still recognised (a local activity may resend one).
      await renewed.signal(guardRequestSignal, { op: 'release', requestId: 'r-0', incidentId: 'ghost-0', target: 't-0', outcome: 'recovered' });
      await renewed.signal(guardRequestSignal, { op: 'release', requestId: 'r-1-release', incidentId: 'ghost-1', target: 't-1', outcome: 'recovered' });
      const after = await eventually('the new release to apply', async () => {
        const s = await renewed.query(guardStateQuery);
        return s.holders['t-1'] === undefined ? s : undefined;
      });
      assert.equal(after.holders['t-0'], 'ghost-0', 'a request already seen is dropped, also after the renewal');
      await renewed.terminate('test finished');
    });
  });
});
