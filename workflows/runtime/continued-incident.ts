import type { Signal } from '../../src/signals/signal-schema.js';
import type { IncidentInput } from '../definitions.js';
import type { CompensationSpec } from './compensations.js';
import type { EscalationsSnapshot } from './escalations.js';
import type { GatesSnapshot } from './human-gates.js';
import type { GuardsSnapshot } from './incident-guards.js';
import type { JournalEntry } from './journal.js';
import type { HeldOutcome, Phase } from './lifecycle.js';
import type { SignalRecordSnapshot } from './signal-record.js';
import type { TargetFacts } from './target-facts.js';
import type { TimelineSnapshot } from './timeline.js';

// What crosses from one run of an incident to the next (continue-as-new, or a takeover by
// medic worker when the playbook is gone): plain data, every piece from the part that owns it.

/** Where the main loop of an incident is: what a run continued as new picks up. */
export type Stage = { at: 'target' } | { at: 'run' } | { at: 'hold'; held: HeldOutcome; until: number } | { at: 'settle'; until: number };

/** Everything an incident carries into its next run when it continues as new. */
export interface ContinuedIncident {
  stage: Stage;
  phase: Phase;
  timeline: TimelineSnapshot;
  signals: SignalRecordSnapshot;
  journal: JournalEntry[];
  compensations: CompensationSpec[];
  facts: TargetFacts;
  guards: GuardsSnapshot;
  gates: GatesSnapshot;
  escalations: EscalationsSnapshot;
  resolvedBy?: Signal;
  resolvedWhileRunning: boolean;
  /** How many runs came before this one. */
  runs: number;
  /** Set when `medic worker` took over an incident whose playbook is no longer registered. */
  takenOver?: { playbook: string; runId: string };
}

/**
 * What an incident keeps in its memo: enough for `medic worker` to take it over if its playbook
 * is removed while it runs (its history would no longer replay): the input, and what is left to undo.
 */
export const UNDO_MEMO = 'medicUndo';
export interface UndoMemo {
  input: IncidentInput;
  compensations: CompensationSpec[];
  facts: TargetFacts;
  openedBy?: string;
}

