import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poolLimit, GuardsSchema } from '../../src/config/guards-schema.js';
import * as rules from '../../workflows/guards/guard-state.js';

describe('guard rules', () => {
  it('hands a target to waiters in order and tells joiners when the holder finishes', () => {
    const s = rules.emptyGuardState();
    assert.deepEqual(rules.acquireTarget(s, 't', 'a', 'wait'), { granted: true, paused: null });
    assert.equal(rules.acquireTarget(s, 't', 'b', 'wait').granted, false);
    assert.equal(rules.acquireTarget(s, 't', 'c', 'join').granted, false);
    assert.equal(rules.acquireTarget(s, 't', 'd', 'wait').granted, false);
    assert.deepEqual(rules.acquireTarget(s, 't', 'a', 'wait').granted, true, 'the holder asking again keeps it');
    assert.deepEqual(rules.releaseTarget(s, 't', 'a'), { joined: ['c'], next: 'b' });
    assert.equal(s.holders['t'], 'b');
    assert.deepEqual(rules.releaseTarget(s, 't', 'd'), { joined: [] }, 'a waiter that gives up leaves the queue');
    assert.deepEqual(rules.releaseTarget(s, 't', 'b'), { joined: [] });
    assert.deepEqual(s, rules.emptyGuardState());
  });

  it('counts isolated pool members against the limit until they rejoin', () => {
    const s = rules.emptyGuardState();
    const req = (member: string) => ({ pool: 'web', member, incidentId: `i-${member}`, maxIsolated: 1 });
    assert.deepEqual(rules.requestIsolation(s, req('w1')), { allowed: true });
    assert.deepEqual(rules.requestIsolation(s, req('w1')), { allowed: true }, 'isolating the same member again is idempotent');
    assert.deepEqual(rules.requestIsolation(s, req('w2')), { allowed: false, isolated: ['w1'], maxIsolated: 1 });
    rules.releaseIsolation(s, 'web', 'w1');
    assert.deepEqual(rules.requestIsolation(s, req('w2')), { allowed: true });
  });

  it('allows at most N restarts per window and forgets restarts older than the window', () => {
    const s = rules.emptyGuardState();
    const at = (nowMs: number) => rules.requestRestart(s, { target: 't', max: 2, windowMs: 1_000, nowMs });
    assert.equal(at(0).allowed, true);
    assert.equal(at(500).allowed, true);
    assert.deepEqual(at(900), { allowed: false, used: 2, max: 2, windowMs: 1_000 });
    assert.equal(at(1_001).allowed, true, 'the first restart left the window');
  });

  it('derives pool limits: a third by default, never the last member; counts and percentages as configured', () => {
    const defaults = GuardsSchema.parse({});
    assert.deepEqual([1, 2, 3, 6].map((n) => poolLimit(defaults, 'p', n)), [0, 0, 1, 2]);
    const configured = GuardsSchema.parse({ pools: { a: { maxIsolated: 2 }, b: { maxIsolated: '50%' } } });
    assert.equal(poolLimit(configured, 'a', 10), 2);
    assert.equal(poolLimit(configured, 'b', 5), 2);
    assert.deepEqual(defaults.restartBudget, { max: 3, window: 3_600_000 });
  });
});
