import { formatTable } from '../src/cli/format-table.js';
import type { ScenarioOutcome } from './scenarios.js';

/** The final table: one row a scenario. */
export function summaryTable(outcomes: ScenarioOutcome[]): string {
  return formatTable(
    ['SCENARIO', 'SERVICE', 'INCIDENT', 'OUTCOME', 'MTTR', 'AS DESCRIBED'],
    outcomes.map((o) => [
      o.scenario,
      o.service,
      o.incidentId,
      o.approvedBy !== null ? `${o.outcome} (approved by ${o.approvedBy})` : o.outcome,
      o.mttrSeconds !== null ? `${o.mttrSeconds.toFixed(1)} s` : '-',
      o.asExpected ? 'yes' : `NO: ${o.problem ?? ''}`,
    ]),
  );
}

/** What `--json-summary` prints as the last line: for CI and for the demo's own test. */
export interface JsonSummary {
  event: 'summary';
  ok: boolean;
  interrupted: boolean;
  error: string | null;
  durationSeconds: number;
  scenarios: ScenarioOutcome[];
  /** Every process the demo started (name -> PID), as last seen. */
  processes: Record<string, number>;
  /** Every port the demo listened on or made something listen on (name -> port). */
  ports: Record<string, number>;
  /** The temporary folder (removed on exit). */
  dir: string;
  /** Cleanup steps that failed. */
  cleanupFailures: string[];
}
