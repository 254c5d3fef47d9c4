import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ackUpdate, stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';

after(closeTestTemporal);

describe('http-service-outage', () => {
  it('recovers a backend with isolate, diagnose, restart, verify, rejoin', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name));
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-recovered', handle);
      return res;
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin']);
    assert.equal(fleet.isolated.size, 0, 'the backend is back in rotation');
    const succeeded = entriesOf(result, 'step-succeeded').map((e) => e.step);
    assert.deepEqual(succeeded, [
      'isolate checkout-api-1',
      'diagnose checkout-api-1',
      'restart checkout-api-1 (first attempt)',
      'verify checkout-api-1 after restart',
      'rejoin checkout-api-1',
    ]);
    for (const entry of entriesOf(result, 'step-succeeded')) {
      assert.equal(entry.attempt, 1);
      assert.ok(typeof entry.durationMs === 'number' && entry.durationMs >= 0);
    }
  });

  it('rolls back when a restart does not help, and recovers on the old version', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy', 'healthy'] });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name));
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-rolled-back', handle);
      return res;
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rollback', 'restart', 'verify', 'rejoin']);
    assert.equal(fleet.version, 'v1', 'the rollback stays: it is the fix');
    assert.equal(fleet.isolated.size, 0);
    const rollback = entriesOf(result, 'step-succeeded').find((e) => e.step === 'roll back checkout-api-1');
    assert.match(rollback?.message ?? '', /v2 -> v1/);
  });

  it('escalates when neither restart nor rollback helps, and keeps the backend out of rotation', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy'] });
    const route = testRoute({ params: { ackTimeout: '1 minute', humanHold: '2 seconds' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      await eventually('the escalation to wait for an ack', async () =>
        (await handle.query(stateQuery)).awaitingAck ? true : undefined,
      );
      assert.equal((await handle.query(stateQuery)).status, 'awaiting-human');
      const acked = await act(handle, ackUpdate, 'alice', 'looking at it');
      assert.equal(acked.status, 'escalated');
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-escalated', handle);
      return res;
    });
    assert.equal(result.outcome, 'escalated');
    assert.deepEqual(fleet.order, [
      'isolate', 'diagnose', 'restart', 'verify', 'rollback', 'restart', 'verify', 'escalate', 'escalate',
    ]);
    assert.deepEqual(
      fleet.calls.filter((c) => c.activity === 'escalate').map((c) => c.event),
      ['trigger', 'acknowledge'],
      'the page is acknowledged when a human acks; it is not resolved while the backend is still broken',
    );
    assert.ok(fleet.isolated.has('checkout-api-1'), 'a still-broken backend is not put back into rotation');
    const ack = entriesOf(result, 'acked')[0];
    assert.equal(ack?.actor, 'alice');
    const left = entriesOf(result, 'note').find((e) => e.message.startsWith('left in place'));
    assert.deepEqual(left?.data?.['leftInPlace'], ['roll checkout-api-1 forward to v2', 'rejoin checkout-api-1']);
  });

  it('in a dry run records every step it would take and calls no activity', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), testRoute({ dryRun: true, params: { approveRestart: true } }));
      return handle.result();
    });
    assert.equal(result.outcome, 'recovered');
    assert.equal(result.dryRun, true);
    assert.deepEqual(fleet.calls, [], 'no side effect at all');
    const wouldDo = entriesOf(result, 'step-dry-run').map((e) => e.message);
    assert.equal(wouldDo.length, 6);
    assert.match(wouldDo[0] ?? '', /would run isolate checkout-api-1/);
    assert.match(wouldDo[2] ?? '', /would wait up to .* for approval: restart checkout-api-1\?/);
    assert.equal(entriesOf(result, 'step-started').length, 0);
  });
});
