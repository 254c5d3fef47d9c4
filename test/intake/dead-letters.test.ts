import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DeadLetters, deadLetterPath, readDeadLetters, type DeadLetter } from '../../src/intake/dead-letters.js';
import { SignalSchema } from '../../src/signals/signal-schema.js';

// The dead-letter record alone, on a real file: what Temporal refused for good is on disk before
// the intake answers, once per signal, and still there after a restart. (A real refusal by the dev
// server, end to end, is in intake-answers.test.ts.)

function letter(id: string): DeadLetter {
  const signal = SignalSchema.parse({ id, source: 'alertmanager', fingerprint: 'fp1', status: 'firing', alertname: 'Huge', service: 'svc', receivedAt: '2026-01-01T00:00:00Z' });
  return { at: '2026-01-01T00:00:01Z', signalId: id, fingerprint: 'fp1', incidentId: 'incident-fp1', source: 'alertmanager', status: 'firing', alertname: 'Huge', service: 'svc', refusal: 'INVALID_ARGUMENT', reason: 'Temporal refused it for good (INVALID_ARGUMENT): Blob data size exceeds limit.', signal };
}

describe('dead-letter record', () => {
  it('is on disk when add resolves, once per signal however many add it at once, and is found again after a reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-dl-'));
    const letters = DeadLetters.open(dir);
    await Promise.all([letters.add(letter('a#1')), letters.add(letter('a#1')), letters.add(letter('b#1'))]);
    assert.equal(readFileSync(deadLetterPath(dir), 'utf8').trim().split('\n').length, 2);
    await letters.add(letter('a#1'));
    const reopened = DeadLetters.open(dir);
    assert.equal(reopened.size, 2);
    assert.equal(reopened.find(letter('a#1').signal)?.reason, letter('a#1').reason);
    assert.equal(reopened.find(letter('c#1').signal), undefined);
  });

  it('skips a last line cut short by a crash (it was never acknowledged), keeps the rest, and writes the next record on a line of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medic-dl-'));
    await DeadLetters.open(dir).add(letter('a#1'));
    appendFileSync(deadLetterPath(dir), '{"at":"2026-01-01T00:00:02Z","signalId":"b#1","fing');
    assert.deepEqual(readDeadLetters(dir).map((l) => l.signalId), ['a#1']);
    await DeadLetters.open(dir).add(letter('c#1'));
    assert.deepEqual(readDeadLetters(dir).map((l) => l.signalId), ['a#1', 'c#1'], 'the next record starts a line of its own');
  });

  it('refuses a state directory it cannot write, saying how to fix it', () => {
    assert.throws(() => DeadLetters.open('/dev/null/medic-state'), /cannot keep the intake's dead-letter record in \/dev\/null\/medic-state: .*To fix: point MEDIC_STATE_DIR \(or --state-dir\)/);
  });

  it('reads no records from a state directory that has none yet', () => {
    assert.deepEqual(readDeadLetters(mkdtempSync(join(tmpdir(), 'medic-dl-'))), []);
  });
});
