import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Delivery } from '../../src/incidents/open-incident.js';
import type { Deliverer } from '../../src/intake/accept-signals.js';
import { sharedDeliveries } from '../../src/intake/shared-deliveries.js';
import type { RoutedSignal } from '../../src/routing/route-signal.js';
import { SignalSchema, type Signal } from '../../src/signals/signal-schema.js';

// How retries share deliveries inside one intake, with a recorder standing in for Temporal: the
// real thing (a retry after a missed deadline, recorded once) is in test/chaos/sender-timeout.test.ts.

const ROUTE: RoutedSignal = { route: 'default', playbook: 'diagnose-and-escalate', target: 'svc', params: {}, dryRun: false };

function signal(id: string, status: Signal['status'] = 'firing'): Signal {
  return SignalSchema.parse({ id, source: 'alertmanager', fingerprint: 'fp1', status, alertname: 'A', service: 'svc', receivedAt: '2026-01-01T00:00:00Z' });
}

/** Counts what reaches "Temporal"; each call waits for `release()` (or fails with `fail()`). */
function recorder() {
  const calls: string[] = [];
  const waiting: { resolve: (d: Delivery) => void; reject: (e: Error) => void }[] = [];
  const pending = (id: string) =>
    new Promise<Delivery>((resolve, reject) => {
      calls.push(id);
      waiting.push({ resolve, reject });
    });
  const inner: Deliverer = { firing: (s) => pending(`firing ${s.id}`), resolved: (s) => pending(`resolved ${s.id}`) };
  return {
    inner,
    calls,
    release: () => waiting.splice(0).forEach((w) => w.resolve({ kind: 'incident', incidentId: 'incident-fp1', runId: 'run-1', opened: true })),
    fail: () => waiting.splice(0).forEach((w) => w.reject(new Error('Temporal refused'))),
  };
}

describe('shared deliveries', () => {
  it('lets a retry join the delivery of the same signal still in flight', async () => {
    const t = recorder();
    const shared = sharedDeliveries(t.inner);
    const original = shared.firing(signal('a#1'), ROUTE);
    const retry = shared.firing(signal('a#1'), ROUTE);
    t.release();
    assert.deepEqual(await Promise.all([original, retry]), [await original, await original]);
    assert.deepEqual(t.calls, ['firing a#1']);
  });

  it('answers a retry of a recorded signal without asking Temporal again, as deduplicated, and still delivers new ids', async () => {
    const t = recorder();
    const shared = sharedDeliveries(t.inner, { isOpen: async () => true });
    const first = shared.firing(signal('a#1'), ROUTE);
    t.release();
    assert.deepEqual(await first, { kind: 'incident', incidentId: 'incident-fp1', runId: 'run-1', opened: true });
    assert.deepEqual(await shared.firing(signal('a#1'), ROUTE), { kind: 'incident', incidentId: 'incident-fp1', runId: 'run-1', opened: false }, 'the incident was open already: deduplicated, not opened twice');
    const repeat = shared.firing(signal('a#2'), ROUTE);
    t.release();
    await repeat;
    assert.deepEqual(t.calls, ['firing a#1', 'firing a#2']);
  });

  it('never answers "deduplicated" from memory once the run the signal was recorded in has closed: it delivers again', async () => {
    const t = recorder();
    const open = new Set(['run-1']);
    const asked: string[] = [];
    const shared = sharedDeliveries(t.inner, { isOpen: async (incidentId, runId) => (asked.push(`${incidentId} ${runId}`), open.has(runId)) });
    const first = shared.firing(signal('a#1'), ROUTE);
    t.release();
    await first;
    assert.equal((await shared.firing(signal('a#1'), ROUTE)).kind, 'incident');
    assert.deepEqual(t.calls, ['firing a#1'], 'still open: answered from memory');
    open.delete('run-1'); // the incident closed
    const after = shared.firing(signal('a#1'), ROUTE);
    await new Promise((r) => setImmediate(r));
    t.release();
    assert.deepEqual(await after, { kind: 'incident', incidentId: 'incident-fp1', runId: 'run-1', opened: true }, "Temporal's own answer, not the memory's");
    assert.deepEqual(t.calls, ['firing a#1', 'firing a#1'], 'closed since: delivered to Temporal again');
    assert.deepEqual(asked, ['incident-fp1 run-1', 'incident-fp1 run-1']);
  });

  it('answers nothing from memory without a way to tell that the incident is still open', async () => {
    const t = recorder();
    const shared = sharedDeliveries(t.inner);
    for (const _ of [1, 2]) {
      const d = shared.firing(signal('a#1'), ROUTE);
      await new Promise((r) => setImmediate(r));
      t.release();
      await d;
    }
    assert.deepEqual(t.calls, ['firing a#1', 'firing a#1']);
  });

  it('does not remember a failed delivery: the retry tries Temporal again', async () => {
    const t = recorder();
    const shared = sharedDeliveries(t.inner, { isOpen: async () => true });
    const first = shared.firing(signal('a#1'), ROUTE);
    t.fail();
    await assert.rejects(first, /Temporal refused/);
    const retry = shared.firing(signal('a#1'), ROUTE);
    t.release();
    await retry;
    assert.deepEqual(t.calls, ['firing a#1', 'firing a#1']);
  });

  it('keeps a firing and a resolved signal with the same id apart', async () => {
    const t = recorder();
    const shared = sharedDeliveries(t.inner);
    const both = [shared.firing(signal('x'), ROUTE), shared.resolved(signal('x', 'resolved'))];
    t.release();
    await Promise.all(both);
    assert.deepEqual(t.calls, ['firing x', 'resolved x']);
  });

  it('forgets a recorded signal after recordedForMs, and the oldest first past maxRecorded', async () => {
    let now = 0;
    const t = recorder();
    const shared = sharedDeliveries(t.inner, { recordedForMs: 1_000, maxRecorded: 2, now: () => now, isOpen: async () => true });
    const deliver = async (id: string) => {
      const d = shared.firing(signal(id), ROUTE);
      await new Promise((r) => setImmediate(r));
      t.release();
      await d;
    };
    await deliver('a');
    await deliver('b');
    await deliver('c'); // evicts a
    await deliver('c'); // remembered
    await deliver('a'); // forgotten: delivered again (and evicts b)
    now = 2_000;
    await deliver('c'); // too old: delivered again
    assert.deepEqual(t.calls, ['firing a', 'firing b', 'firing c', 'firing a', 'firing c']);
  });
});
