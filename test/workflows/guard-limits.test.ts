import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { retryUpdate, stateQuery, timelineQuery } from '../../workflows/definitions.js';
import { guardStateQuery, guardWorkflowId } from '../../workflows/guards/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { saveHistoryFixture } from '../helpers/fixtures.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { closeTestTemporal, eventually, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const pool = { 'web-1': { pool: 'web' }, 'web-2': { pool: 'web' }, 'web-3': { pool: 'web' } };
const quick = { ackTimeout: '10 minutes', humanHold: '10 minutes' };

describe('limits owned by the guards', () => {
  it('a worker whose guard limits differ from the pinned ones is refused, naming each difference, and its incident escalates changing nothing', async (t) => {
    const name = uniqueName(t.name);
    // Worker A: at most 1 of the pool out, 1 restart an hour. Its first guarded ask pins these.
    const a = { guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } }, restartBudget: { max: 1, window: '1 hour' } }), targets: pool };
    // Worker B: a looser pool limit and a shorter budget window, as a worker with an older config.
    const b = { guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 2 } }, restartBudget: { max: 3, window: '1 minute' } }), targets: pool };
    const fleetA = new FakeFleet();
    await withWorker(
      name,
      fleetA.activities,
      async () => {
        const first = await openIncident(name, testSignal(`${name}-a`), testRoute({ target: 'web-1' }));
        assert.equal((await first.result()).outcome, 'recovered');
      },
      { guards: a },
    );
    const { client } = await testTemporal();
    const guard = client.workflow.getHandle(guardWorkflowId(name));

    const fleetB = new FakeFleet();
    await withWorker(
      name,
      fleetB.activities,
      async () => {
        assert.equal((await guard.query(guardStateQuery)).limits?.limits.restartBudget.max, 1, "the first worker's limits are pinned");
        const second = await openIncident(name, testSignal(`${name}-b`), testRoute({ target: 'web-1', params: quick }));
        await eventually('the second incident to escalate', async () => ((await second.query(stateQuery)).awaitingAck ? true : undefined));
        const notes = (await second.query(timelineQuery)).map((e) => e.message);
        const refusal = notes.find((m) => m.startsWith('a guard refused: guard configuration differs'));
        assert.ok(refusal !== undefined, notes.join('\n'));
        assert.match(refusal, /pools\.web\.maxIsolated: this worker 2, the guards 1/);
        assert.match(refusal, /restartBudget\.max: this worker 3, the guards 1/);
        assert.match(refusal, /restartBudget\.window: this worker 60000 ms, the guards 3600000 ms/);
        assert.match(refusal, /To fix: roll the same guards and targets configuration out to every worker, or adopt this one on purpose with `medic guards adopt-config/);
        assert.deepEqual(
          fleetB.calls.map((c) => c.activity),
          ['escalate'],
          'nothing was done to web-1 under the other limits; a human was paged',
        );
        const state = await guard.query(guardStateQuery);
        assert.deepEqual(state.restarts['web-1']?.length, 1, 'the shorter window did not trim the restart history');
        await saveHistoryFixture('http-service-outage-limits-refused', second);

        // Still refused on retry: a retry is not a way around the pinned limits.
        await act(second, retryUpdate, 'ivy', 'try again');
        await eventually('the retry to be refused too', async () =>
          (await second.query(timelineQuery)).filter((e) => e.message.startsWith('a guard refused: guard configuration differs')).length === 2 ? true : undefined,
        );
        assert.ok(!fleetB.calls.some((c) => c.activity === 'isolate'), 'never isolated under its own limits');
      },
      { guards: b },
    );
  });
  it('a guard workflow replaced after this worker pinned its limits (terminated, reset) is offered them again: the next isolation is asked, not refused', async (t) => {
    const name = uniqueName(t.name);
    const limits = { guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } } }), targets: pool };
    const fleet = new FakeFleet();
    const { client } = await testTemporal();
    const guard = client.workflow.getHandle(guardWorkflowId(name));
    await withWorker(
      name,
      fleet.activities,
      async () => {
        const first = await openIncident(name, testSignal(`${name}-a`), testRoute({ target: 'web-1' }));
        assert.equal((await first.result()).outcome, 'recovered');
        assert.ok((await guard.query(guardStateQuery)).limits !== null, 'the first isolation pinned this worker\'s limits');
        // An operator terminates the guard workflow; the next request starts a new one, with no limits.
        await guard.terminate('replaced by hand');
        const second = await openIncident(name, testSignal(`${name}-b`), testRoute({ target: 'web-2', params: quick }));
        // Bounded: refused, the incident would wait for an ack instead of ending.
        const result = await Promise.race([
          second.result(),
          new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the second incident did not end within 60 s: its isolation was refused, not asked')), 60_000)),
        ]);
        const notes = result.timeline.map((e) => e.message);
        assert.equal(result.outcome, 'recovered', notes.join('\n'));
        assert.ok(notes.includes('the guards had no limits pinned (a new guard workflow): this worker offers its limits again and asks once more'), notes.join('\n'));
        assert.equal(fleet.calls.filter((c) => c.activity === 'isolate' && c.target === 'web-2').length, 1, 'web-2 was isolated under the guards, not refused');
        assert.ok((await guard.query(guardStateQuery)).limits !== null, 'the new guard workflow holds the limits again');
      },
      { guards: limits },
    );
  });
});
