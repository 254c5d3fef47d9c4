import { existsSync, readFileSync } from 'node:fs';

// The figures the reliability and hostile-input suites (test/chaos, test/security) report, one JSON
// line per test, and the table the test runner prints at the end of a run (issue 6: "done when").
// Every figure is counted from what the system did or answered (test/helpers/chaos-summary.ts), and
// a test that fails still writes its row, marked failed with the reason (issue 16): the table shows
// what went wrong, never only what went right.

export interface ChaosRow {
  /** Short name of the test that reports, e.g. "worker SIGKILL mid-step". */
  test: string;
  /** Whether the test's assertions held. Rows without a status (older files) count as passed. */
  status?: 'passed' | 'failed';
  /** Why the test failed: the first line of its error. */
  reason?: string;
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

/** Longest reason printed under the table; the full text is in the test's own output. */
const REASON_CHARS = 200;

export function readRows(file: string): ChaosRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ChaosRow);
}

const failed = (row: ChaosRow): boolean => row.status === 'failed';

const cell = (row: ChaosRow, a: keyof ChaosRow, b: keyof ChaosRow | undefined): string => {
  if (row[a] === undefined && (b === undefined || row[b] === undefined)) return '-';
  return b === undefined ? String(row[a] ?? 0) : `${row[a] ?? 0}/${row[b] ?? 0}`;
};

/** The verdict printed above the table, so a failed run cannot be read as a clean one. */
export function summaryVerdict(rows: ChaosRow[]): string {
  const bad = rows.filter(failed).length;
  if (bad === 0) return `all ${rows.length} reporting tests passed`;
  return `FAILED: ${bad} of ${rows.length} reporting tests failed; their rows are marked FAILED and show what was measured before the failure`;
}

/** The summary table: the verdict, one line per reporting test, the totals, then why each failure failed. */
export function formatSummary(rows: ChaosRow[]): string {
  const sorted = [...rows].sort((x, y) => Number(failed(y)) - Number(failed(x)) || x.test.localeCompare(y.test));
  const total: ChaosRow = { test: 'TOTAL' };
  for (const row of sorted) {
    for (const [, a, b] of COLUMNS) {
      for (const key of b === undefined ? [a] : [a, b]) {
        const value = row[key];
        if (typeof value === 'number') (total[key] as number | undefined) = ((total[key] as number | undefined) ?? 0) + value;
      }
    }
  }
  const status = (row: ChaosRow): string => (row === total ? '' : failed(row) ? 'FAILED' : 'ok');
  const header = ['test', 'status', ...COLUMNS.map(([title]) => title)];
  const lines = [...sorted, total].map((row) => [row.test, status(row), ...COLUMNS.map(([, a, b]) => cell(row, a, b))]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const reasons = sorted.filter(failed).map((row) => `FAILED ${row.test}: ${oneLine(row.reason ?? 'no reason recorded')}`);
  return [summaryVerdict(rows), fmt(header), rule, ...lines.slice(0, -1).map(fmt), rule, fmt(lines[lines.length - 1] ?? []), ...reasons].join('\n');
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > REASON_CHARS ? `${line.slice(0, REASON_CHARS - 1)}…` : line;
}
