import type { TimelineEntry } from '../workflows/definitions.js';

/**
 * One timeline entry as a line of the demo: seconds since the incident opened, what happened,
 * and who did it when it was not medic (Alertmanager, the person who approved).
 */
export function formatEntry(entry: TimelineEntry, openedAt: number): string {
  const seconds = (Date.parse(entry.at) - openedAt) / 1000;
  const when = `+${seconds.toFixed(1)}s`.padStart(7);
  const extra = [
    entry.actor !== 'medic' ? `by ${entry.actor}` : undefined,
    entry.durationMs !== undefined ? `${(entry.durationMs / 1000).toFixed(1)} s` : undefined,
  ].filter((x) => x !== undefined);
  return `${when}  ${entry.kind.padEnd(22)} ${entry.message}${extra.length > 0 ? `  (${extra.join(', ')})` : ''}`;
}
