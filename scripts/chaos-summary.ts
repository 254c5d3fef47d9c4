import { existsSync, readFileSync } from 'node:fs';

// The figures the reliability and hostile-input suites (test/chaos, test/security) report, one JSON
// line per test, and the table the test runner prints at the end of a run (issue 6: "done when").

export interface ChaosRow {
  /** Short name of the test that reports, e.g. "worker SIGKILL mid-step". */
  test: string;
  faultsInjected?: number;
  faultsSurvived?: number;
  incidentsExpected?: number;
  incidentsCompleted?: number;
  alertsAccepted?: number;
  alertsRecorded?: number;
  hostileTried?: number;
  hostileRejected?: number;
  secretsFound?: number;
}

/** Environment variable naming the JSON-lines file of this run (set by scripts/run-tests.ts). */
export const SUMMARY_ENV = 'MEDIC_CHAOS_SUMMARY';

const COLUMNS: [string, keyof ChaosRow, keyof ChaosRow | undefined][] = [
  ['faults injected/survived', 'faultsInjected', 'faultsSurvived'],
  ['incidents expected/completed', 'incidentsExpected', 'incidentsCompleted'],
  ['alerts accepted/recorded', 'alertsAccepted', 'alertsRecorded'],
  ['hostile inputs tried/rejected', 'hostileTried', 'hostileRejected'],
  ['secrets found', 'secretsFound', undefined],
];

export function readRows(file: string): ChaosRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ChaosRow);
}

const cell = (row: ChaosRow, a: keyof ChaosRow, b: keyof ChaosRow | undefined): string => {
  if (row[a] === undefined && (b === undefined || row[b] === undefined)) return '-';
  return b === undefined ? String(row[a] ?? 0) : `${row[a] ?? 0}/${row[b] ?? 0}`;
};

/** The summary table: one line per reporting test, then the totals. */
export function formatSummary(rows: ChaosRow[]): string {
  const sorted = [...rows].sort((x, y) => x.test.localeCompare(y.test));
  const total: ChaosRow = { test: 'TOTAL' };
  for (const row of sorted) {
    for (const [, a, b] of COLUMNS) {
      for (const key of b === undefined ? [a] : [a, b]) {
        const value = row[key];
        if (typeof value === 'number') (total[key] as number | undefined) = ((total[key] as number | undefined) ?? 0) + value;
      }
    }
  }
  const header = ['test', ...COLUMNS.map(([title]) => title)];
  const lines = [...sorted, total].map((row) => [row.test, ...COLUMNS.map(([, a, b]) => cell(row, a, b))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [fmt(header), rule, ...lines.slice(0, -1).map(fmt), rule, fmt(lines[lines.length - 1] ?? [])].join('\n');
}
