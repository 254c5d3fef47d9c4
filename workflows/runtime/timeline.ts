import type { Params, TimelineEntry, TimelineKind } from '../definitions.js';

export interface TimelineFields {
  actor?: string;
  step?: string;
  attempt?: number;
  durationMs?: number;
  data?: Params;
}

/** The timeline as it crosses continue-as-new. */
export interface TimelineSnapshot {
  entries: TimelineEntry[];
  seq: number;
  /** Entries dropped from the middle so far, by kind. */
  summarised: Partial<Record<TimelineKind, number>>;
}

/** At most this many entries are kept in workflow state (and returned by the `timeline` query). */
export const MAX_TIMELINE_ENTRIES = 300;
/** The opening of the story is always kept: what fired, what was decided first. */
const KEEP_HEAD = 20;
/** A message is at most this long in workflow state; the event history keeps the rest. */
const MAX_MESSAGE = 2_000;

/**
 * The incident's story, in order, bounded: past MAX_TIMELINE_ENTRIES the oldest entries after the
 * opening are summarised into one entry, so a day of flapping never outgrows a query's payload
 * limit. The full record stays in the event history (`medic audit`). Times come from workflow
 * time, so a replay rebuilds exactly the same timeline.
 */
export class Timeline {
  private readonly entries: TimelineEntry[];
  private seq: number;
  private readonly summarised: Partial<Record<TimelineKind, number>>;

  constructor(snapshot?: TimelineSnapshot) {
    this.entries = snapshot?.entries ?? [];
    this.seq = snapshot?.seq ?? 0;
    this.summarised = snapshot?.summarised ?? {};
  }

  add(kind: TimelineKind, message: string, fields: TimelineFields = {}): TimelineEntry {
    const entry: TimelineEntry = {
      seq: ++this.seq,
      at: new Date().toISOString(),
      kind,
      actor: fields.actor ?? 'medic',
      message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… (cut; the event history has it whole)` : message,
      ...(fields.step !== undefined && { step: fields.step }),
      ...(fields.attempt !== undefined && { attempt: fields.attempt }),
      ...(fields.durationMs !== undefined && { durationMs: fields.durationMs }),
      ...(fields.data !== undefined && { data: fields.data }),
    };
    this.entries.push(entry);
    if (this.entries.length > MAX_TIMELINE_ENTRIES) this.compact();
    return entry;
  }

  /** Drop the oldest entries after the opening, counted by kind in one summary entry. */
  private compact(): void {
    const hasSummary = this.entries[KEEP_HEAD]?.data?.['summarised'] !== undefined;
    const from = KEEP_HEAD + (hasSummary ? 1 : 0);
    const drop = Math.max(1, Math.floor(MAX_TIMELINE_ENTRIES / 10));
    for (const e of this.entries.splice(from, drop)) this.summarised[e.kind] = (this.summarised[e.kind] ?? 0) + 1;
    const total = Object.values(this.summarised).reduce((a, b) => a + (b ?? 0), 0);
    const counts = Object.entries(this.summarised).map(([k, n]) => `${n} ${k}`).join(', ');
    const summary: TimelineEntry = {
      seq: this.entries[KEEP_HEAD - 1]?.seq ?? 0,
      at: this.entries[KEEP_HEAD]?.at ?? new Date().toISOString(),
      kind: 'note',
      actor: 'medic',
      message: `${total} earlier entries are summarised here (${counts}); medic audit shows them all`,
      data: { summarised: { ...this.summarised } as Params },
    };
    if (hasSummary) this.entries[KEEP_HEAD] = summary;
    else this.entries.splice(KEEP_HEAD, 0, summary);
  }

  all(): TimelineEntry[] {
    return [...this.entries];
  }

  last(n: number): TimelineEntry[] {
    return this.entries.slice(-n);
  }

  snapshot(): TimelineSnapshot {
    return { entries: [...this.entries], seq: this.seq, summarised: { ...this.summarised } };
  }
}
