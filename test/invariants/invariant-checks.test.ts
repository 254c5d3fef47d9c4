import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TimelineEntry } from '../../workflows/definitions.js';
import * as checks from './invariant-checks.js';
import type { CallRecord, RunRecord, ScenarioRecord } from './scenario-record.js';

// Each checker on hand-made records: one that keeps the promise, one that breaks it.
// A checker that cannot fail would prove nothing about the engine.

let nextId = 0;
function call(activity: CallRecord['activity'], start: number, end: number, extra: Partial<CallRecord> = {}): CallRecord {
  nextId += 1;
  return { id: nextId, activity, target: 'web-1', incidentId: 'incident-a', start, end, outcome: 'ok', atMs: start * 1_000, ...extra };
}

function entry(kind: TimelineEntry['kind'], data?: TimelineEntry['data']): TimelineEntry {
  return { seq: 0, at: '2026-01-01T00:00:00Z', kind, actor: 'medic', message: 'wording is never read', ...(data && { data }) };
}

function run(extra: Partial<RunRecord> = {}, timeline: TimelineEntry[] = [entry('outcome')]): RunRecord {
  return {
    incidentId: 'incident-a',
    runId: 'run-a-0000',
    playbook: 'http-service-outage',
    target: 'web-1',
    openedAt: 0,
    signalIds: ['s1'],
    status: 'COMPLETED',
    result: { incidentId: 'incident-a', fingerprint: 'a', playbook: 'http-service-outage', target: 'web-1', dryRun: false, outcome: 'recovered', signals: 1, timeline },
    ...extra,
  };
}

function record(extra: Partial<ScenarioRecord>): ScenarioRecord {
  return { calls: [], runs: [run()], pauses: [], pools: {}, restartBudget: { max: 3, windowMs: 3_600_000 }, isolatedAtEnd: [], ...extra };
}

const broken = (r: ReturnType<typeof checks.checkAll>) => r.violations.map((v) => v.invariant);

describe('invariant checkers', () => {
  it('signals are recorded: fails when a run records fewer signals than it was answered', () => {
    assert.deepEqual(broken(checks.signalsAreRecorded(record({}))), []);
    assert.deepEqual(broken(checks.signalsAreRecorded(record({ runs: [run({ signalIds: ['s1', 's2', 's2'] })] }))), [1]);
  });

  it('a rejoin needs a passing verify after the last change', () => {
    const ok = [call('isolate', 1, 2), call('restart', 3, 4), call('verify', 5, 6, { healthy: true }), call('rejoin', 7, 8)];
    assert.deepEqual(broken(checks.rejoinOnlyAfterPassingVerify(record({ calls: ok }))), []);
    const unverified = [call('isolate', 1, 2), call('restart', 3, 4), call('verify', 5, 6, { healthy: false }), call('rejoin', 7, 8)];
    assert.deepEqual(broken(checks.rejoinOnlyAfterPassingVerify(record({ calls: unverified }))), [2]);
    const stale = [call('isolate', 1, 2), call('verify', 3, 4, { healthy: true }), call('rollback', 5, 6), call('rejoin', 7, 8)];
    assert.deepEqual(broken(checks.rejoinOnlyAfterPassingVerify(record({ calls: stale }))), [2]);
    const stillRestarting = [call('isolate', 1, 2), call('verify', 3, 4, { healthy: true }), call('restart', 5, 10, { outcome: 'cancelled' }), call('rejoin', 6, 7)];
    assert.deepEqual(broken(checks.rejoinOnlyAfterPassingVerify(record({ calls: stillRestarting }))), [2]);
  });

  it('a target left out of rotation needs a page from an incident on it', () => {
    const paged = [call('isolate', 1, 2), call('escalate', 3, 4, { event: 'trigger' })];
    assert.deepEqual(broken(checks.leftOutIsPaged(record({ calls: paged, isolatedAtEnd: ['web-1'] }))), []);
    assert.deepEqual(broken(checks.leftOutIsPaged(record({ calls: [call('isolate', 1, 2)], isolatedAtEnd: ['web-1'] }))), [2]);
    // The channel refused the page: tried, and the record says nobody was notified.
    const refused = [call('isolate', 1, 2), call('escalate', 3, 4, { event: 'trigger', outcome: 'failed' })];
    const saidSo = run({}, [entry('note', { pageNotDelivered: true }), entry('outcome')]);
    assert.deepEqual(broken(checks.leftOutIsPaged(record({ calls: refused, runs: [saidSo], isolatedAtEnd: ['web-1'] }))), []);
    assert.deepEqual(broken(checks.leftOutIsPaged(record({ calls: refused, isolatedAtEnd: ['web-1'] }))), [2], 'tried, but not said on the record');
  });

  it('pool limit: fails when two members are out at once with a limit of one', () => {
    const pools = { web: { members: ['web-1', 'web-2'], maxIsolated: 1 } };
    const oneAtATime = [call('isolate', 1, 2), call('rejoin', 3, 4), call('isolate', 5, 6, { target: 'web-2' })];
    assert.deepEqual(broken(checks.poolLimitNeverExceeded(record({ calls: oneAtATime, pools }))), []);
    const both = [call('isolate', 1, 2), call('isolate', 3, 4, { target: 'web-2' })];
    assert.deepEqual(broken(checks.poolLimitNeverExceeded(record({ calls: both, pools }))), [3]);
  });

  it('restart budget: fails on a fourth attempt within the window', () => {
    const spread = [0, 1, 2, 3].map((i) => call('restart', i * 10 + 1, i * 10 + 2, { atMs: i * 3_600_000 }));
    assert.deepEqual(broken(checks.restartBudgetRespected(record({ calls: spread }))), []);
    const burst = [0, 1, 2, 3].map((i) => call('restart', i * 10 + 1, i * 10 + 2, { atMs: i * 60_000 }));
    assert.deepEqual(broken(checks.restartBudgetRespected(record({ calls: burst }))), [3]);
  });

  it('kill switch: fails on a change that starts after pause answered and before resume', () => {
    const pauses = [{ answeredAt: 5, resumeSentAt: 20 }];
    const heldUntilResume = [call('isolate', 1, 2), call('diagnose', 6, 7), call('restart', 21, 22)];
    assert.deepEqual(broken(checks.nothingChangesWhilePaused(record({ calls: heldUntilResume, pauses }))), []);
    assert.deepEqual(broken(checks.nothingChangesWhilePaused(record({ calls: [call('restart', 6, 7)], pauses }))), [3]);
  });

  it('one playbook per target: fails when two incidents act on one target at once', () => {
    const b = run({ incidentId: 'incident-b', runId: 'run-b-0000' });
    const inTurn = [call('isolate', 1, 2), call('rejoin', 3, 4), call('isolate', 5, 6, { incidentId: 'incident-b' })];
    assert.deepEqual(broken(checks.onePlaybookPerTarget(record({ calls: inTurn, runs: [run(), b] }))), []);
    const interleaved = [call('isolate', 1, 2), call('isolate', 3, 4, { incidentId: 'incident-b' }), call('rejoin', 5, 6)];
    assert.deepEqual(broken(checks.onePlaybookPerTarget(record({ calls: interleaved, runs: [run(), b] }))), [4]);
  });

  it('every incident ends once: fails on a run still open, and on two outcome entries', () => {
    assert.deepEqual(broken(checks.everyIncidentEndsOnce(record({}))), []);
    assert.deepEqual(broken(checks.everyIncidentEndsOnce(record({ runs: [run({ status: 'RUNNING' })] }))), [5]);
    assert.deepEqual(broken(checks.everyIncidentEndsOnce(record({ runs: [run({}, [entry('outcome'), entry('outcome')])] }))), [5]);
  });

  it('no step outlives its incident: fails on a call still running when the scenario ended', () => {
    assert.deepEqual(broken(checks.noStepOutlivesItsIncident(record({ calls: [call('diagnose', 1, 2)] }))), []);
    const outlived = { ...call('diagnose', 1, 2, { outcome: 'abandoned' }), end: undefined };
    assert.deepEqual(broken(checks.noStepOutlivesItsIncident(record({ calls: [outlived] }))), [5]);
  });

  it('every page is closed: fails on a trigger never acknowledged or resolved', () => {
    const closed = [call('escalate', 1, 2, { event: 'trigger' }), call('escalate', 3, 4, { event: 'resolve' })];
    assert.deepEqual(broken(checks.everyPageClosed(record({ calls: closed }))), []);
    assert.deepEqual(broken(checks.everyPageClosed(record({ calls: [call('escalate', 1, 2, { event: 'trigger' })] }))), [6]);
    // A channel that refuses the resolve: it was tried and the record says the page is still open.
    const refused = [call('escalate', 1, 2, { event: 'trigger' }), call('escalate', 3, 4, { event: 'resolve', outcome: 'failed' })];
    assert.deepEqual(broken(checks.everyPageClosed(record({ calls: refused, runs: [run({}, [entry('note', { pageNotClosed: 'resolve' }), entry('outcome')])] }))), []);
    assert.deepEqual(broken(checks.everyPageClosed(record({ calls: refused }))), [6], 'tried, but not said on the record');
  });

  it('abort: fails on a new step after the abort was accepted, allows the undo', () => {
    const undoOnly = [call('isolate', 1, 2), call('rejoin', 6, 7)];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: undoOnly, runs: [run({ abortAcceptedAt: 5 })] }))), []);
    const phantomPage = [call('diagnose', 1, 6, { outcome: 'cancelled' }), call('escalate', 7, 8, { event: 'trigger' })];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: phantomPage, runs: [run({ abortAcceptedAt: 5 })] }))), [8]);
    // The abort left web-1 out (its undo was skipped while paused) and paged about it; a later
    // incident put it back. The page was about a target out of rotation when it was sent.
    const pageThenFixedLater = [call('isolate', 1, 2), call('escalate', 7, 8, { event: 'trigger' }), call('isolate', 20, 21, { incidentId: 'incident-b' }), call('rejoin', 30, 31, { incidentId: 'incident-b' })];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: pageThenFixedLater, runs: [run({ abortAcceptedAt: 5 })], isolatedAtEnd: [] }))), []);
    // A page after the abort while the target was in rotation is a phantom one.
    const inRotation = [call('isolate', 1, 2), call('rejoin', 3, 4), call('escalate', 7, 8, { event: 'trigger' })];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: inRotation, runs: [run({ abortAcceptedAt: 5 })], isolatedAtEnd: [] }))), [8]);
    // Seed 757508157: the run rolled web-1 back, the abort's roll forward failed, and the page says
    // so. The target was in rotation, but it was left on the old version: a page a human needs.
    const rollbackLeft = [call('isolate', 1, 2), call('rejoin', 3, 4), call('rollback', 5, 6), call('rollforward', 7, 8, { outcome: 'failed' }), call('escalate', 9, 10, { event: 'trigger' })];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: rollbackLeft, runs: [run({ abortAcceptedAt: 5 })], isolatedAtEnd: [] }))), []);
    // Rolled forward again before the page: nothing was left changed, so the page is a phantom one.
    const rolledForward = [call('rollback', 1, 2), call('rollforward', 7, 8), call('escalate', 9, 10, { event: 'trigger' })];
    assert.deepEqual(broken(checks.abortIsNeverSwallowed(record({ calls: rolledForward, runs: [run({ abortAcceptedAt: 5 })], isolatedAtEnd: [] }))), [8]);
  });

  it('every call is on the record: fails when the timeline has fewer started entries than calls', () => {
    const calls = [call('restart', 1, 2), call('restart', 3, 4)];
    const both = [entry('step-started', { activity: 'restart' }), entry('step-started', { activity: 'restart' }), entry('outcome')];
    assert.deepEqual(broken(checks.everyCallOnRecord(record({ calls, runs: [run({}, both)] }))), []);
    const one = [entry('step-started', { activity: 'restart' }), entry('outcome')];
    assert.deepEqual(broken(checks.everyCallOnRecord(record({ calls, runs: [run({}, one)] }))), [10]);
  });

  it('checkAll runs every checker and counts what it checked', () => {
    const r = checks.checkAll(record({ calls: [call('isolate', 1, 2)], isolatedAtEnd: ['web-1'] }));
    assert.ok(r.checked > 0);
    assert.deepEqual(broken(r), [2, 10]);
  });
});
