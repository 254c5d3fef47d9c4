import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestDeadline } from '../../src/intake/request-deadline.js';
import { NotAttempted, settleAll } from '../../src/intake/settle-all.js';

// The deadline and the bounded fan-out alone, with plain timers standing in for calls to Temporal.
// That a late answer is a 503 the sender can retry safely is tested against the real server
// (test/chaos/sender-timeout.test.ts).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('request deadline', () => {
  it('answers from the work when it settles in time', async () => {
    const deadline = new RequestDeadline(1_000);
    assert.equal(await deadline.race(sleep(10).then(() => 'done'), () => 'late'), 'done');
    assert.equal(deadline.expired, false);
  });

  it('answers at the deadline without waiting for the work, which carries on', async () => {
    const deadline = new RequestDeadline(50);
    let finished = false;
    const work = sleep(1_500).then(() => (finished = true));
    const started = performance.now();
    assert.equal(await deadline.race(work.then(() => 'done'), () => 'late'), 'late');
    const took = performance.now() - started;
    assert.ok(took >= 45 && took < 1_000, `answered at the deadline, not after the work (${Math.round(took)} ms)`);
    assert.equal(deadline.expired, true);
    assert.equal(finished, false, 'the work was not waited for');
    await work;
    assert.equal(finished, true, 'nor cancelled');
  });

  it('is expired at once when the request already used up its time reading the body', () => {
    assert.equal(new RequestDeadline(1_000, 0).expired, true);
    assert.equal(new RequestDeadline(1_000, -5).expired, true);
  });
});

describe('settleAll', () => {
  it('keeps at most `limit` calls in flight and settles every one', async () => {
    let inFlight = 0;
    let most = 0;
    const progress = settleAll([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      most = Math.max(most, ++inFlight);
      await sleep(5);
      inFlight -= 1;
      return n * 2;
    });
    const settled = await progress.done;
    assert.equal(most, 3);
    assert.deepEqual(settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined)), [2, 4, 6, 8, 10, 12, 14]);
    assert.equal(progress.started, 7);
  });

  it('starts nothing once an earlier call failed', async () => {
    const calls: number[] = [];
    const settled = await settleAll([1, 2, 3, 4], 1, async (n) => {
      calls.push(n);
      if (n === 2) throw new Error('Temporal refused');
    }).done;
    assert.deepEqual(calls, [1, 2]);
    assert.deepEqual(settled.map((s) => s.status), ['fulfilled', 'rejected', 'rejected', 'rejected']);
    assert.ok(settled.slice(2).every((s) => s.status === 'rejected' && s.reason instanceof NotAttempted));
  });

  it('starts no call after the deadline fired, while the calls in flight still settle', async () => {
    // Two lanes of 100 ms calls against a 150 ms deadline: calls 1-2 start at once, 3-4 about
    // 100 ms later, and 5-6 would start after the deadline. Only the invariants are asserted, so a
    // slow machine changes the counts, never the verdict.
    const deadline = new RequestDeadline(150);
    let expiredAtAStart = false;
    const progress = settleAll([1, 2, 3, 4, 5, 6], 2, async (n) => {
      expiredAtAStart ||= deadline.expired;
      await sleep(100);
      return n;
    }, () => deadline.expired);
    const answer = await deadline.race(progress.done.then(() => 'all'), () => 'deadline');
    assert.equal(answer, 'deadline');
    const atDeadline = progress.started;
    assert.ok(atDeadline >= 2 && atDeadline < 6, `some calls were in flight, not all were started (${atDeadline})`);
    const settled = await progress.done;
    assert.equal(progress.started, atDeadline, 'no call started after the deadline');
    assert.equal(expiredAtAStart, false, 'no call started once the deadline had passed');
    assert.ok(settled.slice(0, atDeadline).every((s) => s.status === 'fulfilled'), 'the calls in flight settled');
    const skipped = settled.slice(atDeadline);
    assert.ok(skipped.every((s) => s.status === 'rejected' && s.reason instanceof NotAttempted && /deadline/.test(String(s.reason))), 'the rest were marked not started');
  });
});
