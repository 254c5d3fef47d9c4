import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deliverResolved, deliverSignal } from '../../src/incidents/open-incident.js';
import { parseAssumptions } from '../../src/incidents/dry-run-assumptions.js';
import { findPlaybook } from '../../playbooks/index.js';
import { stateQuery, type IncidentResult } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { entriesOf, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// Dry runs that show every branch (issue 14, item 7): outcomes assumed per activity reach the
// branches a default dry run never takes, and a dry-run incident settles like a real one.

after(closeTestTemporal);

const outage = findPlaybook('http-service-outage');

describe('dry run', () => {
  it('assumed outcomes walk the rollback branch and the escalation, calling nothing', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const assume = parseAssumptions(['verify=unhealthy'], outage);
    const result = await withWorker(name, fleet.activities, async () => {
      const { client } = await testTemporal();
      const route = { ...testRoute({ dryRun: true }), assume };
      const delivery = await deliverSignal(client, testSignal(name), route, { taskQueue: name });
      return (await client.workflow.getHandle(delivery.incidentId).result()) as IncidentResult;
    });
    assert.deepEqual(fleet.calls, [], 'no side effect at all');
    const wouldDo = entriesOf(result, 'step-dry-run').map((e) => e.message);
    assert.deepEqual(
      wouldDo.map((m) => m.replace(/ \(.*$/, '')),
      [
        'would run isolate checkout-api-1',
        'would run diagnose checkout-api-1',
        'would run restart checkout-api-1',
        'would run verify checkout-api-1 after restart',
        'would run roll back checkout-api-1',
        'would run restart checkout-api-1',
        'would run verify checkout-api-1 after rollback',
        'would run escalate',
      ],
      wouldDo.join('\n'),
    );
    assert.match(wouldDo[3] ?? '', /assumed unhealthy$/);
    assert.equal(result.outcome, 'escalated', 'what a real run would have ended as');
  });

  it('an approval assumed timed out takes the playbook\'s no-approval branch', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const assume = parseAssumptions(['approval=timed-out'], outage);
    const result = await withWorker(name, fleet.activities, async () => {
      const { client } = await testTemporal();
      const route = { ...testRoute({ dryRun: true, params: { approveRestart: true } }), assume };
      const delivery = await deliverSignal(client, testSignal(name), route, { taskQueue: name });
      return (await client.workflow.getHandle(delivery.incidentId).result()) as IncidentResult;
    });
    const wouldDo = entriesOf(result, 'step-dry-run').map((e) => e.message);
    assert.match(wouldDo[2] ?? '', /for approval: restart checkout-api-1\? \(assumed timed-out\)/);
    assert.ok(!wouldDo.some((m) => m.startsWith('would run restart')), 'no restart without an approval');
    assert.ok(result.timeline.some((e) => e.kind === 'escalated' && /nobody approved restarting/.test(e.message)));
    assert.equal(result.outcome, 'escalated');
  });

  it('a dry-run incident settles like a real one: a repeat in the window joins it, no new run', async (t) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const result = await withWorker(name, fleet.activities, async () => {
      const { client } = await testTemporal();
      const route = testRoute({ dryRun: true, params: { settleFor: '10 minutes' } });
      const first = await deliverSignal(client, testSignal(name, { id: `${name}-1` }), route, { taskQueue: name });
      const handle = client.workflow.getHandle(first.incidentId);
      await eventually('the dry run to settle', async () => ((await handle.query(stateQuery)).status === 'recovered' ? true : undefined));
      const repeat = await deliverSignal(client, testSignal(name, { id: `${name}-2` }), route, { taskQueue: name });
      assert.equal(repeat.kind === 'incident' && repeat.opened, false, 'the repeat joined the settling dry run');
      assert.equal(repeat.kind === 'incident' && repeat.runId, first.kind === 'incident' && first.runId, 'the same run');
      await deliverResolved(client, testSignal(name, { id: `${name}-3`, status: 'resolved' }));
      return (await handle.result()) as IncidentResult;
    });
    assert.equal(result.outcome, 'recovered');
    assert.equal(result.signals, 3);
    assert.deepEqual(fleet.calls, []);
  });

  it('an assumption that cannot hold is refused, naming the activity and what it can be', () => {
    assert.throws(() => parseAssumptions(['frobnicate=ok'], outage), /http-service-outage calls no activity "frobnicate" \(it calls isolate, diagnose, restart, verify, rollback, rejoin, escalate/);
    assert.throws(() => parseAssumptions(['restart=unhealthy'], outage), /only a check \(a verifies activity\) is healthy or unhealthy; restart can be ok or fail/);
    assert.throws(() => parseAssumptions(['approval=ok'], outage), /an approval is assumed "approved" or "timed-out"/);
    assert.throws(() => parseAssumptions(['verify'], outage), /expected activity=outcome/);
    assert.deepEqual(parseAssumptions(['verify=unhealthy,healthy', 'restart=fail'], outage), { verify: ['unhealthy', 'healthy'], restart: ['fail'] });
  });
});
