import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { IncidentOutcome, IncidentResult, TimelineEntry } from '../../workflows/definitions.js';
import { isFalseAlarm, restoreSeconds, serviceReliability, servicesReliability } from '../../src/reports/service-reliability.js';

const T0 = Date.parse('2026-11-01T00:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

/** A closed incident: detected at `start`, healthy (or closed) `after` seconds later. */
function incident(start: number, after: number, outcome: IncidentOutcome, abortReason?: string, dryRun = false): IncidentResult {
  const timeline: TimelineEntry[] = [
    { seq: 1, at: at(start), kind: 'signal', actor: 'alertmanager', message: 'firing: HighErrorRate on checkout' },
    ...(outcome === 'recovered' ? [{ seq: 2, at: at(start + after), kind: 'step-succeeded' as const, actor: 'medic', message: 'verify checkout', data: { activity: 'verify', healthy: true } }] : []),
    ...(abortReason !== undefined ? [{ seq: 3, at: at(start + after), kind: 'abort' as const, actor: 'alice', message: `abort requested: ${abortReason}` }] : []),
    { seq: 4, at: at(start + after + 5), kind: 'outcome', actor: 'medic', message: outcome },
  ];
  return { incidentId: `incident-${start}`, fingerprint: String(start), playbook: 'http-service-outage', target: 'checkout', dryRun, outcome, signals: 1, timeline };
}

const DAY = 86_400;

describe('MTBF, availability and false alarms per service', () => {
  it('computes MTBF as up time per failure and availability as MTBF / (MTBF + MTTR)', () => {
    // Two failures in a day: restored after 60 s (medic verified) and after 300 s (a human closed it).
    const r = serviceReliability('checkout', [incident(1_000, 60, 'recovered'), incident(50_000, 295, 'escalated')], DAY);
    assert.equal(r.failures, 2);
    assert.equal(r.mttrSeconds, 180, 'mean of 60 s and 300 s');
    assert.equal(r.mtbfSeconds, (DAY - 360) / 2);
    assert.equal(r.availability, Math.round(((DAY - 360) / 2 / ((DAY - 360) / 2 + 180)) * 1e6) / 1e6);
    assert.ok(r.availability > 0.995 && r.availability < 0.996);
  });

  it('counts a human abort "false alarm" as a false alarm, not as a failure of the service', () => {
    const results = [incident(1_000, 60, 'recovered'), incident(2_000, 30, 'aborted', 'false alarm: the probe was misconfigured'), incident(3_000, 30, 'aborted', 'rolled back by hand')];
    const r = serviceReliability('checkout', results, DAY);
    assert.deepEqual([r.incidents, r.falseAlarms, r.failures, r.falseAlarmShare], [3, 1, 2, 0.333]);
    assert.equal(isFalseAlarm(incident(0, 1, 'aborted', 'False positive')), true);
    assert.equal(isFalseAlarm(incident(0, 1, 'aborted', 'not false, alarming')), false);
    assert.equal(isFalseAlarm(incident(0, 1, 'recovered', 'false alarm')), false, 'only an aborted incident closes as a false alarm');
  });

  it('gives a service with no failure in the period no MTBF and an availability of 1', () => {
    const r = serviceReliability('quiet', [incident(1_000, 10, 'aborted', 'false alarm')], DAY);
    assert.deepEqual([r.mtbfSeconds, r.mttrSeconds, r.availability, r.failures], [null, null, 1, 0]);
  });

  it('leaves dry runs out: they changed nothing and restored nothing', () => {
    const r = serviceReliability('checkout', [incident(1_000, 60, 'recovered', undefined, true)], DAY);
    assert.deepEqual([r.incidents, r.failures, r.availability], [0, 0, 1]);
  });

  it('times an incident that did not recover by itself until it closed', () => {
    assert.equal(restoreSeconds(incident(0, 600, 'failed')), 605);
    assert.equal(restoreSeconds(incident(0, 42, 'recovered')), 42);
  });

  it('lists services by availability, the least available first', () => {
    const rows = servicesReliability(
      [
        { service: 'steady', result: incident(1_000, 10, 'recovered') },
        { service: 'flaky', result: incident(1_000, 3_000, 'escalated') },
        { service: 'flaky', result: incident(9_000, 3_000, 'failed') },
      ],
      DAY,
    );
    assert.deepEqual(rows.map((r) => r.service), ['flaky', 'steady']);
  });
});
