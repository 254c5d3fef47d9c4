import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { abortUpdate, stateQuery, timelineQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

describe('escalation and settling', () => {
  it('a page that cannot be delivered holds the incident without undoing anything', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ verify: ['unhealthy'], escalate: ['fatal'] });
    const route = testRoute({ params: { ackTimeout: '1 second', humanHold: '2 seconds' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      await eventually('the incident to wait for a human', async () => ((await handle.query(stateQuery)).status === 'awaiting-human' ? true : undefined));
      return handle.result();
    });
    assert.equal(result.outcome, 'escalated');
    assert.ok(!fleet.order.includes('rejoin'), 'the broken backend is not put back into rotation');
    assert.ok(!fleet.order.includes('rollforward'), 'the broken release is not rolled forward');
    assert.ok(fleet.isolated.has('checkout-api-1'));
    assert.ok(entriesOf(result, 'note').some((e) => /^PAGE NOT DELIVERED: /.test(e.message)));
    assert.equal(entriesOf(result, 'compensation-started').length, 0);
  });

  it('a recovered incident stays open until its alert clears, and repeats join it', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const route = testRoute({ params: { settleFor: '5 minutes' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name, { id: `${name}-1` }), route);
      await eventually('the recovery', async () => ((await handle.query(stateQuery)).status === 'recovered' ? true : undefined));
      const firstRun = (await handle.describe()).runId;
      await openIncident(name, testSignal(name, { id: `${name}-2` }), route); // Alertmanager's repeat, alert not cleared yet
      await eventually('the repeat counted', async () => ((await handle.query(stateQuery)).repeats.firing === 2 ? true : undefined));
      assert.equal((await handle.describe()).runId, firstRun, 'the repeat joined; no second run');
      await openIncident(name, testSignal(name, { id: `${name}-3`, status: 'resolved' }), route);
      const res = await handle.result();
      await saveHistoryFixture('http-service-outage-settled', handle);
      return res;
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'the playbook ran once');
    assert.equal(entriesOf(result, 'resolved').length, 1);
  });

  it('an abort in the settle window closes a recovered incident at once, as recovered', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), testRoute({ params: { settleFor: '1 hour' } }));
      await eventually('the recovery', async () => ((await handle.query(stateQuery)).status === 'recovered' ? true : undefined));
      const state = await act(handle, abortUpdate, 'pat', 'the alert is stale');
      assert.equal(state.status, 'recovered', 'the abort answers once the incident closed');
      return handle.result();
    });
    assert.equal(result.outcome, 'recovered');
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'nothing was undone');
    assert.ok(entriesOf(result, 'note').some((e) => e.message === 'pat closed the settle window; the recovery stands'));
  });

  it('a resolution that arrives while a failed playbook is being undone closes the incident as resolved', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet({ restart: ['fatal'], rejoin: ['slow'] });
    const route = testRoute({ params: { humanHold: '10 minutes' } });
    const result = await withWorker(name, fleet.activities, async () => {
      const handle = await openIncident(name, testSignal(name), route);
      await eventually('the undo to start', async () =>
        (await handle.query(timelineQuery)).some((e) => e.kind === 'compensation-started') ? true : undefined,
      );
      await openIncident(name, testSignal(name, { status: 'resolved', id: `${name}-resolved` }), route);
      return handle.result();
    });
    assert.equal(result.outcome, 'resolved', 'no 10-minute hold for an alert that already cleared');
    assert.deepEqual(fleet.calls.filter((c) => c.activity === 'escalate').map((c) => c.event), ['trigger', 'resolve']);
  });
});
