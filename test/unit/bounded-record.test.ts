import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { makeSignal } from '../../src/signals/make-signal.js';
import { Journal, PlaybookChangedError } from '../../workflows/runtime/journal.js';
import { SignalRecord } from '../../workflows/runtime/signal-record.js';
import { MAX_TIMELINE_ENTRIES, Timeline } from '../../workflows/runtime/timeline.js';

const signal = (id: string, status: 'firing' | 'resolved' = 'firing') =>
  makeSignal({ id, alertname: 'HighErrorRate', service: 'checkout', source: 'generic', fingerprint: 'fp-1', status });

describe('bounded incident record', () => {
  it('keeps the timeline bounded: the opening kept, older entries summarised by kind, numbering unbroken', () => {
    const timeline = new Timeline();
    for (let i = 0; i < 5_000; i++) timeline.add(i === 0 ? 'incident-opened' : 'note', `entry ${i}`);
    const all = timeline.all();
    assert.ok(all.length <= MAX_TIMELINE_ENTRIES + 1, `${all.length} entries kept`);
    assert.equal(all[0]?.message, 'entry 0', 'the opening is kept');
    assert.equal(all.at(-1)?.message, 'entry 4999', 'the newest is kept');
    assert.equal(all.at(-1)?.seq, 5_000, 'sequence numbers keep counting');
    const summary = all.find((e) => e.data?.['summarised'] !== undefined);
    const dropped = (summary?.data?.['summarised'] as Record<string, number>)['note'];
    assert.equal(dropped, 5_000 - (all.length - 1), 'every dropped entry is counted in the summary');
    assert.match(summary?.message ?? '', /medic audit shows them all/);
  });

  it('survives a snapshot: a continued timeline goes on where it stopped', () => {
    const a = new Timeline();
    for (let i = 0; i < 400; i++) a.add('note', `n${i}`);
    const b = new Timeline(JSON.parse(JSON.stringify(a.snapshot())));
    b.add('note', 'after');
    assert.equal(b.all().at(-1)?.seq, 401);
    assert.deepEqual(b.all().slice(0, -1), a.all());
  });

  it('counts repeats instead of listing them, remembers the last few, and drops redeliveries', () => {
    const record = new SignalRecord();
    assert.equal(record.take(signal('a'), 't1'), 'new');
    assert.equal(record.take(signal('a'), 't1'), 'duplicate');
    for (let i = 0; i < 10_000; i++) assert.equal(record.take(signal(`r${i}`), `t${i}`), 'repeat');
    assert.equal(record.take(signal('x', 'resolved'), 'tz'), 'new');
    assert.equal(record.firing.count, 10_001);
    assert.equal(record.resolved.count, 1);
    assert.deepEqual(record.firing.recent.map((r) => r.id), ['r9997', 'r9998', 'r9999']);
    assert.equal(record.firstId, 'a', 'the first signal still names the incident to the guards');
    assert.ok(JSON.stringify(record.snapshot()).length < 150_000, 'the record stays small: 500 ids verbatim, the 10,000 before them hashed');
  });

  it('recognises a redelivery of a signal taken 10,000 signals and a continue-as-new earlier (Temporal dedups a retried signal only within one run)', () => {
    // A client retry whose first attempt had landed reaches the next run too, and under a flood the
    // first copy can be thousands of signals back (a run takes up to 10,000 when it cannot close).
    const record = new SignalRecord();
    record.take(signal('first'), 't0');
    for (let i = 0; i < 10_000; i++) record.take(signal(`s${i}`), 't');
    const continued = new SignalRecord(JSON.parse(JSON.stringify(record.snapshot())));
    for (const id of ['s0', 's1', 's4999', 's9500', 's9999']) assert.equal(continued.take(signal(id), 't'), 'duplicate', `${id} redelivered after the continue-as-new`);
    assert.equal(continued.total, 10_001, 'no redelivery counted');
    for (let i = 0; i < 10_000; i++) assert.equal(continued.take(signal(`n${i}`), 't'), 'repeat', 'a new id is never mistaken for a redelivery');
    assert.equal(continued.total, 20_001);
    assert.ok(JSON.stringify(continued.snapshot()).length < 150_000, 'what crosses continue-as-new stays far below the 2 MB payload limit');
  });

  it('property: over any sequence of new signals, redeliveries and continue-as-new, every distinct signal is counted exactly once', () => {
    const seed = Number(process.env['MEDIC_INVARIANT_SEED'] ?? Date.now() % 2 ** 31);
    console.log(`signal record property seed: ${seed} (MEDIC_INVARIANT_SEED replays it)`);
    // A redelivery comes from a retry: within the window the record keeps (500 verbatim + 10,000 hashed).
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('new' as const), count: fc.integer({ min: 1, max: 400 }), resolved: fc.boolean() }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('redeliver' as const), back: fc.integer({ min: 0, max: 10_499 }) }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'continue-as-new' as const }) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        let record = new SignalRecord();
        const taken: string[] = [];
        let firing = 0;
        let resolved = 0;
        for (const o of ops) {
          if (o.kind === 'continue-as-new') {
            record = new SignalRecord(JSON.parse(JSON.stringify(record.snapshot())) as ReturnType<SignalRecord['snapshot']>);
          } else if (o.kind === 'new') {
            for (let i = 0; i < o.count; i++) {
              const id = `sig-${taken.length}`;
              const status = o.resolved && i === 0 ? 'resolved' : 'firing';
              assert.notEqual(record.take(signal(id, status), 't'), 'duplicate', `${id} is new`);
              taken.push(id);
              if (status === 'resolved') resolved += 1;
              else firing += 1;
            }
          } else if (taken.length > 0) {
            const id = taken[Math.max(0, taken.length - 1 - o.back)] as string;
            assert.equal(record.take(signal(id), 't'), 'duplicate', `${id} redelivered ${o.back} signals later`);
          }
        }
        assert.equal(record.firing.count, firing);
        assert.equal(record.resolved.count, resolved);
        assert.equal(record.total, taken.length);
      }),
      { seed, numRuns: 60 },
    );
  });

  it('a journal re-enters the calls already made and refuses a playbook whose calls changed', () => {
    const first = new Journal();
    first.record({ kind: 'step', name: 'isolate web-1', output: { summary: 'out' } });
    first.record({ kind: 'approval', question: 'restart web-1?', deadline: 1 });
    const again = new Journal(first.snapshot());
    assert.deepEqual(again.next('step', 'isolate web-1', (e) => (e as { name?: string }).name === 'isolate web-1'), { kind: 'step', name: 'isolate web-1', output: { summary: 'out' } });
    assert.throws(() => again.next('step', 'restart web-1', () => true), PlaybookChangedError);
  });
});
