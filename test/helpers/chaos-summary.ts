import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { SUMMARY_ENV, type ChaosRow } from '../../scripts/chaos-summary.js';
import { PROJECT_ROOT } from './processes.js';

/**
 * Add this test's figures to the run's summary table (printed by scripts/run-tests.ts).
 * Call it once the test's assertions passed, with what was actually counted, not what was planned.
 */
export function reportChaos(row: ChaosRow): void {
  const file = process.env[SUMMARY_ENV] ?? join(PROJECT_ROOT, 'test-results', 'chaos-summary.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(row)}\n`);
}
