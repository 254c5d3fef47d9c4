import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import proto from '@temporalio/proto';
import { reported } from '../helpers/chaos-summary.js';
import { openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import type { LongRunning } from '../helpers/processes.js';
import { killHard, readCalls, startRecordingWorker } from '../helpers/recording-worker.js';
import { closeTestTemporal, eventually, historyEventTypes, uniqueName } from '../helpers/temporal.js';

// A worker process dies with SIGKILL in the middle of a step (no shutdown, no goodbye to the
// server). Temporal notices when the step's heartbeats stop (http-service-outage: 30 s), the
// step runner retries it, and a new worker process takes the incident from where it was.

const dir = mkdtempSync(join(tmpdir(), 'medic-worker-crash-'));
const workers: LongRunning[] = [];
after(async () => {
  for (const w of workers) await w.stop(5_000).catch(() => undefined);
  await closeTestTemporal();
  rmSync(dir, { recursive: true, force: true });
});

const address = (): string => {
  const a = process.env['MEDIC_TEST_TEMPORAL_ADDRESS'];
  assert.ok(a, 'run with scripts/run-tests.ts');
  return a;
};

describe('worker crash', () => {
  it('a worker SIGKILLed during a restart: a new worker retries that step, no completed step runs again, and the incident recovers', (t) => reported(t, 'worker SIGKILL mid-step', async (report) => {
    const name = uniqueName(t.name);
    const callsFile = join(dir, `${name}.jsonl`);
    const target = 'checkout-api-1';

    // The first worker's restart takes a minute (heartbeating), so the kill lands inside it.
    const first = await startRecordingWorker({ address: address(), taskQueue: name, callsFile, name: 'first', slow: { restart: 60_000 } });
    workers.push(first);
    const handle = await openIncident(name, testSignal(name), testRoute({ target }));
    await eventually('the restart to be running on the first worker', async () =>
      readCalls(callsFile).some((c) => c.activity === 'restart' && c.phase === 'start') ? true : undefined,
    30_000);
    await killHard(first);
    const killedAt = Date.now();
    assert.equal(first.child.signalCode, 'SIGKILL', 'the first worker died of the SIGKILL');
    const kill = report.injected(`worker process ${first.child.pid ?? '?'} killed by SIGKILL during the restart`);
    report.expectIncidents(1);

    const second = await startRecordingWorker({ address: address(), taskQueue: name, callsFile, name: 'second' });
    workers.push(second);
    const done = await report.completion(handle, 120_000);
    assert.equal(done.status, 'COMPLETED', 'the incident finished within 2 minutes of the crash');
    const result = done.result;
    assert.ok(result !== undefined);
    report.survived(kill, result.outcome === 'recovered');
    t.diagnostic(`${result.outcome} ${Math.round((Date.now() - killedAt) / 1000)} s after the SIGKILL`);
    assert.equal(result.outcome, 'recovered');

    // What ran where: steps finished before the crash ran once, on the first worker.
    const calls = readCalls(callsFile);
    const starts = (activity: string) => calls.filter((c) => c.activity === activity && c.phase === 'start').map((c) => c.worker);
    const dones = (activity: string) => calls.filter((c) => c.activity === activity && c.phase === 'done').map((c) => c.worker);
    assert.deepEqual(starts('isolate'), ['first'], 'isolate completed before the crash and never ran again');
    assert.deepEqual(dones('isolate'), ['first']);
    assert.deepEqual(starts('diagnose'), ['first'], 'diagnose completed before the crash and never ran again');
    assert.deepEqual(starts('restart'), ['first', 'second'], 'the interrupted restart ran again, on the new worker');
    assert.deepEqual(dones('restart'), ['second'], 'the killed attempt never finished');
    assert.deepEqual(starts('verify'), ['second']);
    assert.deepEqual(starts('rejoin'), ['second']);

    // The timeline tells the story: attempt 1 timed out on its heartbeat, attempt 2 succeeded.
    const restart = result.timeline.filter((e) => e.step === `restart ${target} (first attempt)`);
    assert.deepEqual(restart.map((e) => [e.kind, e.attempt]), [
      ['step-started', 1],
      ['step-failed', 1],
      ['step-started', 2],
      ['step-succeeded', 2],
    ]);
    const failed = restart[1];
    assert.equal(failed?.data?.['errorType'], 'Timeout');
    assert.match(failed?.message ?? '', /HEARTBEAT/);
    assert.equal(failed?.data?.['final'], false);
    const once = (step: string) => result.timeline.filter((e) => e.kind === 'step-started' && e.step === step).length;
    assert.equal(once(`isolate ${target}`), 1);
    assert.equal(once(`diagnose ${target}`), 1);
    const types = await historyEventTypes(handle);
    assert.ok(types.includes(String(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT)), 'the history records the timed-out attempt');
  }));
});
