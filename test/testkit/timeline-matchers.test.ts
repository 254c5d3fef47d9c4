import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expectTimeline, TimelineMismatchError, type IncidentResult, type TimelineEntry } from '../../src/testkit/index.js';

// The kit's timeline matchers on a hand-made result: what they accept, and what a failure says.

const entry = (seq: number, minute: number, kind: TimelineEntry['kind'], message: string): TimelineEntry => ({
  seq,
  at: new Date(Date.UTC(2026, 10, 30, 12, minute)).toISOString(),
  kind,
  actor: 'medic',
  message,
});
const result: IncidentResult = {
  incidentId: 'incident-t',
  fingerprint: 't',
  playbook: 'http-service-outage',
  target: 'web-1',
  dryRun: false,
  outcome: 'escalated',
  signals: 1,
  timeline: [
    entry(1, 0, 'incident-opened', 'HighErrorRate on checkout'),
    entry(2, 0, 'approval-requested', 'restart web-1?'),
    entry(3, 15, 'approval-timed-out', 'nobody answered within 15 minutes'),
    entry(4, 15, 'escalated', 'nobody approved restarting web-1; it stays out of rotation'),
  ],
};

describe('the timeline matchers', () => {
  it('find entries by kind, by text, by pattern and in order, and check the outcome', () => {
    assert.equal(expectTimeline(result).toInclude('escalated', /nobody approved/).seq, 4);
    assert.equal(expectTimeline(result.timeline).toInclude('approval-requested', 'web-1').seq, 2);
    assert.deepEqual(expectTimeline(result).toIncludeInOrder('approval-requested', ['escalated', 'stays out']).map((e) => e.seq), [2, 4]);
    expectTimeline(result).toExclude('approved');
    expectTimeline(result).toHaveOutcome('escalated');
  });

  it('fail with what was expected and the whole timeline, offsets on the incident clock', () => {
    assert.throws(
      () => expectTimeline(result).toInclude('escalated', /restarted/),
      (err: unknown) =>
        err instanceof TimelineMismatchError &&
        err.message.startsWith('expected the timeline to include an entry "escalated" matching /restarted/; it has none') &&
        err.message.includes('#3 +00:15:00.000 approval-timed-out'),
    );
    assert.throws(() => expectTimeline(result).toIncludeInOrder('escalated', 'approval-requested'), /found no entry "approval-requested" after entry #4/);
    assert.throws(() => expectTimeline(result).toExclude('approval-timed-out'), /entry #3 is one/);
    assert.throws(() => expectTimeline(result).toHaveOutcome('recovered'), /to end "recovered"; the incident ended "escalated"/);
    assert.throws(() => expectTimeline(result.timeline).toHaveOutcome('recovered'), /To fix: pass the result/);
  });
});
