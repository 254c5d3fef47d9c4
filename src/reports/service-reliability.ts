import type { IncidentResult, TimelineEntry } from '../../workflows/definitions.js';
import { recoverySeconds } from '../../workflows/runtime/recovery-time.js';

// The figures the fault-tolerance literature and operators quote, per service, over the report's
// window: MTBF, MTTR and availability = MTBF / (MTBF + MTTR), and how many alerts were false alarms.

/** A human closed it as a false alarm: an abort whose reason says so. */
const FALSE_ALARM_REASON = /\bfalse[ -](alarm|positive)s?\b/i;

export interface ServiceReliability {
  service: string;
  /** Closed incidents (dry runs excluded), false alarms included. */
  incidents: number;
  /** Incidents a human aborted as a false alarm: not failures, so not in MTBF or MTTR. */
  falseAlarms: number;
  falseAlarmShare: number;
  /** Incidents counted as failures of the service. */
  failures: number;
  /** Mean time to restore, in seconds: to the last passing verify, or to the incident's close. */
  mttrSeconds: number | null;
  /** Mean time between failures, in seconds: the window's up time / failures; null with none. */
  mtbfSeconds: number | null;
  /** MTBF / (MTBF + MTTR); 1 when the service had no failure in the window. */
  availability: number;
}

export interface ClosedIncident {
  service: string;
  result: IncidentResult;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

export function isFalseAlarm(result: IncidentResult): boolean {
  if (result.outcome !== 'aborted') return false;
  // The abort's entry reads "abort requested: <reason>", with the human as its actor.
  return result.timeline.some((e) => e.kind === 'abort' && FALSE_ALARM_REASON.test(e.message));
}

function detectedAt(timeline: TimelineEntry[]): number | undefined {
  const times = timeline
    .filter((e) => e.kind === 'signal')
    .map((e) => Date.parse(typeof e.data?.['startsAt'] === 'string' ? e.data['startsAt'] : e.at))
    .filter((t) => !Number.isNaN(t));
  return times.length === 0 ? undefined : Math.min(...times);
}

/**
 * Seconds the service was down for this incident: until medic verified it healthy, or, when it did
 * not recover on its own, until the incident closed (a human's repair time counts too).
 */
export function restoreSeconds(result: IncidentResult): number | undefined {
  const recovered = recoverySeconds(result.outcome, result.timeline);
  if (recovered !== undefined) return recovered;
  const detected = detectedAt(result.timeline);
  const closed = result.timeline.filter((e) => e.kind === 'outcome').at(-1) ?? result.timeline.at(-1);
  if (detected === undefined || closed === undefined) return undefined;
  return Math.max(0, (Date.parse(closed.at) - detected) / 1000);
}

/** MTBF, MTTR, availability and false alarms of one service over a window. Pure. */
export function serviceReliability(service: string, results: IncidentResult[], windowSeconds: number): ServiceReliability {
  const real = results.filter((r) => !r.dryRun);
  const falseAlarms = real.filter(isFalseAlarm).length;
  const failures = real.filter((r) => !isFalseAlarm(r));
  const downtimes = failures.map(restoreSeconds).filter((s): s is number => s !== undefined);
  const down = downtimes.reduce((a, b) => a + b, 0);
  const mttr = downtimes.length === 0 ? null : down / downtimes.length;
  const mtbf = failures.length === 0 ? null : Math.max(0, windowSeconds - down) / failures.length;
  const availability = mtbf === null || mttr === null ? 1 : mtbf + mttr === 0 ? 0 : mtbf / (mtbf + mttr);
  return {
    service,
    incidents: real.length,
    falseAlarms,
    falseAlarmShare: real.length === 0 ? 0 : round(falseAlarms / real.length),
    failures: failures.length,
    mttrSeconds: mttr === null ? null : round(mttr),
    mtbfSeconds: mtbf === null ? null : round(mtbf),
    availability: round(availability, 6),
  };
}

/** One row per service, the least available first: the one to look at. */
export function servicesReliability(closed: ClosedIncident[], windowSeconds: number): ServiceReliability[] {
  const byService = new Map<string, IncidentResult[]>();
  for (const c of closed) byService.set(c.service, [...(byService.get(c.service) ?? []), c.result]);
  return [...byService.entries()]
    .map(([service, results]) => serviceReliability(service, results, windowSeconds))
    .sort((a, b) => a.availability - b.availability || a.service.localeCompare(b.service));
}
