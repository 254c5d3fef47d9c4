import type { Params, TimelineEntry, TimelineKind } from '../definitions.js';

export interface TimelineFields {
  actor?: string;
  step?: string;
  attempt?: number;
  durationMs?: number;
  data?: Params;
}

/**
 * The incident's story, in order. Times come from workflow time, which Temporal
 * makes deterministic, so a replay rebuilds exactly the same timeline.
 */
export class Timeline {
  private readonly entries: TimelineEntry[] = [];

  add(kind: TimelineKind, message: string, fields: TimelineFields = {}): TimelineEntry {
    const entry: TimelineEntry = {
      seq: this.entries.length + 1,
      at: new Date().toISOString(),
      kind,
      actor: fields.actor ?? 'medic',
      message,
      ...(fields.step !== undefined && { step: fields.step }),
      ...(fields.attempt !== undefined && { attempt: fields.attempt }),
      ...(fields.durationMs !== undefined && { durationMs: fields.durationMs }),
      ...(fields.data !== undefined && { data: fields.data }),
    };
    this.entries.push(entry);
    return entry;
  }

  all(): TimelineEntry[] {
    return [...this.entries];
  }

  last(n: number): TimelineEntry[] {
    return this.entries.slice(-n);
  }
}
