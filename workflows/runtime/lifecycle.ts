import type { IncidentOutcome, IncidentStatus } from '../definitions.js';

// One incident's lifecycle as an explicit state machine. The workflow feeds it events; status,
// outcome, search attributes and the Web UI's details are all derived from the phase, so no two
// places can disagree, and an incident closes exactly once (a second close is refused here).

export type HeldOutcome = 'escalated' | 'failed';

export type Phase =
  /** Opened; taking the target (or waiting in line for it). */
  | { name: 'opening' }
  /** The playbook is running. */
  | { name: 'running' }
  /** The playbook waits for a person: an approval, an acknowledgement, or medic pause. */
  | { name: 'waiting-for-human'; gate: 'approval' | 'ack' | 'pause' }
  /** Recovered; staying open a while for the alert to clear. */
  | { name: 'settling' }
  /** Escalated or failed: held open for a human to retry or abort. */
  | { name: 'held'; held: HeldOutcome; acked: boolean }
  | { name: 'closed'; outcome: IncidentOutcome };

export type LifecycleEvent =
  | { type: 'run-started' }
  | { type: 'human-needed'; gate: 'approval' | 'ack' | 'pause' }
  | { type: 'human-answered' }
  | { type: 'recovered' }
  | { type: 'held'; held: HeldOutcome; acked: boolean }
  | { type: 'acked' }
  | { type: 'closed'; outcome: IncidentOutcome };

export class LifecycleError extends Error {
  override readonly name = 'LifecycleError';
  readonly code = 'MEDIC_LIFECYCLE';
}

/** The one transition function. Pure; throws on an event that makes no sense in the phase. */
export function transition(phase: Phase, event: LifecycleEvent): Phase {
  if (phase.name === 'closed') throw new LifecycleError(`the incident already closed as ${phase.outcome}; cannot apply ${event.type}`);
  switch (event.type) {
    case 'run-started':
      return { name: 'running' };
    case 'human-needed':
      return phase.name === 'held' ? phase : { name: 'waiting-for-human', gate: event.gate };
    case 'human-answered':
      return phase.name === 'waiting-for-human' ? { name: 'running' } : phase;
    case 'recovered':
      return { name: 'settling' };
    case 'held':
      return { name: 'held', held: event.held, acked: event.acked };
    case 'acked':
      if (phase.name === 'held') return { ...phase, acked: true };
      return phase.name === 'waiting-for-human' && phase.gate === 'ack' ? { name: 'running' } : phase;
    case 'closed':
      return { name: 'closed', outcome: event.outcome };
  }
}

/** The `MedicStatus` an engineer filters on, derived from the phase. */
export function statusOf(phase: Phase): IncidentStatus {
  switch (phase.name) {
    case 'opening':
      return 'open';
    case 'running':
      return 'recovering';
    case 'waiting-for-human':
      return 'awaiting-human';
    case 'settling':
      return 'recovered';
    case 'held':
      return phase.acked ? phase.held : 'awaiting-human';
    case 'closed':
      return phase.outcome;
  }
}

export const outcomeOf = (phase: Phase): IncidentOutcome | undefined => (phase.name === 'closed' ? phase.outcome : undefined);
