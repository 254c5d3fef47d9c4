import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { approveUpdate, retryUpdate, stateQuery, timelineQuery } from '../../workflows/definitions.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { GuardState } from '../../workflows/guards/guard-state.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { runMedic } from '../helpers/processes.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';
import { guardStateQuery, guardWorkflowId } from '../../workflows/guards/definitions.js';

after(closeTestTemporal);

/** Bounded: a test never hangs the run. */
const within = <T>(promise: Promise<T>, ms = 60_000): Promise<T> =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no result within ${ms} ms`)), ms).unref())]);

describe('medic pause, resume and guards', () => {
  it('pause holds a running incident before its next change, guards shows who paused and who holds what, resume lets it finish', async (t) => {
    const name = uniqueName(t.name);
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: name };
    const fleet = new FakeFleet();

    const fresh = await runMedic(['guards'], env);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stdout, /no guard state yet/);

    await withWorker(name, fleet.activities, async () => {
      const route = testRoute({ target: 'svc-1', params: { approveRestart: true, approvalTimeout: '10 minutes' } });
      const incident = await openIncident(name, testSignal(name), route);
      await eventually('the approval gate', async () => ((await incident.query(stateQuery)).pendingApproval !== undefined ? true : undefined));

      const paused = await runMedic(['pause', '--by', 'ops-lead', '--reason', 'bad deploy rolling out'], env);
      assert.equal(paused.code, 0, paused.stderr);
      assert.match(paused.stdout, new RegExp(`medic is paused \\(task queue ${name}\\)`));

      const shown = await runMedic(['guards'], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, /^PAUSED by ops-lead at \S+: bad deploy rolling out$/m);
      assert.match(shown.stdout, new RegExp(`^target svc-1: ${incident.workflowId}$`, 'm'));
      const json = JSON.parse((await runMedic(['guards', '--json'], env)).stdout) as GuardState;
      assert.equal(json.paused?.by, 'ops-lead');
      assert.equal(json.holders['svc-1'], incident.workflowId);

      await act(incident, approveUpdate, 'kim', 'go');
      await eventually('the incident to hold before restarting', async () =>
        (await incident.query(timelineQuery)).some((e) => e.message === 'held before restart: medic is paused (medic resume lifts it)') ? true : undefined,
      );
      assert.ok(!fleet.order.includes('restart'), 'nothing restarted while paused');
      const timeline = await incident.query(timelineQuery);
      assert.ok(timeline.some((e) => e.message === 'medic is paused by ops-lead: bad deploy rolling out' && e.actor === 'ops-lead'), 'who and why are in the timeline');

      const resumed = await runMedic(['resume', '--by', 'ops-lead', '--reason', 'deploy rolled back'], env);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.match(resumed.stdout, /^medic resumed$/m);
      assert.equal((await incident.result()).outcome, 'recovered');
      assert.match((await runMedic(['guards'], env)).stdout, /^running \(not paused\)$/m);
    });
  });

  it('pause without who or why is refused as a usage error and changes nothing', async (t) => {
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: uniqueName(t.name) };
    const missing = await runMedic(['pause', '--by', 'ops-lead'], env);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--reason/);
    const blank = await runMedic(['pause', '--by', '  ', '--reason', 'x'], env);
    assert.equal(blank.code, 2);
    assert.match(blank.stderr, /--by must not be empty/);
    const after = await runMedic(['guards'], env);
    assert.match(after.stdout, /no guard state yet/, 'nothing was started');
  });

  it('rejoined frees the pool slot of a member a human put back by hand, and refuses one that is not out', async (t) => {
    const name = uniqueName(t.name);
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: name };
    const fleet = new FakeFleet();
    // No automated restart allowed: the incident isolates web-1, is refused the restart, escalates
    // and leaves web-1 out of rotation for a human.
    const guards = {
      guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } }, restartBudget: { max: 0 } }),
      targets: { 'web-1': { pool: 'web' }, 'web-2': { pool: 'web' } },
    };
    // The guard answers queries and updates through a worker, as in production.
    await withWorker(
      name,
      fleet.activities,
      async () => {
        const incident = await openIncident(name, testSignal(name), testRoute({ target: 'web-1', params: { ackTimeout: '1 second', humanHold: '1 second' } }));
        assert.equal((await incident.result()).outcome, 'escalated');
        assert.ok(fleet.isolated.has('web-1'), 'left out of rotation');
        const shown = await runMedic(['guards'], env);
        assert.match(shown.stdout, /^pool web: out of rotation: web-1 \(put back by hand\? `medic rejoined <member>`\)$/m, shown.stderr);

        const rejoined = await runMedic(['rejoined', 'web-1', '--by', 'sre-on-call', '--reason', 'restarted by hand, back in haproxy'], env);
        assert.equal(rejoined.code, 0, rejoined.stderr);
        assert.match(rejoined.stdout, /^web-1 counts as back in rotation in pool web; still out: none$/m);
        const { client } = await testTemporal();
        assert.deepEqual((await client.workflow.getHandle(guardWorkflowId(name)).query(guardStateQuery)).isolated, {});

        const again = await runMedic(['rejoined', 'web-1', '--by', 'sre-on-call', '--reason', 'twice'], env);
        assert.equal(again.code, 4);
        assert.match(again.stderr, /web-1 is not out of rotation as far as the guards know/);
        const blank = await runMedic(['rejoined', 'web-1', '--by', 'sre-on-call', '--reason', ' '], env);
        assert.equal(blank.code, 2);
        await saveHistoryFixture('guard-workflow-member-rejoined', client.workflow.getHandle(guardWorkflowId(name)));
      },
      { guards },
    );
  });

  it('guards adopt-config makes the guards run with the configuration file\'s limits, on the record, and a worker running them is no longer refused', async (t) => {
    const name = uniqueName(t.name);
    // MEDIC_CONFIG empty: the documented example (web pool, at most 1 out; 3 restarts an hour).
    const env = { TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '', MEDIC_TASK_QUEUE: name, MEDIC_CONFIG: '' };
    const example = loadConfig();
    const older = { guards: GuardsSchema.parse({ restartBudget: { max: 1, window: '10 minutes' } }), targets: example.targets };
    // billing is in no pool: it is the restart budget, and the limits as a whole, that differ.
    const route = testRoute({ target: 'billing', params: { ackTimeout: '10 minutes', humanHold: '10 minutes' } });
    await withWorker(name, new FakeFleet().activities, async () => {
      const first = await openIncident(name, testSignal(`${name}-a`), route);
      assert.equal((await within(first.result())).outcome, 'recovered', 'the first worker pins its own limits');
      const shown = await runMedic(['guards'], env);
      assert.match(shown.stdout, /^limits [0-9a-f]{14}, pinned by medic worker on .+: the first guard request of this worker$/m, shown.stderr);
    }, { guards: older });

    const fleet = new FakeFleet();
    await withWorker(name, fleet.activities, async () => {
      const refused = await openIncident(name, testSignal(`${name}-b`), route);
      await eventually('the new worker to be refused', async () => ((await refused.query(stateQuery)).awaitingAck ? true : undefined));
      assert.ok(!fleet.calls.some((c) => c.activity === 'isolate'), 'refused before any change');

      const blank = await runMedic(['guards', 'adopt-config', '--by', 'ops-lead', '--reason', ' '], env);
      assert.equal(blank.code, 2, 'who and why are required');
      const adopted = await runMedic(['guards', 'adopt-config', '--by', 'ops-lead', '--reason', 'rolled out the new budget'], env);
      assert.equal(adopted.code, 0, adopted.stderr);
      assert.match(adopted.stdout, /^the guards now run with limits [0-9a-f]{14} /m);
      assert.match(adopted.stdout, /^ {2}restartBudget\.max: now 3, before 1$/m);
      assert.match(adopted.stdout, /^ {2}restartBudget\.window: now 3600000 ms, before 600000 ms$/m);
      const again = await runMedic(['guards', 'adopt-config', '--by', 'ops-lead', '--reason', 'twice'], env);
      assert.match(again.stdout, /^the guards already run with these limits/m);
      assert.match((await runMedic(['guards'], env)).stdout, /^limits [0-9a-f]{14}, pinned by ops-lead at \S+: rolled out the new budget$/m);

      await act(refused, retryUpdate, 'ops-lead', 'limits adopted');
      assert.equal((await within(refused.result())).outcome, 'recovered', 'runs under the adopted limits');
    }, { guards: { guards: example.guards, targets: example.targets } });
  });
});
