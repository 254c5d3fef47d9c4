import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { IncidentResult } from '../../workflows/definitions.js';
import { reported, type ChaosReport, type Fault } from '../helpers/chaos-summary.js';
import { FakeFleet } from '../helpers/fake-fleet.js';
import { entriesOf, openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { Stalls } from '../helpers/activity-faults.js';
import { closeTestTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

// A target that hangs: the driver's call never returns and it stops heartbeating. Only the
// step's heartbeat timeout (http-service-outage: 30 s for isolate, restart, verify) can notice.
// The step then does what its retry policy says, and a failed playbook is undone.

after(closeTestTemporal);

const TARGET = 'checkout-api-1';
const RESTART_STEP = `restart ${TARGET} (first attempt)`;
const quickHold = testRoute({ target: TARGET, params: { ackTimeout: '1 second', humanHold: '1 second' } });

/** Run one incident with hanging calls; each call that really hung is a fault in the report. */
async function runWithStalls(
  report: ChaosReport,
  name: string,
  fleet: FakeFleet,
  stalls: Stalls,
  plan: Parameters<Stalls['wrap']>[1],
): Promise<{ result: IncidentResult; hangs: Fault[] }> {
  try {
    return await withWorker(name, stalls.wrap(fleet.activities, plan), async () => {
      const handle = await openIncident(name, testSignal(name), quickHold);
      report.expectIncidents(1);
      try {
        const done = await report.completion(handle, 120_000);
        const hangs = stalls.stalled.map((s) => report.injected(`${s.activity} call ${s.call} hung without heartbeating`));
        assert.equal(done.status, 'COMPLETED', 'the incident ended within 2 minutes');
        assert.ok(done.result !== undefined);
        return { result: done.result, hangs };
      } finally {
        // The worker's shutdown waits for running activities: let the stuck call end first.
        stalls.release();
      }
    });
  } finally {
    stalls.release();
  }
}

function heartbeatTimeouts(result: IncidentResult, step: string) {
  return entriesOf(result, 'step-failed').filter((e) => e.step === step && e.data?.['errorType'] === 'Timeout' && /HEARTBEAT/.test(e.message));
}

describe('a hanging target', { concurrency: true }, () => {
  it('the heartbeat timeout fires and the retried step recovers the incident', (t) => reported(t, 'hanging target: heartbeat timeout, retry', async (report) => {
    const name = uniqueName(t.name);
    const fleet = new FakeFleet();
    const stalls = new Stalls();
    const { result, hangs } = await runWithStalls(report, name, fleet, stalls, { restart: [1] });
    for (const hang of hangs) report.survived(hang, result.outcome === 'recovered' && fleet.isolated.size === 0);
    assert.equal(result.outcome, 'recovered');
    assert.equal(stalls.stalled.length, 1, 'the first restart hung');
    const restart = result.timeline.filter((e) => e.step === RESTART_STEP);
    assert.deepEqual(restart.map((e) => [e.kind, e.attempt]), [
      ['step-started', 1],
      ['step-failed', 1],
      ['step-started', 2],
      ['step-succeeded', 2],
    ]);
    assert.equal(heartbeatTimeouts(result, RESTART_STEP).length, 1, 'attempt 1 ended by its heartbeat timeout');
    const waited = (restart[1]?.durationMs ?? 0) / 1000;
    assert.ok(waited >= 29 && waited < 45, `the hang was noticed after the 30 s heartbeat timeout (${waited} s), not the 3 minute step timeout`);
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin'], 'the hung call never reached the fleet; the retry did');
    assert.equal(fleet.isolated.size, 0, 'back in rotation');
  }));

  it('a step that hangs and then fails for good stops as its policy says, and the undo verifies the target before putting it back', (t) => reported(t, 'hanging target: heartbeat timeout, compensation', async (report) => {
    const name = uniqueName(t.name);
    // After the hang, the restart is refused for good (non-retryable): the policy stops the step at once.
    const fleet = new FakeFleet({ restart: ['fatal'] });
    const stalls = new Stalls();
    const { result, hangs } = await runWithStalls(report, name, fleet, stalls, { restart: [1] });
    // Survived here means handled safely: the playbook failed as its policy says, and the target is back.
    for (const hang of hangs) report.survived(hang, result.outcome === 'failed' && fleet.isolated.size === 0);
    assert.equal(result.outcome, 'failed');
    assert.equal(heartbeatTimeouts(result, RESTART_STEP).length, 1);
    const failures = entriesOf(result, 'step-failed').filter((e) => e.step === RESTART_STEP);
    assert.deepEqual(failures.map((e) => [e.attempt, e.data?.['errorType'], e.data?.['final']]), [
      [1, 'Timeout', false],
      [2, 'UnknownTarget', true],
    ]);
    assert.deepEqual(entriesOf(result, 'compensation-succeeded').map((e) => e.step), [`rejoin ${TARGET}`], 'isolation undone');
    // The failed restart may have half-happened: the undo verifies before it rejoins; the page is closed with the incident.
    assert.deepEqual(fleet.order, ['isolate', 'diagnose', 'restart', 'verify', 'rejoin', 'escalate', 'escalate'], 'undone safely, then a human is told');
    assert.equal(fleet.isolated.size, 0, 'back in rotation');
  }));
});
