import { terminalSafe } from './terminal-safe.js';

/** Rows as an aligned text table with a header, for terminals. Cells may come from signals: neutralised. */
export function formatTable(unsafeHeaders: string[], unsafeRows: string[][]): string {
  const headers = unsafeHeaders.map(terminalSafe);
  const rows = unsafeRows.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
