import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { abortUpdate, stateQuery } from '../../workflows/definitions.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { act, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { freePort, startMedic, type LongRunning } from '../helpers/processes.js';
import { closeTestTemporal, eventually, uniqueName, withWorker } from '../helpers/temporal.js';

// The intake's /metrics tells Prometheus what only Temporal knows about medic: incidents waiting
// for a human and for how long, and whether the guard workflow answers. The alerting rules in
// monitoring/ page on these.

let intake: LongRunning | undefined;
after(async () => {
  await intake?.stop(10_000);
  await closeTestTemporal();
});

/** One gauge's value from the exposition text, or undefined when the series is absent. */
function gauge(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('medic intake /metrics about medic itself', () => {
  it('counts incidents awaiting a human with the longest wait, and notices when the guard stops answering', async (t) => {
    const name = uniqueName(t.name);
    const port = await freePort();
    intake = startMedic(['intake', '--port', String(port)], {
      TEMPORAL_ADDRESS: process.env['MEDIC_TEST_TEMPORAL_ADDRESS'] ?? '',
      MEDIC_TASK_QUEUE: name,
      MEDIC_CONFIG: '',
      MEDIC_INTAKE_TOKEN: '',
      MEDIC_INTAKE_HMAC_SECRET: '',
    });
    await intake.waitFor(/intake ready/);
    const scrape = async () => (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(15_000) })).text();

    const quiet = await scrape();
    assert.equal(gauge(quiet, 'medic_temporal_reachable'), 1);
    assert.equal(gauge(quiet, 'medic_incidents_open{status="awaiting-human"}'), 0);
    assert.equal(gauge(quiet, 'medic_guard_answering'), 1, 'no guard yet: nothing waits on it');

    const fleet = new FakeFleet();
    const handle = await withWorker(name, fleet.activities, async () => {
      const h = await openIncident(name, testSignal(name, { service: `svc-${name}` }), testRoute({ playbook: 'diagnose-and-escalate', params: { ackTimeout: '1 hour' } }));
      await eventually('the escalation', async () => ((await h.query(stateQuery)).awaitingAck ? true : undefined));
      const waiting = await eventually('the waiting incident in /metrics', async () => {
        const text = await scrape();
        return gauge(text, 'medic_incidents_open{status="awaiting-human"}') === 1 ? text : undefined;
      });
      assert.ok((gauge(waiting, 'medic_incidents_awaiting_human_oldest_seconds') ?? 0) > 0, 'the wait is timed');
      assert.equal(gauge(waiting, 'medic_guard_answering'), 1, 'the guard answers while a worker runs');
      assert.equal(gauge(waiting, 'medic_guard_paused'), 0);
      return h;
    });

    // No worker polls the task queue any more: the guard cannot answer.
    const silent = await eventually('the guard to stop answering', async () => {
      const text = await scrape();
      return gauge(text, 'medic_guard_answering') === 0 ? text : undefined;
    }, 30_000);
    assert.equal(gauge(silent, 'medic_temporal_reachable'), 1, 'Temporal itself still answers');

    await withWorker(name, fleet.activities, async () => {
      await act(handle, abortUpdate, 'test', 'done');
      await handle.result();
    });
  });
});
