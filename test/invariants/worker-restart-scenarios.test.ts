import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { TestServer } from '../helpers/time-skipping.js';
import { closeTestTemporal, NAMESPACE, testTemporal } from '../helpers/temporal.js';
import { checkAll } from './invariant-checks.js';
import { describeScenario, scenarioArb, type Scenario } from './scenario-model.js';
import { ScenarioBench } from './scenario-bench.js';
import { ScenarioDriver } from './scenario-driver.js';

// The generated scenarios with worker restarts, on the run's dev server: the time-skipping server
// cannot serve a workflow after the worker that cached it stopped (docs/testing.md). No virtual
// clock here, so time is not advanced; at the end a human aborts whatever is still open.

const SEED = Number(process.env['MEDIC_INVARIANT_SEED'] ?? Date.now() % 2_147_483_647);
const RUNS = Number(process.env['MEDIC_INVARIANT_RESTART_RUNS'] ?? 4);
/** The whole property, shrinking included: scenarios here take tens of seconds of real time. */
const TIME_LIMIT_MS = 180_000;

let bench: ScenarioBench;
let played = 0;

describe('generated scenarios with worker restarts', () => {
  before(async () => {
    const { client, native, bundle } = await testTemporal();
    const server: TestServer = { client, nativeConnection: native, namespace: NAMESPACE, bundle };
    bench = new ScenarioBench(server, `invariants-restarts-${process.pid}`);
    await bench.worker.start();
  });
  after(async () => {
    // Bounded: a worker whose last scenario was cut short by the time limit must not hold the run.
    // A local activity may wait up to its 30 s timeout (a guard workflow on a loaded machine once
    // took 29 s to take a signal), so the worker gets 60 s to stop; a connection it still holds
    // after that is left to the process's exit instead of failing a run whose scenarios all passed.
    await Promise.race([bench?.worker.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 60_000))]);
    await closeTestTemporal().catch((err: unknown) => console.warn(`worker-restart scenarios: connection left open at teardown: ${(err as Error).message}`));
  });

  it('every safety invariant holds when the worker restarts in the middle of incidents', { timeout: 600_000 }, async () => {
    console.log(`worker-restart scenarios: seed ${SEED} (replay with MEDIC_INVARIANT_SEED=${SEED})`);
    const arb = scenarioArb({ minIncidents: 1, maxIncidents: 2, maxEvents: 5, workerRestarts: true });
    const details = await fc.check(
      fc.asyncProperty(arb, async (scenario: Scenario) => {
        played += 1;
        const record = await new ScenarioDriver(bench, scenario, `r${process.pid}-${played}`).run();
        const { violations } = checkAll(record);
        if (violations.length > 0) throw new Error(violations.map((v) => `(${v.invariant}) ${v.check}: ${v.message}`).join('\n'));
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: false },
    );
    console.log(`worker-restart scenarios: ${played} played (with shrinking), worker restarted ${bench.worker.restarts} times`);
    const counterexample = details.counterexample?.[0] as Scenario | undefined;
    assert.equal(
      details.failed,
      false,
      counterexample === undefined
        ? // No scenario broke an invariant, yet the run failed: say how (a scenario that never ended
          // hits the time limit before any run completes; that once hid a worker stuck stopping).
          `seed ${SEED}; no counterexample (runs completed ${details.numRuns}, interrupted ${details.interrupted}): ${fc.defaultReportMessage(details) ?? String(details.errorInstance ?? '')}`
        : `seed ${SEED}; shrunk counterexample:\n${describeScenario(counterexample)}\n${String((details.errorInstance as Error | null)?.message ?? '')}`,
    );
  });
});
