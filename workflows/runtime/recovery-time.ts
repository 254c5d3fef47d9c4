import type { IncidentOutcome, TimelineEntry } from '../definitions.js';

/**
 * Time to recovery, in seconds: from detection (the alert's own start time when the source gave
 * one, else when medic received the first signal) to the last successful verification.
 * Undefined unless the incident recovered. Pure: used by the workflow's metrics and by `medic report`.
 */
export function recoverySeconds(outcome: IncidentOutcome, timeline: TimelineEntry[]): number | undefined {
  if (outcome !== 'recovered') return undefined;
  const detected = timeline
    .filter((e) => e.kind === 'signal')
    .map((e) => Date.parse(typeof e.data?.['startsAt'] === 'string' ? e.data['startsAt'] : e.at))
    .filter((t) => !Number.isNaN(t));
  const verified = timeline.filter((e) => e.kind === 'step-succeeded' && e.data?.['healthy'] === true).at(-1);
  if (detected.length === 0 || verified === undefined) return undefined;
  return Math.max(0, (Date.parse(verified.at) - Math.min(...detected)) / 1000);
}
