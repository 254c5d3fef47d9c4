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

  it('treats targets and pools named __proto__, constructor or toString as ordinary names, also after a JSON round trip', () => {
    let s = rules.emptyGuardState();
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(rules.acquireTarget(s, name, `a-${name}`, 'wait'), { granted: true, paused: null }, `${name} starts free`);
      assert.equal(rules.acquireTarget(s, name, `b-${name}`, 'join').granted, false, `${name} is held once taken`);
      assert.deepEqual(rules.requestIsolation(s, { pool: name, member: name, incidentId: `a-${name}`, maxIsolated: 1 }), { allowed: true, pool: name });
      assert.deepEqual(rules.requestRestart(s, { target: name, max: 1, windowMs: 60_000, nowMs: 1 }), { allowed: true, used: 1 });
    }
    assert.equal(Object.getPrototypeOf(s.holders), Object.prototype, 'no prototype was replaced');
    // The guard workflow carries its state over continue-as-new as JSON.
    s = JSON.parse(JSON.stringify(s)) as typeof s;
    assert.deepEqual(Object.keys(s.holders).sort(), ['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    assert.equal(rules.acquireTarget(s, '__proto__', 'c', 'wait').granted, false, 'still held after the round trip');
    assert.deepEqual(rules.requestIsolation(s, { pool: 'constructor', member: 'other', incidentId: 'c', maxIsolated: 1 }), {
      allowed: false,
      pool: 'constructor',
      isolated: ['constructor'],
      maxIsolated: 1,
    });
    assert.equal(rules.requestRestart(s, { target: 'toString', max: 1, windowMs: 60_000, nowMs: 2 }).allowed, false);
    assert.deepEqual(rules.releaseTarget(s, '__proto__', 'a-__proto__'), { joined: ['b-__proto__'], next: 'c' });
    assert.equal(s.holders['__proto__'], 'c', 'the next waiter holds it');
    assert.deepEqual(rules.releaseTarget(s, '__proto__', 'c'), { joined: [] });
    rules.releaseIsolation(s, 'constructor', 'constructor');
    assert.equal(Object.hasOwn(s.holders, '__proto__'), false);
    assert.equal(Object.hasOwn(s.isolated, 'constructor'), false);
    assert.deepEqual(rules.activeIncidents(s), ['a-constructor', 'a-hasOwnProperty', 'a-toString', 'b-constructor', 'b-hasOwnProperty', 'b-toString']);
  });

  it('counts isolated pool members against the limit until they rejoin', () => {
    const s = rules.emptyGuardState();
    const req = (member: string) => ({ pool: 'web', member, incidentId: `i-${member}`, maxIsolated: 1 });
    assert.deepEqual(rules.requestIsolation(s, req('w1')), { allowed: true, pool: 'web' });
    assert.deepEqual(rules.requestIsolation(s, req('w1')), { allowed: true, pool: 'web' }, 'isolating the same member again is idempotent');
    assert.deepEqual(rules.requestIsolation(s, req('w2')), { allowed: false, pool: 'web', isolated: ['w1'], maxIsolated: 1 });
    rules.releaseIsolation(s, 'web', 'w1');
    assert.deepEqual(rules.requestIsolation(s, req('w2')), { allowed: true, pool: 'web' });
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
