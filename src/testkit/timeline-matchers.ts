import type { IncidentOutcome, IncidentResult, TimelineEntry, TimelineKind } from '../../workflows/definitions.js';

// Assertions over an incident's timeline that work in any test framework: they throw an Error
// whose message says what was expected and prints the whole timeline, so a failing test shows
// what the incident did instead.

/** A timeline assertion that did not hold. */
export class TimelineMismatchError extends Error {
  override readonly name = 'TimelineMismatchError';
  readonly code = 'MEDIC_TIMELINE_MISMATCH';
}

/** What to look for: an entry kind, and optionally text its message contains or a pattern it matches. */
export type EntryPattern = TimelineKind | [TimelineKind, string | RegExp];

export interface TimelineExpectation {
  /** An entry of this kind (whose message contains `message` or matches it) exists; returns the first. */
  toInclude(kind: TimelineKind, message?: string | RegExp): TimelineEntry;
  /** No entry of this kind (with such a message) exists. */
  toExclude(kind: TimelineKind, message?: string | RegExp): void;
  /** These entries exist in this order (others may come between); returns them. */
  toIncludeInOrder(...patterns: EntryPattern[]): TimelineEntry[];
  /** The incident ended with this outcome (needs the incident's result, not a bare timeline). */
  toHaveOutcome(outcome: IncidentOutcome): void;
}

/**
 * Assertions over an incident's result or timeline.
 *
 * @example
 * expectTimeline(result).toHaveOutcome('escalated');
 * expectTimeline(result).toInclude('approval-timed-out');
 * expectTimeline(result).toIncludeInOrder('approval-requested', ['escalated', /nobody approved/]);
 */
export function expectTimeline(source: IncidentResult | TimelineEntry[]): TimelineExpectation {
  const timeline = Array.isArray(source) ? source : source.timeline;
  const fail = (expected: string): never => {
    throw new TimelineMismatchError(`expected the timeline ${expected}\n${formatTimeline(timeline)}`);
  };
  return {
    toInclude(kind, message) {
      return timeline.find((e) => matches(e, [kind, message])) ?? fail(`to include an entry ${describe([kind, message])}; it has none`);
    },
    toExclude(kind, message) {
      const found = timeline.find((e) => matches(e, [kind, message]));
      if (found !== undefined) fail(`not to include an entry ${describe([kind, message])}; entry #${found.seq} is one`);
    },
    toIncludeInOrder(...patterns) {
      const found: TimelineEntry[] = [];
      let from = 0;
      for (const pattern of patterns) {
        const i = timeline.findIndex((e, n) => n >= from && matches(e, pattern));
        if (i < 0) {
          const after = found.at(-1);
          fail(`to include, in order, entries ${patterns.map(describe).join(', then ')}; found no entry ${describe(pattern)}${after !== undefined ? ` after entry #${after.seq}` : ''}`);
        }
        found.push(timeline[i] as TimelineEntry);
        from = i + 1;
      }
      return found;
    },
    toHaveOutcome(outcome) {
      if (Array.isArray(source)) throw new TimelineMismatchError('toHaveOutcome needs the incident\'s result. To fix: pass the result of `incident.result()`, not its timeline');
      if (source.outcome !== outcome) fail(`to end "${outcome}"; the incident ended "${source.outcome}"`);
    },
  };
}

/** The timeline as lines a person reads: `#7 00:10:00.000 approval-timed-out  restart web-1? ...`. */
export function formatTimeline(timeline: TimelineEntry[]): string {
  const start = Date.parse(timeline[0]?.at ?? '');
  return timeline
    .map((e) => `  #${e.seq} +${formatOffset(Date.parse(e.at) - start)} ${e.kind.padEnd(22)} ${e.message}${e.step !== undefined ? ` [${e.step}]` : ''}`)
    .join('\n');
}

function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${s.toFixed(3).padStart(6, '0')}`;
}

function matches(entry: TimelineEntry, pattern: EntryPattern | [TimelineKind, string | RegExp | undefined]): boolean {
  const [kind, message] = typeof pattern === 'string' ? [pattern, undefined] : pattern;
  if (entry.kind !== kind) return false;
  if (message === undefined) return true;
  if (typeof message === 'string') return entry.message.includes(message);
  message.lastIndex = 0; // a /g pattern remembers where it matched last
  return message.test(entry.message);
}

function describe(pattern: EntryPattern | [TimelineKind, string | RegExp | undefined]): string {
  const [kind, message] = typeof pattern === 'string' ? [pattern, undefined] : pattern;
  if (message === undefined) return `"${kind}"`;
  return `"${kind}" ${typeof message === 'string' ? `containing ${JSON.stringify(message)}` : `matching ${String(message)}`}`;
}
