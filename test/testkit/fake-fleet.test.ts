import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { FakeFleet, type StepInput } from '../../src/testkit/index.js';

// The kit's fleet, one activity call at a time (the SDK's mock activity context, no server).

const input = (target: string): StepInput => ({ incidentId: 'incident-t', target, params: {} });
// Scripted failures are the point here: the mock context's failure logs would only be noise.
const quiet = new DefaultLogger('ERROR', () => undefined);
const call = <T>(fn: (i: StepInput) => Promise<T>, target: string): Promise<T> => new MockActivityEnvironment(undefined, { logger: quiet }).run(fn, input(target));

describe('the fake fleet', () => {
  it('answers each call as scripted, repeats the last outcome, and lets a per-target script win', async () => {
    const fleet = new FakeFleet({ verify: ['unhealthy', 'healthy'] }).script('verify', ['unhealthy'], { target: 'web-2' });
    const answers = [];
    for (const target of ['web-1', 'web-2', 'web-1', 'web-1', 'web-2']) answers.push(`${target}:${(await call(fleet.activities.verify, target)).healthy}`);
    assert.deepEqual(answers, ['web-1:false', 'web-2:false', 'web-1:true', 'web-1:true', 'web-2:false']);
    assert.deepEqual(fleet.callsTo('verify', 'web-2').length, 2);
  });

  it('fails retryably, fails for good with a message and type, or returns scripted fields', async () => {
    const fleet = new FakeFleet({ restart: ['fail', { fatal: 'systemctl: unit not found', type: 'Misconfiguration' }, { returns: { summary: 'restarted by the script' } }] });
    const first = await call(fleet.activities.restart, 'web-1').catch((e: unknown) => e);
    assert.ok(first instanceof ApplicationFailure && !first.nonRetryable && first.type === 'TargetUnavailable', 'a retryable failure');
    const second = await call(fleet.activities.restart, 'web-1').catch((e: unknown) => e);
    assert.ok(second instanceof ApplicationFailure && second.nonRetryable && second.type === 'Misconfiguration' && second.message === 'systemctl: unit not found');
    assert.equal((await call(fleet.activities.restart, 'web-1')).summary, 'restarted by the script');
    assert.deepEqual(fleet.calls.map((c) => c.outcome), ['failed', 'failed', 'ok']);
  });

  it('keeps the state a real driver changes: rotation and release', async () => {
    const fleet = new FakeFleet();
    await call(fleet.activities.isolate, 'web-1');
    assert.ok(fleet.isolated.has('web-1'));
    await call(fleet.activities.rollback, 'web-1');
    assert.equal(fleet.version, 'v1');
    await call(fleet.activities.rejoin, 'web-1');
    assert.equal(fleet.isolated.size, 0);
    assert.deepEqual(fleet.order, ['isolate', 'rollback', 'rejoin']);
  });

  it("adds a user's activity, scripted and recorded like the shipped ones, and refuses to shadow a shipped one", async () => {
    const fleet = new FakeFleet().add('cleanup').script('cleanup', ['fatal'], { target: 'db-1' });
    const cleanup = fleet.activities['cleanup'] as (i: StepInput) => Promise<{ summary: string }>;
    assert.equal((await call(cleanup, 'web-1')).summary, 'cleanup on web-1: done (fake)');
    await assert.rejects(call(cleanup, 'db-1'), /unknown target "db-1"/);
    assert.deepEqual(fleet.callsTo('cleanup').map((c) => `${c.target}:${c.outcome}`), ['web-1:ok', 'db-1:failed']);
    assert.throws(() => fleet.add('restart'), /one of medic's own activities.*To fix/);
  });
});
