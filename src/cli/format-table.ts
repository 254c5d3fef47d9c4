import { displayWidth, padToWidth } from './display-width.js';
import { terminalSafe } from './terminal-safe.js';

/** Rows as an aligned text table with a header, for terminals (aligned by display columns). Cells may come from signals: neutralised. */
export function formatTable(unsafeHeaders: string[], unsafeRows: string[][]): string {
  const headers = unsafeHeaders.map(terminalSafe);
  const rows = unsafeRows.map((r) => r.map(terminalSafe));
  const widths = headers.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const line = (cells: string[]) => cells.map((c, i) => padToWidth(c, widths[i] ?? 0)).join('  ').trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
