import fc from 'fast-check';
import type { ActivityName } from '../../activities/contract.js';
import type { Behaviour } from '../helpers/fake-fleet.js';

// The generated scenarios: a few incidents on a small fleet (a pool of three web backends with
// room for one out of rotation, and a database outside any pool), the outcomes their steps will
// have, and a sequence of what happens from outside: alerts, repeats, resolutions, human actions,
// time passing the real defaults, the kill switch.

export const POOL = { name: 'web', members: ['web-1', 'web-2', 'web-3'], maxIsolated: 1 } as const;
export const TARGETS = [...POOL.members, 'db-1'] as const;
export const PLAYBOOKS = ['http-service-outage', 'diagnose-and-escalate'] as const;

export interface IncidentSpec {
  playbook: (typeof PLAYBOOKS)[number];
  target: (typeof TARGETS)[number];
  /** Route param of http-service-outage: ask a human before restarting. */
  approveRestart: boolean;
}

/**
 * Past the real defaults: settle 2 min, approval 10/15 min, ack 15 min, hold 24 h.
 * (10 minutes is the approval timeout a route typically sets; 15 the playbook's default.)
 */
export const ADVANCES = ['30 seconds', '3 minutes', '11 minutes', '16 minutes', '25 hours'] as const;

export type ScenarioEvent =
  | { kind: 'alert'; incident: number; repeat: boolean }
  | { kind: 'resolve'; incident: number }
  | { kind: 'abort'; incident: number }
  | { kind: 'ack'; incident: number }
  | { kind: 'approve'; incident: number }
  | { kind: 'retry'; incident: number }
  | { kind: 'advance'; by: (typeof ADVANCES)[number] }
  | { kind: 'pause' }
  | { kind: 'resume' }
  /** Stop the medic worker and start a new one (dev server only: see docs/testing.md). */
  | { kind: 'restart-worker' };

export interface Scenario {
  incidents: IncidentSpec[];
  /** What each call of an activity does, in call order across the whole fleet (FakeFleet's script). */
  script: Partial<Record<ActivityName, Behaviour[]>>;
  events: ScenarioEvent[];
}

// A hang ends only by cancellation (an abort). On the time-skipping server it is off by default:
// a running activity holds the server's clock, and when an abort cancels a hanging step the test
// server lets the incident complete without waiting for the cancellation, while it keeps holding
// the clock until the step's start-to-close timeout passes in real time (2-3 minutes). Every later
// scenario then waits. MEDIC_INVARIANT_HANGS=1 turns hangs on (of diagnose and restart only: an undo
// is not cancellable, a page must go out) for a run that may take that long. See docs/testing.md.
const HANG = (_: ActivityName): [Behaviour, number][] => (process.env['MEDIC_INVARIANT_HANGS'] === '1' ? [['hang', 1]] : []);

const outcomes = (weights: [Behaviour, number][]) =>
  fc.array(fc.oneof(...weights.map(([b, weight]) => ({ arbitrary: fc.constant(b), weight }))), { maxLength: 4 });

const scriptArb: fc.Arbitrary<Scenario['script']> = fc.record(
  {
    isolate: outcomes([['ok', 8], ['fail', 1], ['fatal', 1]]),
    diagnose: outcomes([['ok', 6], ['fail', 2], ['fatal', 1], ...HANG('diagnose')]),
    restart: outcomes([['ok', 6], ['fail', 2], ['fatal', 1], ...HANG('restart')]),
    verify: outcomes([['healthy', 5], ['unhealthy', 4], ['fail', 1]]),
    rollback: outcomes([['ok', 6], ['fail', 1], ['fatal', 1]]),
    rejoin: outcomes([['ok', 8], ['fail', 1]]),
    rollforward: outcomes([['ok', 8], ['fail', 1]]),
    escalate: outcomes([['ok', 8], ['fail', 1]]),
  },
  { requiredKeys: [] },
);

const incidentArb: fc.Arbitrary<IncidentSpec> = fc.record({
  playbook: fc.oneof({ arbitrary: fc.constant(PLAYBOOKS[0]), weight: 3 }, { arbitrary: fc.constant(PLAYBOOKS[1]), weight: 1 }),
  target: fc.constantFrom(...TARGETS),
  approveRestart: fc.boolean(),
});

function eventArb(incidents: number, workerRestarts: boolean): fc.Arbitrary<ScenarioEvent> {
  const i = fc.nat({ max: incidents - 1 });
  const restarts = workerRestarts ? [{ arbitrary: fc.constant({ kind: 'restart-worker' as const }), weight: 8 }] : [];
  return fc.oneof(
    ...restarts,
    { arbitrary: fc.record({ kind: fc.constant('alert' as const), incident: i, repeat: fc.boolean() }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('resolve' as const), incident: i }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('abort' as const), incident: i }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('ack' as const), incident: i }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('approve' as const), incident: i }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('retry' as const), incident: i }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('advance' as const), by: fc.constantFrom(...ADVANCES) }), weight: 4 },
    { arbitrary: fc.constant({ kind: 'pause' as const }), weight: 1 },
    { arbitrary: fc.constant({ kind: 'resume' as const }), weight: 1 },
  );
}

/** Scenarios of `min`..`max` incidents, each opened by its first alert, then up to `maxEvents` events. */
export function scenarioArb(options: { minIncidents: number; maxIncidents: number; maxEvents: number; workerRestarts?: boolean }): fc.Arbitrary<Scenario> {
  return fc.integer({ min: options.minIncidents, max: options.maxIncidents }).chain((n) =>
    fc.record({
      incidents: fc.array(incidentArb, { minLength: n, maxLength: n }),
      script: scriptArb,
      events: fc.array(eventArb(n, options.workerRestarts === true), { maxLength: options.maxEvents }),
    }),
  );
}

/** The scenario as one short line per event, for a counterexample a human can read. */
export function describeScenario(s: Scenario): string {
  const incidents = s.incidents.map((x, i) => `  incident ${i}: ${x.playbook} on ${x.target}${x.approveRestart ? ' (approveRestart)' : ''}`);
  const script = Object.entries(s.script)
    .filter(([, list]) => list !== undefined && list.length > 0)
    .map(([activity, list]) => `${activity}=[${(list ?? []).join(',')}]`)
    .join(' ');
  const events = s.events.map((e) => `  ${e.kind}${'incident' in e ? ` #${e.incident}` : ''}${e.kind === 'alert' && e.repeat ? ' (repeat id)' : ''}${e.kind === 'advance' ? ` ${e.by}` : ''}`);
  return [...incidents, `  fleet script: ${script || '(all ok, verify healthy)'}`, '  open every incident', ...events, '  settle'].join('\n');
}
