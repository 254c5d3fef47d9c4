import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ActivityName, MedicActivities } from '../../activities/contract.js';
import { FakeFleet, type Behaviour } from '../helpers/fake-fleet.js';
import type { CallRecord } from './scenario-record.js';

/**
 * The FakeFleet, with every call's start and end stamped on one logical clock shared with the
 * scenario driver, so that "after pause answered" or "overlapping" can be decided exactly.
 */
export class RecordingFleet {
  readonly fleet: FakeFleet;
  readonly calls: CallRecord[] = [];
  private clock = 0;
  private abandon: (() => void) | undefined;
  private readonly abandoned = new Promise<never>((_, reject) => {
    this.abandon = () => reject(ApplicationFailure.create({ type: 'Abandoned', nonRetryable: true, message: 'abandoned by the scenario driver: its incident had ended' }));
  });

  constructor(script: Partial<Record<ActivityName, Behaviour[]>>) {
    this.fleet = new FakeFleet(script);
  }

  /** The next instant on the logical clock (the driver stamps its own events with it too). */
  tick(): number {
    this.clock += 1;
    return this.clock;
  }

  running(): CallRecord[] {
    return this.calls.filter((c) => c.outcome === 'running');
  }

  /**
   * End, as failed, every call still running once the scenario is over. A call that outlives its
   * incident would hold the test server's clock for every later scenario; it stays on the record
   * as 'abandoned' with no end, which the checkers report.
   */
  abandonRunning(): void {
    for (const call of this.running()) call.outcome = 'abandoned';
    this.abandoned.catch(() => undefined);
    this.abandon?.();
  }

  /** A call that has been running for long (a hang) holds the test server's clock. */
  get activities(): MedicActivities {
    const wrap = <K extends ActivityName>(name: K): MedicActivities[K] =>
      (async (input: Parameters<MedicActivities[K]>[0]) => {
        const info = Context.current().info;
        const event = (input as { event?: string }).event;
        const call: CallRecord = {
          id: this.calls.length + 1,
          activity: name,
          target: input.target,
          incidentId: input.incidentId,
          ...(event !== undefined && { event }),
          start: this.tick(),
          outcome: 'running',
          atMs: info.currentAttemptScheduledTimestampMs,
        };
        this.calls.push(call);
        try {
          const out = await Promise.race([(this.fleet.activities[name] as (i: typeof input) => Promise<{ healthy?: boolean }>)(input), this.abandoned]);
          call.outcome = 'ok';
          if (typeof out.healthy === 'boolean') call.healthy = out.healthy;
          return out;
        } catch (err) {
          call.outcome = call.outcome === 'abandoned' ? 'abandoned' : Context.current().cancellationSignal.aborted ? 'cancelled' : 'failed';
          throw err;
        } finally {
          if (call.outcome !== 'abandoned') call.end = this.tick();
        }
      }) as MedicActivities[K];
    return {
      isolate: wrap('isolate'),
      rejoin: wrap('rejoin'),
      diagnose: wrap('diagnose'),
      restart: wrap('restart'),
      verify: wrap('verify'),
      rollback: wrap('rollback'),
      rollforward: wrap('rollforward'),
      escalate: wrap('escalate'),
      command: wrap('command'),
    };
  }
}
