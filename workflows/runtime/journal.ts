import type { JsonValue } from '../definitions.js';
import type { ApprovalResult, EscalationResult } from './playbook-api.js';

// What a playbook run has done so far, call by call, so that after continue-as-new the new run can
// re-enter the playbook where the old one was: the playbook's code runs again from the top, and
// every call already in the journal returns what it returned then, without calling anything.
// A call that does not match its entry means the playbook's code changed under a running
// incident: the run stops there and a human decides (never a guess, never a wedge).

export type JournalEntry =
  | { kind: 'step'; name: string; output?: JsonValue; failure?: { message: string; type: string } }
  | { kind: 'approval'; question: string; deadline: number; result?: ApprovalResult }
  | { kind: 'escalate'; reason: string; deadline: number; result?: EscalationResult }
  | { kind: 'note' };

/** Failure type of a playbook whose code no longer matches what its incident already did. */
export const PLAYBOOK_CHANGED = 'PlaybookChanged';

export class Journal {
  private cursor = 0;

  constructor(private readonly entries: JournalEntry[] = []) {}

  /** True while the playbook is re-entering calls an earlier run already made. */
  get replaying(): boolean {
    return this.cursor < this.entries.length;
  }

  /** The recorded entry of the next call, checked against what the code asks now. */
  next<E extends JournalEntry>(kind: E['kind'], label: string, matches: (e: E) => boolean): E | undefined {
    if (!this.replaying) return undefined;
    const entry = this.entries[this.cursor] as JournalEntry;
    if (entry.kind !== kind || !matches(entry as E)) {
      throw new PlaybookChangedError(`the playbook's code changed under this incident: call ${this.cursor + 1} was ${describe(entry)}, now it is ${kind} "${label}"`);
    }
    this.cursor += 1;
    return entry as E;
  }

  /** A new call: record it (the returned object is updated in place when the call completes). */
  record<E extends JournalEntry>(entry: E): E {
    this.entries.push(entry);
    this.cursor = this.entries.length;
    return entry;
  }

  snapshot(): JournalEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Forget the run: a retry starts the playbook from the top. */
  reset(): void {
    this.entries.length = 0;
    this.cursor = 0;
  }
}

export class PlaybookChangedError extends Error {
  override readonly name = PLAYBOOK_CHANGED;
  readonly code = 'MEDIC_PLAYBOOK_CHANGED';
}

function describe(entry: JournalEntry): string {
  switch (entry.kind) {
    case 'step':
      return `step "${entry.name}"`;
    case 'approval':
      return `approval "${entry.question}"`;
    case 'escalate':
      return `escalate "${entry.reason}"`;
    case 'note':
      return 'a note';
  }
}
