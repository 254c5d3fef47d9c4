import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { closeTimeSkipping, timeSkipping } from '../helpers/time-skipping.js';
import { within } from '../helpers/deadline.js';

// The test server's clock skips only while its lock count is zero. Each advance (the SDK's
// `sleep`, the server's UnlockTimeSkippingWithSleep) schedules its own re-lock and then unlocks;
// an unlock that finds the count already at zero is refused, but the re-lock still comes, so the
// count stays one too high for good: from then on virtual time runs at wall-clock pace and a
// 15-minute timer takes 15 minutes. Two advances that overlap do exactly that. This is the held
// clock that stalled clean-clone runs of the generated scenarios.

const HOUR_MS = 3_600_000;

describe("advancing the time-skipping server's clock", () => {
  after(async () => {
    await closeTimeSkipping();
  });

  it('advances that overlap all succeed, in order, and leave the clock skipping', async () => {
    const ts = await timeSkipping();
    const start = await ts.env.currentTimeMs();
    const settled = await within(Promise.allSettled(Array.from({ length: 8 }, (_, i) => ts.sleep(`${i + 1} hours`))), 20_000, '8 overlapping advances');
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [String(s.reason)] : []));
    assert.deepEqual(refused, [], 'no advance is refused by the server');
    // Taken one after another: 1 + 2 + ... + 8 hours.
    assert.ok((await ts.env.currentTimeMs()) - start >= 36 * HOUR_MS, 'the advances added up');

    const before = await ts.env.currentTimeMs();
    const wallStart = Date.now();
    await within(ts.sleep('1 day'), 10_000, 'an advance of a day');
    const moved = (await ts.env.currentTimeMs()) - before;
    assert.ok(moved >= 24 * HOUR_MS, `the clock moved a day (moved ${moved} ms)`);
    assert.ok(Date.now() - wallStart < 10_000, 'in seconds of wall time');
  });
});
