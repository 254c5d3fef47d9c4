import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { abortUpdate, ackUpdate, retryUpdate, stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const quickHold = testRoute({ params: { ackTimeout: '1 second', humanHold: '1 second' } });

describe('compensation', () => {
  it('a failed run leaves an unverified backend out of rotation, says so and pages', async (t) => {
    // Before: the undo rolled forward and rejoined a backend that verify had just found unhealthy.
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy'], restart: ['ok', 'fatal'] });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), quickHold);
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-failed', handle);
      return res;
    });
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(fleet.order, [
      'isolate', 'diagnose', 'restart', 'verify', 'rollback',
      'restart', // fails for good
      'rollforward', // undone newest first
      'verify', // the undo of the isolation verifies first: still unhealthy
      'escalate', // so no rejoin: a human is paged
      'escalate', // and the page is resolved when the incident closes
    ]);
    assert.ok(fleet.isolated.has('checkout-api-1'), 'the unhealthy backend stays out of rotation');
    assert.deepEqual(fleet.calls.filter((c) => c.activity === 'escalate').map((c) => c.event), ['trigger', 'resolve']);
    const skipped = entriesOf(result, 'compensation-skipped');
    assert.deepEqual(skipped.map((e) => e.step), ['rejoin checkout-api-1']);
    assert.match(skipped[0]?.message ?? '', /stays OUT of rotation/);
    assert.deepEqual(entriesOf(result, 'compensation-succeeded').map((e) => e.step), ['roll checkout-api-1 forward to v2']);
  });

  it('runs undos newest first and verifies before putting a backend back', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy', 'healthy'], restart: ['ok', 'fatal'] });
    const result = await withWorker(name, fleet.activities, async () => (await openIncident(name, testSignal(name), quickHold)).result());
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(fleet.order.slice(4), ['rollback', 'restart', 'rollforward', 'verify', 'rejoin', 'escalate', 'escalate']);
    assert.equal(fleet.version, 'v2', 'rolled forward to the version that was running');
    assert.equal(fleet.isolated.size, 0, 'back in rotation only after a verify that passed since the last change');
    assert.deepEqual(entriesOf(result, 'compensation-succeeded').map((e) => e.step), ['roll checkout-api-1 forward to v2', 'rejoin checkout-api-1']);
  });

  it('stops at once on a non-retryable failure and still undoes what was done', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ restart: ['fatal'] });
    const result = await withWorker(name, fleet.activities, async () => (await openIncident(name, testSignal(name), quickHold)).result());
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin', 'escalate', 'escalate']);
    const failed = entriesOf(result, 'step-failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.data?.['errorType'], 'UnknownTarget');
  });

  it('retries a transient failure with backoff and records every attempt', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ restart: ['fail', 'ok'] });
    const result = await withWorker(name, fleet.activities, async () => (await openIncident(name, testSignal(name))).result());
    assert.equal(result.outcome, 'recovered');
    const restart = result.timeline.filter((e) => e.step === 'restart checkout-api-1 (first attempt)');
    assert.deepEqual(restart.map((e) => [e.kind, e.attempt]), [
      ['step-started', 1],
      ['step-failed', 1],
      ['step-started', 2],
      ['step-succeeded', 2],
    ]);
    const gap = Date.parse(restart[2]?.at ?? '') - Date.parse(restart[1]?.at ?? '');
    assert.ok(gap >= 1_900, `waited ${gap} ms before retrying; the careful profile starts at 2 s`);
  });

  it('abort stops a hanging step and undoes the earlier ones', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ restart: ['hang'] });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name));
      await eventually('the restart to be running', async () =>
        (await handle.query(stateQuery)).runningStep?.startsWith('restart') ? true : undefined,
      );
      const state = await act(handle, abortUpdate, 'erin', 'restarting makes it worse');
      assert.equal(state.status, 'aborted', 'abort answers once the undo has run');
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-aborted', handle);
      return res;
    });
    assert.equal(result.outcome, 'aborted');
    // The cancelled restart may have half-happened: the undo verifies before it rejoins.
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin']);
    assert.equal(fleet.calls[2]?.outcome, 'cancelled', 'the hanging restart was cancelled, not abandoned');
    assert.equal(fleet.isolated.size, 0);
    const abort = entriesOf(result, 'abort')[0];
    assert.equal(abort?.actor, 'erin');
    assert.match(abort?.message ?? '', /restarting makes it worse/);
  });

  it('cancelling the workflow runs compensations before it ends as cancelled', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ restart: ['hang'] });
    await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name));
      await eventually('the restart to be running', async () =>
        (await handle.query(stateQuery)).runningStep?.startsWith('restart') ? true : undefined,
      );
      await handle.cancel();
      const err = await handle.result().then(
        () => assert.fail('a cancelled incident does not complete'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure);
    });
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin']);
    assert.equal(fleet.isolated.size, 0);
  });

  it('keeps undoing past a compensation that fails, and says what it could not undo', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy'], restart: ['ok', 'fatal'], rollforward: ['fatal'] });
    const result = await withWorker(name, fleet.activities, async () => (await openIncident(name, testSignal(name), quickHold)).result());
    assert.equal(result.outcome, 'failed');
    assert.deepEqual(fleet.order.slice(-4), ['rollforward', 'verify', 'escalate', 'escalate']);
    assert.deepEqual(entriesOf(result, 'compensation-failed').map((e) => e.step), ['roll checkout-api-1 forward to v2']);
    assert.deepEqual(entriesOf(result, 'compensation-skipped').map((e) => e.step), ['rejoin checkout-api-1']);
    assert.ok(fleet.isolated.has('checkout-api-1'), 'still unhealthy: left out of rotation');
  });

  it('retry runs the playbook again after an escalation', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy', 'unhealthy', 'healthy'] });
    const route = testRoute({ params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      await eventually('the escalation', async () => ((await handle.query(stateQuery)).awaitingAck ? true : undefined));
      await act(handle, ackUpdate, 'frank', 'deploying a fix');
      await eventually('the hold', async () => ((await handle.query(stateQuery)).status === 'escalated' ? true : undefined));
      await act(handle, retryUpdate, 'frank', 'fix deployed, try again');
      return handle.result();
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order.slice(7), ['escalate', 'escalate', 'isolate', 'diagnose', 'restart', 'verify', 'rejoin', 'escalate']);
    assert.deepEqual(
      fleet.calls.filter((c) => c.activity === 'escalate').map((c) => c.event),
      ['trigger', 'acknowledge', 'resolve'],
      'the page follows the incident: acknowledged, then resolved once the retry recovered',
    );
    assert.equal(entriesOf(result, 'retry')[0]?.actor, 'frank');
  });
});
