import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { guardLimitsOf } from '../../activities/guards/guard-limits-view.js';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { canonicalLimits, limitDifferences, limitsHash, type GuardLimits } from '../../workflows/guards/guard-limits.js';
import * as rules from '../../workflows/guards/guard-state.js';

const limits = (max: number, windowMs: number, pools: GuardLimits['pools'] = []): GuardLimits => canonicalLimits({ pools, restartBudget: { max, windowMs } });
const pin = (s: rules.GuardState, l: GuardLimits, mode: 'if-unpinned' | 'adopt' = 'if-unpinned') => rules.pinLimits(s, { limits: l, by: 'test', reason: 'test', mode, at: 'now' });

describe('guard limits', () => {
  it('gives equal configurations equal hashes whatever their order, and different ones different hashes', () => {
    const a = guardLimitsOf({ guards: GuardsSchema.parse({ pools: { web: { maxIsolated: '50%' } } }), targets: { 'web-2': { pool: 'web' }, 'web-1': { pool: 'web' } } });
    const b = guardLimitsOf({ guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } } }), targets: { 'web-1': { pool: 'web' }, 'web-2': { pool: 'web' } } });
    assert.equal(limitsHash(a), limitsHash(b), '50% of 2 is 1: the same limits');
    const c = guardLimitsOf({ guards: GuardsSchema.parse({ pools: { web: { maxIsolated: 1 } } }), targets: { 'web-1': { pool: 'web' }, 'web-3': { pool: 'web' } } });
    assert.notEqual(limitsHash(a), limitsHash(c), 'another member is another configuration');
    assert.deepEqual(limitDifferences(c, a), ['pools.web.members: this worker also has [web-3], the guards also have [web-2]']);
  });

  it('refuses an ask under limits other than the pinned ones and leaves the state untouched', () => {
    const s = rules.emptyGuardState();
    const pinned = limits(1, 60_000, [{ name: 'web', maxIsolated: 1, members: ['w1', 'w2'] }]);
    const other = limits(5, 1_000, [{ name: 'web', maxIsolated: 2, members: ['w1', 'w2'] }]);
    assert.equal(pin(s, pinned).changed, true);
    assert.equal(pin(s, other).changed, false, 'a worker never replaces pinned limits by asking');
    const before = JSON.stringify(s);
    const refusal = rules.isolateUnderLimits(s, { target: 'w1', incidentId: 'i', limits: limitsHash(other) });
    assert.equal(refusal.allowed, false);
    assert.equal('limits' in refusal && refusal.limits.pinned?.hash, limitsHash(pinned));
    assert.equal(rules.restartUnderLimits(s, { target: 'w1', limits: limitsHash(other), nowMs: 1 }).allowed, false);
    assert.equal(JSON.stringify(s), before, 'nothing applied');
    assert.deepEqual(limitDifferences(other, pinned), [
      'restartBudget.max: this worker 5, the guards 1',
      'restartBudget.window: this worker 1000 ms, the guards 60000 ms',
      'pools.web.maxIsolated: this worker 2, the guards 1',
    ]);
    assert.equal(pin(s, other, 'adopt').changed, true, 'adopting on purpose replaces them');
    assert.equal(rules.isolateUnderLimits(s, { target: 'w1', incidentId: 'i', limits: limitsHash(other) }).allowed, true);
  });

  it('property: whatever sequence of asks from workers with different limits, a pool never has more out than the pinned limit and a target never more restarts in the window than the pinned budget', () => {
    const pools = fc.array(fc.record({ maxIsolated: fc.integer({ min: 0, max: 3 }), size: fc.integer({ min: 1, max: 5 }) }), { minLength: 1, maxLength: 3 });
    const config = (shape: { maxIsolated: number; size: number }[], max: number, windowMs: number) =>
      limits(max, windowMs, shape.map((p, i) => ({ name: i === 0 ? '__proto__' : `p${i}`, maxIsolated: p.maxIsolated, members: Array.from({ length: p.size }, (_, m) => `p${i}-m${m}`) })));
    const op = fc.oneof(
      fc.record({ kind: fc.constant('isolate' as const), worker: fc.nat(2), pool: fc.nat(2), member: fc.nat(4) }),
      fc.record({ kind: fc.constant('rejoin' as const), pool: fc.nat(2), member: fc.nat(4) }),
      fc.record({ kind: fc.constant('restart' as const), worker: fc.nat(2), pool: fc.nat(2), member: fc.nat(4), dt: fc.integer({ min: 0, max: 400 }) }),
    );
    fc.assert(
      fc.property(pools, fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 100, max: 2_000 })), { minLength: 3, maxLength: 3 }), fc.array(op, { maxLength: 60 }), (shape, budgets, ops) => {
        // Three workers: the same pools and members, each with its own limits and budget.
        const workers = budgets.map(([max, windowMs], w) => config(shape.map((p) => ({ ...p, maxIsolated: Math.max(0, p.maxIsolated + w - 1) })), max, windowMs));
        const s = rules.emptyGuardState();
        const pinned = workers[0] as GuardLimits;
        pin(s, pinned);
        const restarts = new Map<string, number[]>();
        let now = 0;
        for (const o of ops) {
          const pool = pinned.pools[o.pool % pinned.pools.length] as GuardLimits['pools'][number];
          const target = pool.members[o.member % pool.members.length] as string;
          if (o.kind === 'rejoin') rules.releaseMember(s, target);
          else if (o.kind === 'isolate') rules.isolateUnderLimits(s, { target, incidentId: `i-${target}`, limits: limitsHash(workers[o.worker] as GuardLimits) });
          else {
            now += o.dt;
            const answer = rules.restartUnderLimits(s, { target, limits: limitsHash(workers[o.worker] as GuardLimits), nowMs: now });
            if (answer.allowed) restarts.set(target, [...(restarts.get(target) ?? []), now]);
          }
          for (const p of pinned.pools) assert.ok(rules.isolatedMembers(s, p.name).length <= p.maxIsolated, `pool ${p.name} over its pinned limit`);
          for (const [t, times] of restarts) {
            const inWindow = times.filter((x) => now - x < pinned.restartBudget.windowMs).length;
            assert.ok(inWindow <= pinned.restartBudget.max, `${t}: ${inWindow} restarts in the pinned window (at most ${pinned.restartBudget.max})`);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
