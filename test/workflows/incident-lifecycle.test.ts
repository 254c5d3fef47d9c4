import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  abortUpdate,
  ackUpdate,
  alertSignal,
  approveUpdate,
  retryUpdate,
  stateQuery,
  timelineQuery,
} from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, entriesOf, kinds, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

// An escalation that waits long: the incident stays open while the test pokes at it.
const waitingRoute = testRoute({ playbook: 'diagnose-and-escalate', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });

describe('incident lifecycle', () => {
  it('counts repeated signals for one fingerprint in the same open incident and drops exact duplicates', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const first = testSignal(name, { id: `${name}-1` });
      const handle = await openIncident(name, first, waitingRoute);
      const firstRun = (await handle.describe()).runId;
      await openIncident(name, first, waitingRoute); // Alertmanager retrying the same notification
      await openIncident(name, testSignal(name, { id: `${name}-2` }), waitingRoute); // a new notification
      await handle.signal(alertSignal, first); // a duplicate delivered straight to the workflow

      const state = await eventually('both signals counted', async () => {
        const s = await handle.query(stateQuery);
        return s.signals >= 2 ? s : undefined;
      });
      // The first firing is an entry; a repeat is counted, not appended (a fingerprint may fire all day).
      const timeline = await handle.query(timelineQuery);
      assert.deepEqual(timeline.filter((e) => e.kind === 'signal').map((e) => e.data?.['signalId']), [`${name}-1`]);
      assert.equal((await handle.describe()).runId, firstRun, 'no second incident was started');
      assert.equal(state.signals, 2, 'the duplicate was dropped');
      assert.deepEqual(state.repeats, { firing: 2, resolved: 0, lastFiring: state.repeats.lastFiring });
      await act(handle, abortUpdate, 'test', 'done');
      await handle.result();

      // After it closed, a new firing opens a new run under the same incident id.
      const again = await openIncident(name, testSignal(name, { id: `${name}-3` }), waitingRoute);
      const secondRun = (await again.describe()).runId;
      assert.notEqual(secondRun, firstRun);
      await act(again, abortUpdate, 'test', 'done');
    });
  });

  it('an abort or a resolution that arrives before the playbook starts stops it before any step', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    // Short waits, so that a playbook started by mistake ends soon and the assertions say so.
    const route = testRoute({ playbook: 'diagnose-and-escalate', params: { ackTimeout: '1 second', humanHold: '1 second' } });
    // The resolution is in the incident's very first workflow task (a signal, before any worker
    // polls): it closes before taking its target. An update cannot be made to wait for the first
    // task the same way (when the server delivers one sent before it is its own affair), so the
    // abort comes while the incident waits in line for its target, also before its playbook starts.
    const resolved = await openIncident(name, testSignal(`${name}-r`), route);
    await resolved.signal(alertSignal, testSignal(`${name}-r`, { id: `${name}-r-resolved`, status: 'resolved' }));
    const gated = testRoute({ params: { approveRestart: true, approvalTimeout: '10 minutes' } });
    const [abortedResult, resolvedResult] = await withWorker(name, fleet.activities, async () => {
      const resolvedFirst = await resolved.result(); // it takes and releases the target on its way out
      const holder = await openIncident(name, testSignal(`${name}-h`, { alertname: 'Holder' }), gated);
      await eventually('the holder at its approval gate', async () => ((await holder.query(stateQuery)).pendingApproval !== undefined ? true : undefined)).catch(async (err: Error) => {
        throw new Error(`${err.message}:\n${(await holder.query(timelineQuery)).map((e) => `${e.kind}: ${e.message}`).join('\n')}`);
      });
      const aborted = await openIncident(name, testSignal(`${name}-a`), route);
      await eventually('the incident to wait for its target', async () => ((await aborted.query(timelineQuery)).some((e) => e.message.startsWith('waiting:')) ? true : undefined));
      await act(aborted, abortUpdate, 'ops', 'false alarm');
      const results = [await aborted.result(), resolvedFirst] as const;
      await saveHistoryFixture('diagnose-and-escalate-aborted-before-start', aborted);
      await act(holder, abortUpdate, 'ops', 'done');
      return results;
    });
    assert.equal(abortedResult.outcome, 'aborted');
    assert.equal(resolvedResult.outcome, 'resolved');
    const onThem = fleet.calls.filter((c) => c.incidentId === abortedResult.incidentId || c.incidentId === resolvedResult.incidentId);
    assert.deepEqual(onThem, [], 'no step ran for either incident');
    for (const result of [abortedResult, resolvedResult]) {
      assert.deepEqual(result.timeline.filter((e) => e.kind.startsWith('step-')), [], `${result.incidentId} recorded no step`);
    }
  });

  it('sets the Medic search attributes, the summary and current details the Web UI shows', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name, { service: `svc-${name}` }), waitingRoute);
      await eventually('the escalation', async () => ((await handle.query(stateQuery)).awaitingAck ? true : undefined));
      const description = await handle.describe();
      const attrs = description.typedSearchAttributes;
      const get = (key: string) => attrs.getAll().find((p) => p.key.name === key)?.value;
      assert.equal(get('MedicService'), `svc-${name}`);
      assert.equal(get('MedicAlert'), 'HighErrorRate');
      assert.equal(get('MedicSeverity'), 'critical');
      assert.equal(get('MedicPlaybook'), 'diagnose-and-escalate');
      assert.equal(get('MedicFingerprint'), name);
      assert.equal(get('MedicStatus'), 'awaiting-human');
      assert.equal(await description.staticSummary(), `HighErrorRate on svc-${name} (critical)`);
      assert.match((await description.staticDetails()) ?? '', /\*\*Playbook:\*\* diagnose-and-escalate/);

      const { client } = await testTemporal();
      const found = await eventually('the incident in visibility by MedicService and MedicStatus', async () => {
        const query = `MedicService = "svc-${name}" AND MedicStatus = "awaiting-human"`;
        for await (const wf of client.workflow.list({ query })) return wf.workflowId;
        return undefined;
      });
      assert.equal(found, handle.workflowId);

      const history = await handle.fetchHistory();
      const scheduled = (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes);
      assert.ok(scheduled.length >= 2);
      for (const event of scheduled) {
        assert.ok(event.userMetadata?.summary?.data, 'every activity carries a summary for the Web UI');
      }
      await act(handle, abortUpdate, 'test', 'done');
      const final = await eventually('MedicStatus aborted', async () => {
        const a = (await handle.describe()).typedSearchAttributes.getAll().find((p) => p.key.name === 'MedicStatus');
        return a?.value === 'aborted' ? a.value : undefined;
      });
      assert.equal(final, 'aborted');
    });
  });

  it('rejects human actions that make no sense now, with a clear message, and records none of them', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), waitingRoute);
      await eventually('the escalation', async () => ((await handle.query(stateQuery)).awaitingAck ? true : undefined));
      const before = await handle.query(timelineQuery);

      const rejection = async (update: typeof approveUpdate, args: { by: string; reason: string }) => {
        try {
          await handle.executeUpdate(update, { args: [args] });
        } catch (err) {
          assert.ok(err instanceof WorkflowUpdateFailedError, `expected a rejected update, got ${String(err)}`);
          return err.cause?.message ?? '';
        }
        assert.fail('the update was accepted');
      };
      assert.match(await rejection(approveUpdate, { by: 'bob', reason: 'go' }), /nothing to approve: .* no approval is waiting/);
      assert.match(await rejection(retryUpdate, { by: 'bob', reason: 'again' }), /cannot retry .* while it is awaiting-human/);
      assert.match(await rejection(ackUpdate, { by: '', reason: 'mine' }), /"by" must name who is acting/);
      assert.match(await rejection(ackUpdate, { by: 'bob', reason: ' ' }), /"reason" must say why/);

      const afterRejections = await handle.query(timelineQuery);
      assert.deepEqual(afterRejections, before, 'rejected updates leave no trace in the timeline');
      const history = await handle.fetchHistory();
      const updates = (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes);
      assert.equal(updates.length, 0, 'rejected updates are not written to history');

      const acked = await act(handle, ackUpdate, 'bob', 'mine');
      assert.equal(acked.status, 'escalated');
      assert.match(await rejection(ackUpdate, { by: 'bob', reason: 'again' }), /nothing to acknowledge/);
      await act(handle, abortUpdate, 'bob', 'done');
      await handle.result();
      await assert.rejects(handle.executeUpdate(abortUpdate, { args: [{ by: 'bob', reason: 'twice' }] }));
    });
  });

  it('an approval gate continues when a human approves', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), testRoute({ params: { approveRestart: true, approvalTimeout: '10 minutes' } }));
      const waiting = await eventually('the approval gate', async () => {
        const s = await handle.query(stateQuery);
        return s.pendingApproval !== undefined ? s : undefined;
      });
      assert.equal(waiting.status, 'awaiting-human');
      assert.equal(waiting.pendingApproval, 'restart checkout-api-1?');
      assert.deepEqual(fleet.order, ['isolate', 'diagnose'], 'nothing is restarted before approval');
      await act(handle, approveUpdate, 'carol', 'checked the dashboards');
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-approved', handle);
      return res;
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin']);
    const approved = entriesOf(result, 'approved')[0];
    assert.equal(approved?.actor, 'carol');
    assert.match(approved?.message ?? '', /checked the dashboards/);
  });

  it('an approval gate that nobody answers times out and escalates without restarting', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ params: { approveRestart: true, approvalTimeout: '1 second', ackTimeout: '1 second', humanHold: '1 second' } });
    const result = await withWorker(name, fleet.activities, async () => (await openIncident(name, testSignal(name), route)).result());
    assert.equal(result.outcome, 'escalated');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'escalate', 'escalate']);
    assert.deepEqual(fleet.calls.filter((c) => c.activity === 'escalate').map((c) => c.event), ['trigger', 'resolve'], 'the page is closed with the incident');
    assert.ok(kinds(result.timeline).includes('approval-timed-out'));
    assert.ok(kinds(result.timeline).includes('ack-timed-out'));
    assert.ok(fleet.isolated.has('checkout-api-1'), 'the unrestarted backend stays out of rotation');
  });

  it('a resolved signal stops a playbook that stops on resolve, and is only recorded by one that does not', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const stopping = await openIncident(`${name}`, testSignal(`${name}-a`), waitingRoute);
      await eventually('the escalation', async () => ((await stopping.query(stateQuery)).awaitingAck ? true : undefined));
      await openIncident(name, testSignal(`${name}-a`, { status: 'resolved', id: `${name}-a-resolved` }), waitingRoute);
      const stopped = await stopping.result();
      await saveHistoryFixture('diagnose-and-escalate-resolved', stopping);
      assert.equal(stopped.outcome, 'resolved');
      assert.equal(entriesOf(stopped, 'resolved').length, 1);

      const gated = testRoute({ params: { approveRestart: true, approvalTimeout: '10 minutes' } });
      const continuing = await openIncident(name, testSignal(`${name}-b`), gated);
      await eventually('the approval gate', async () => ((await continuing.query(stateQuery)).pendingApproval ? true : undefined));
      await openIncident(name, testSignal(`${name}-b`, { status: 'resolved', id: `${name}-b-resolved` }), gated);
      await eventually('the resolution in the timeline', async () =>
        (await continuing.query(timelineQuery)).some((e) => e.kind === 'resolved') ? true : undefined,
      );
      assert.equal((await continuing.query(stateQuery)).status, 'awaiting-human', 'http-service-outage keeps going');
      await act(continuing, approveUpdate, 'dan', 'finish it');
      assert.equal((await continuing.result()).outcome, 'recovered');
    });
  });

  it('a resolved signal for a fingerprint with no open incident starts nothing', async (t) => {
    const name = uniqueName(t.name);
    const { client } = await testTemporal();
    const { deliverSignal } = await import('../../src/incidents/open-incident.js');
    const delivery = await deliverSignal(client, testSignal(name, { status: 'resolved' }), testRoute(), { taskQueue: name });
    assert.equal(delivery.kind, 'no-open-incident');
    await assert.rejects(client.workflow.getHandle(delivery.incidentId).describe(), /not found/i);
  });
});
