import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NotificationLedger } from '../../src/intake/notification-ledger.js';

// The ledger alone: how notification numbers advance when requests and their retries overlap.
// (How the server decides that a 2xx reached its sender is tested against the real server.)

const KEY = 'alertmanager:fp1:firing:2026-01-01T00:00:00Z';

describe('notification ledger', () => {
  it('gives a retry after a 503 the same number, and the notification after a 2xx the next one', () => {
    const ledger = new NotificationLedger();
    const first = ledger.next(KEY);
    assert.equal(first, 1);
    assert.equal(ledger.next(KEY), 1, 'nothing was answered 2xx: a retry is the same notification');
    ledger.answeredOk([{ key: KEY, number: first }]);
    assert.equal(ledger.next(KEY), 2, 'after a 2xx the next notification is a repeat');
  });

  it('counts a request and its overlapping retry, both answered 2xx, as one notification', () => {
    const ledger = new NotificationLedger();
    const a = ledger.next(KEY); // A is slow; its sender gives up and retries while A is still in flight
    const b = ledger.next(KEY);
    assert.equal(a, b, 'numbered before either was answered: same ids, recorded once');
    ledger.answeredOk([{ key: KEY, number: b }]); // B answered first
    ledger.answeredOk([{ key: KEY, number: a }]); // A finishes later, to an open connection
    assert.equal(ledger.next(KEY), 2, 'a third notification is the second one, not the third');
  });

  it('never lowers the count for a late answer to an older notification', () => {
    const ledger = new NotificationLedger();
    ledger.answeredOk([{ key: KEY, number: 1 }]);
    ledger.answeredOk([{ key: KEY, number: 2 }]);
    ledger.answeredOk([{ key: KEY, number: 1 }]);
    assert.equal(ledger.next(KEY), 3);
  });

  it('counts an alert listed twice in one request once', () => {
    const ledger = new NotificationLedger();
    const n = ledger.next(KEY);
    ledger.answeredOk([{ key: KEY, number: n }, { key: KEY, number: n }]);
    assert.equal(ledger.next(KEY), 2);
  });

  it('starts an alert quiet for longer than maxIdleMs again at 1', () => {
    let now = 0;
    const ledger = new NotificationLedger({ maxIdleMs: 1_000, now: () => now });
    ledger.answeredOk([{ key: KEY, number: 1 }]);
    now = 999;
    assert.equal(ledger.next(KEY), 2);
    now = 2_500;
    assert.equal(ledger.next(KEY), 1);
  });

  it('forgets the least recently answered alert first past maxEntries', () => {
    const ledger = new NotificationLedger({ maxEntries: 2 });
    ledger.answeredOk([{ key: 'a', number: 1 }]);
    ledger.answeredOk([{ key: 'b', number: 1 }]);
    ledger.answeredOk([{ key: 'a', number: 2 }]);
    ledger.answeredOk([{ key: 'c', number: 1 }]);
    assert.equal(ledger.size, 2);
    assert.deepEqual(['a', 'b', 'c'].map((k) => ledger.next(k)), [3, 1, 2]);
  });
});
