import type { Effect } from '../../activities/declarations.js';

/**
 * What this incident has done to its target, as far as the safe-undo rule cares: a counter that
 * moves on every change (an attempt counts, since a failed restart may have half-happened) and on
 * every verify that passed. A target may go back into rotation only when the last thing that
 * happened to it was a passing verify. Plain data: it crosses continue-as-new as it is.
 */
export interface TargetFacts {
  clock: number;
  /** Clock of the last change (taken out, changed, put back); 0: none yet. */
  changedAt: number;
  /** Clock of the last verify that passed; 0: none yet. */
  verifiedAt: number;
}

export const noFacts = (): TargetFacts => ({ clock: 0, changedAt: 0, verifiedAt: 0 });

/** Before an attempt starts: any attempt at a change counts as a change. */
export function noteAttempt(facts: TargetFacts, effect: Effect): void {
  if (effect === 'takes-out' || effect === 'changes' || effect === 'puts-back') facts.changedAt = ++facts.clock;
}

/** After a verify returned. */
export function noteVerify(facts: TargetFacts, healthy: boolean): void {
  if (healthy) facts.verifiedAt = ++facts.clock;
}

/** True when a verify passed after the last change: the only time a target may go back. */
export function verifiedSinceLastChange(facts: TargetFacts): boolean {
  return facts.verifiedAt > facts.changedAt;
}
