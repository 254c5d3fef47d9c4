import { BARE_STEPS } from './bare-workflow.js';
import { benchStep } from './bench-activities.js';
import { benchTarget } from './bench-routes.js';
import { round } from './stats.js';

// Row 3: the same five steps as plain async functions in one process, no durability at all.

export interface PlainResult {
  incidents: number;
  steps: number;
  /** Mean time of one step (an awaited no-op async call), in microseconds. */
  perStepMicros: number;
  /** Mean time of one whole incident's five steps, in microseconds. */
  perIncidentMicros: number;
}

export async function measurePlain(incidents: number): Promise<PlainResult> {
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const input = { incidentId: `plain-${i}`, target: benchTarget(`plain-${i}`), params: {} };
      // The same body the bench activities run, called directly: isolate ... rejoin.
      for (let s = 0; s < BARE_STEPS.length; s++) await benchStep(input);
    }
  };
  await run(Math.min(incidents, 100)); // warm the JIT, as the workers are warmed
  const started = performance.now();
  await run(incidents);
  const micros = (performance.now() - started) * 1000;
  return {
    incidents,
    steps: BARE_STEPS.length,
    perStepMicros: round(micros / (incidents * BARE_STEPS.length), 3),
    perIncidentMicros: round(micros / incidents, 3),
  };
}
