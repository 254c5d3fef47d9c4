import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { GuardsSchema } from '../../src/config/guards-schema.js';
import { guardStateQuery, guardWorkflowId } from '../../workflows/guards/definitions.js';
import { IsolationRecorder } from '../helpers/isolation-recorder.js';
import { openIncident, testRoute, testSignal } from '../helpers/incidents.js';
import { mapBounded } from '../helpers/load.js';
import { closeTestTemporal, testTemporal, uniqueName, withWorker } from '../helpers/temporal.js';

after(closeTestTemporal);

const POOLS = ['web', 'api', 'db'];
const PER_POOL = 100;
const LIMIT = 10; // 10% of 100
// Generous for a loaded 2-core machine: an ask may wait this long for its answer, three times.
const ANSWER_DEADLINE_MS = 60_000;
const ASKS = 3;

describe('guards under concurrency', () => {
  it('300 incidents on 300 targets in 3 pools opened at once never have more than 10% of a pool out, and each gets its first step or a refusal in time', async (t) => {
    const name = uniqueName(t.name);
    const targets: Record<string, { pool: string }> = {};
    for (const pool of POOLS) for (let i = 0; i < PER_POOL; i++) targets[`${pool}-${i}`] = { pool };
    const guards = {
      guards: GuardsSchema.parse({ pools: Object.fromEntries(POOLS.map((p) => [p, { maxIsolated: '10%' }])), answerDeadline: `${ANSWER_DEADLINE_MS / 1000} seconds`, asks: ASKS }),
      targets,
    };
    // Diagnosis takes 1.5 s, so isolations overlap and the limit is reached.
    const recorder = new IsolationRecorder({ diagnose: ['slow'] });
    const route = (target: string) => testRoute({ target, params: { ackTimeout: '1 second', humanHold: '1 second' } });
    const started = Date.now();
    const results = await withWorker(
      name,
      recorder.activities,
      async () => {
        const handles = await mapBounded(Object.keys(targets), 50, async (target) => ({ target, opened: Date.now(), handle: await openIncident(name, testSignal(`${name}-${target}`), route(target)) }));
        const opened = Date.now();
        const done = await mapBounded(handles, 300, async (h) => ({ ...h, result: await h.handle.result() }));
        const { client } = await testTemporal();
        const state = await client.workflow.getHandle(guardWorkflowId(name)).query(guardStateQuery);
        return { done, openedInMs: opened - started, state };
      },
      { guards },
    );
    const wallMs = Date.now() - started;

    const peaks = recorder.peakOut((target) => targets[target]?.pool ?? '?');
    const refusedIn = new Map<string, number>();
    const firstWaitMs: number[] = [];
    let reAsks = 0;
    for (const { target, opened, result } of results.done) {
      const isolated = result.timeline.find((e) => e.kind === 'step-started' && e.step === `isolate ${target}`);
      const refusal = result.timeline.find((e) => e.message.startsWith('a guard refused: blast radius'));
      assert.ok(isolated !== undefined || refusal !== undefined, `${target}: neither its first step nor a refusal\n${result.timeline.map((e) => e.message).join('\n')}`);
      assert.ok(!result.timeline.some((e) => e.message.startsWith('the guards did not answer')), `${target} waited past its deadline`);
      reAsks += result.timeline.filter((e) => e.message.startsWith('the guards: ')).length;
      if (refusal !== undefined) refusedIn.set(targets[target]?.pool ?? '?', (refusedIn.get(targets[target]?.pool ?? '?') ?? 0) + 1);
      firstWaitMs.push(Date.parse((isolated ?? refusal)?.at ?? '') - opened);
    }
    firstWaitMs.sort((a, b) => a - b);
    const p = (q: number) => firstWaitMs[Math.min(firstWaitMs.length - 1, Math.floor(q * firstWaitMs.length))] ?? NaN;
    console.log(
      `300 incidents in 3 pools: wall ${(wallMs / 1000).toFixed(1)} s (opened in ${(results.openedInMs / 1000).toFixed(1)} s); ` +
        `first step or refusal p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${firstWaitMs.at(-1)} ms; re-asks ${reAsks}; ` +
        `peak out per pool ${JSON.stringify(Object.fromEntries(peaks))}; refused per pool ${JSON.stringify(Object.fromEntries(refusedIn))}`,
    );
    for (const pool of POOLS) {
      assert.ok((peaks.get(pool) ?? 0) <= LIMIT, `pool ${pool} had ${peaks.get(pool)} members out at once (at most ${LIMIT})`);
      assert.ok((peaks.get(pool) ?? 0) >= 2, `pool ${pool}: isolations overlapped (or the test proves nothing)`);
      assert.ok((refusedIn.get(pool) ?? 0) > 0, `pool ${pool}: the limit was reached and refused someone (or the test proves nothing)`);
    }
    assert.ok((firstWaitMs.at(-1) ?? Infinity) <= ANSWER_DEADLINE_MS * ASKS, 'none waited past its deadline');
    assert.deepEqual(results.state.isolated, {}, 'every isolated member rejoined; refused ones were never out');
    assert.equal(recorder.calls.filter((c) => c.activity === 'isolate').length, recorder.calls.filter((c) => c.activity === 'rejoin').length);
  });
});
