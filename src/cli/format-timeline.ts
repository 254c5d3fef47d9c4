import type { TimelineEntry } from '../../workflows/definitions.js';
import { terminalSafe } from './terminal-safe.js';

/** A timeline as aligned text: time, actor, what happened, attempt and duration. */
export function formatTimeline(unsafeEntries: TimelineEntry[]): string {
  // Actors and messages carry what signals said (alert names, summaries, labels): neutralised.
  const entries = unsafeEntries.map((e) => ({ ...e, at: terminalSafe(e.at), actor: terminalSafe(e.actor), kind: terminalSafe(e.kind), message: terminalSafe(e.message) }));
  const actorWidth = Math.min(16, Math.max(5, ...entries.map((e) => e.actor.length)));
  return entries
    .map((e) => {
      const extra = [
        e.attempt !== undefined ? `attempt ${e.attempt}` : undefined,
        e.durationMs !== undefined ? `${e.durationMs} ms` : undefined,
      ].filter((x) => x !== undefined);
      const suffix = extra.length > 0 ? `  [${extra.join(', ')}]` : '';
      return `${e.at.replace('T', ' ').slice(0, 23)}  ${e.actor.padEnd(actorWidth)}  ${e.kind.padEnd(22)} ${e.message}${suffix}`;
    })
    .join('\n');
}
