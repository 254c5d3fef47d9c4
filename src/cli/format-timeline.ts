import type { TimelineEntry } from '../../workflows/definitions.js';

/** A timeline as aligned text: time, actor, what happened, attempt and duration. */
export function formatTimeline(entries: TimelineEntry[]): string {
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
