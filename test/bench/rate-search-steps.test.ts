import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRate, searchAnswer, stepResult, type RateStep, type SearchBounds } from '../../bench/rate-search-steps.js';

// Row 9's search rules, without a server: which rate comes next, and what the steps tried say.

const BOUNDS: SearchBounds = { startRate: 5, maxRate: 160, resolution: 0.1, maxStepsPerKind: 9 };
const LIMIT_MS = 1000;

/** A step at `rate` that passed or failed. */
const step = (rate: number, pass: boolean): RateStep => stepResult(rate, 10, Array(10).fill(pass ? 100 : 5000), false, LIMIT_MS);

/** Runs the search against a machine whose first-action p99 stays under the limit up to `capacity`/s. */
function searchUpTo(capacity: number, bounds = BOUNDS): RateStep[] {
  const steps: RateStep[] = [];
  for (let rate = nextRate(steps, bounds); rate !== undefined; rate = nextRate(steps, bounds)) steps.push(step(rate, rate <= capacity));
  return steps;
}

describe('rate search steps', () => {
  it('doubles from the start rate until a step fails, then bisects to within the resolution', () => {
    const steps = searchUpTo(27);
    assert.deepEqual(steps.slice(0, 4).map((s) => s.rate), [5, 10, 20, 40], 'doubling');
    const { highestPassingRate, lowestFailingRate } = searchAnswer(steps);
    assert.ok(highestPassingRate <= 27 && (lowestFailingRate ?? 0) > 27, `the answer brackets the capacity: ${highestPassingRate} .. ${lowestFailingRate}`);
    assert.ok((lowestFailingRate ?? 0) - highestPassingRate <= Math.max(1, 0.1 * highestPassingRate), 'bisected to within 10%');
    assert.ok(steps.length <= BOUNDS.maxStepsPerKind);
  });

  it('halves from the start rate when the start rate fails, and answers 0 when even 1/s fails', () => {
    assert.deepEqual(searchUpTo(3).slice(0, 2).map((s) => s.rate), [5, 2]);
    const none = searchUpTo(0);
    assert.deepEqual(none.map((s) => s.rate), [5, 2, 1]);
    assert.equal(searchAnswer(none).highestPassingRate, 0);
  });

  it('stops at the maximum rate when every step passes, with no failing rate to report', () => {
    const steps = searchUpTo(1000);
    assert.deepEqual(steps.map((s) => s.rate), [5, 10, 20, 40, 80, 160]);
    assert.deepEqual(searchAnswer(steps), { highestPassingRate: 160 });
  });

  it('never tries more steps than its bound, and the smoke bounds try two steps whichever way the first goes', () => {
    assert.equal(searchUpTo(27, { ...BOUNDS, maxStepsPerKind: 3 }).length, 3);
    const smoke: SearchBounds = { startRate: 5, maxRate: 10, resolution: 0.5, maxStepsPerKind: 2 };
    assert.deepEqual(searchUpTo(100, smoke).map((s) => s.rate), [5, 10]);
    assert.deepEqual(searchUpTo(0, smoke).map((s) => s.rate), [5, 2]);
  });

  it('believes no pass above a failure: the answer is the highest rate that held with no lower one failing', () => {
    assert.deepEqual(searchAnswer([step(5, true), step(10, false), step(20, true)]), { highestPassingRate: 5, lowestFailingRate: 10 });
  });

  it('counts an incident without a first action in time as over the limit, and a step stopped early as failing', () => {
    const late = stepResult(10, 10, [...Array(9).fill(100), Number.POSITIVE_INFINITY], false, LIMIT_MS);
    assert.equal(late.p99Ms, null, 'the p99 of ten falls on the late one');
    assert.equal(late.late, 1);
    assert.equal(late.pass, false);
    const fine = stepResult(10, 10, Array(10).fill(100), false, LIMIT_MS);
    assert.equal(fine.pass, true);
    assert.equal(fine.p99Ms, 100);
    assert.equal(stepResult(10, 10, Array(4).fill(100), true, LIMIT_MS).pass, false);
  });
});
