import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { INCIDENT_STATUSES } from '../../workflows/definitions.js';
import { LifecycleError, outcomeOf, statusOf, transition, type LifecycleEvent, type Phase } from '../../workflows/runtime/lifecycle.js';

const OUTCOMES = ['recovered', 'escalated', 'failed', 'aborted', 'resolved'] as const;
const GATES = ['approval', 'ack', 'pause'] as const;

const eventArb: fc.Arbitrary<LifecycleEvent> = fc.oneof(
  fc.constant({ type: 'run-started' } as const),
  fc.constantFrom(...GATES).map((gate) => ({ type: 'human-needed', gate }) as const),
  fc.constant({ type: 'human-answered' } as const),
  fc.constant({ type: 'recovered' } as const),
  fc.record({ type: fc.constant('held' as const), held: fc.constantFrom('escalated' as const, 'failed' as const), acked: fc.boolean() }),
  fc.constant({ type: 'acked' } as const),
  fc.constantFrom(...OUTCOMES).map((outcome) => ({ type: 'closed', outcome }) as const),
);

describe('incident lifecycle (one state machine)', () => {
  it('derives status from the phase: waiting for a person is awaiting-human, a held incident shows its outcome once acked', () => {
    assert.equal(statusOf({ name: 'opening' }), 'open');
    assert.equal(statusOf({ name: 'running' }), 'recovering');
    assert.equal(statusOf({ name: 'waiting-for-human', gate: 'approval' }), 'awaiting-human');
    assert.equal(statusOf({ name: 'settling' }), 'recovered');
    assert.equal(statusOf({ name: 'held', held: 'failed', acked: false }), 'awaiting-human');
    assert.equal(statusOf({ name: 'held', held: 'failed', acked: true }), 'failed');
    assert.equal(statusOf({ name: 'closed', outcome: 'aborted' }), 'aborted');
  });

  it('an ack moves a held incident to its outcome and a waiting playbook back to running', () => {
    assert.deepEqual(transition({ name: 'held', held: 'escalated', acked: false }, { type: 'acked' }), { name: 'held', held: 'escalated', acked: true });
    assert.deepEqual(transition({ name: 'waiting-for-human', gate: 'ack' }, { type: 'acked' }), { name: 'running' });
    assert.deepEqual(transition({ name: 'waiting-for-human', gate: 'approval' }, { type: 'acked' }), { name: 'waiting-for-human', gate: 'approval' });
  });

  it('over any sequence of events: one outcome at most, never changed once closed, every status a contract status', () => {
    const seed = Number(process.env['MEDIC_INVARIANT_SEED'] ?? Date.now() % 2 ** 31);
    console.log(`lifecycle property seed: ${seed} (MEDIC_INVARIANT_SEED replays it)`);
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), (events) => {
        let phase: Phase = { name: 'opening' };
        let closedAs: string | undefined;
        for (const event of events) {
          if (closedAs !== undefined) {
            assert.throws(() => transition(phase, event), LifecycleError);
            continue;
          }
          phase = transition(phase, event);
          assert.ok((INCIDENT_STATUSES as readonly string[]).includes(statusOf(phase)));
          if (phase.name === 'closed') closedAs = phase.outcome;
          assert.equal(outcomeOf(phase), closedAs, 'the outcome is set exactly when the incident closes');
        }
      }),
      { seed, numRuns: 500 },
    );
  });
});
