import type { MedicActivities } from '../../activities/contract.js';
import { FakeFleet, type Behaviour } from './fake-fleet.js';

/** One isolate or rejoin call, stamped at its start and end on one logical clock (and in ms). */
export interface IsolationCall {
  activity: 'isolate' | 'rejoin';
  target: string;
  incidentId: string;
  start: number;
  end?: number;
  startMs: number;
}

/**
 * The FakeFleet, recording when each isolate and rejoin started and ended (like
 * test/invariants/recording-fleet.ts), so that how many members of a pool were out of rotation at
 * any instant is decided from what the fleet saw, not from the guards' own state.
 */
export class IsolationRecorder {
  readonly fleet: FakeFleet;
  readonly calls: IsolationCall[] = [];
  private clock = 0;

  constructor(script: Partial<Record<keyof MedicActivities, Behaviour[]>> = {}) {
    this.fleet = new FakeFleet(script);
  }

  get activities(): MedicActivities {
    const stamp = (activity: 'isolate' | 'rejoin') =>
      (async (input: Parameters<MedicActivities['isolate']>[0]) => {
        const call: IsolationCall = { activity, target: input.target, incidentId: input.incidentId, start: ++this.clock, startMs: Date.now() };
        this.calls.push(call);
        try {
          return await this.fleet.activities[activity](input);
        } finally {
          call.end = ++this.clock;
        }
      }) as MedicActivities['isolate'];
    return { ...this.fleet.activities, isolate: stamp('isolate'), rejoin: stamp('rejoin') };
  }

  /**
   * The most members of each pool out of rotation at once. A member counts as out from the start
   * of its isolate (it may be out before the call returns) to the end of its rejoin (it may still
   * be out until then): the widest reading, so the count can only be too high, never too low.
   */
  peakOut(poolOf: (target: string) => string): Map<string, number> {
    const events: { at: number; pool: string; delta: number }[] = [];
    for (const call of this.calls) {
      const pool = poolOf(call.target);
      if (call.activity === 'isolate') events.push({ at: call.start, pool, delta: 1 });
      else events.push({ at: call.end ?? Number.POSITIVE_INFINITY, pool, delta: -1 });
    }
    events.sort((a, b) => a.at - b.at);
    const now = new Map<string, number>();
    const peak = new Map<string, number>();
    for (const e of events) {
      const n = (now.get(e.pool) ?? 0) + e.delta;
      now.set(e.pool, n);
      peak.set(e.pool, Math.max(peak.get(e.pool) ?? 0, n));
    }
    return peak;
  }
}
