import type { WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import type { BenchStack } from './bench-stack.js';
import { withConcurrency } from './http-load.js';
import { round } from './stats.js';

// Where the time from alert to first action goes, read from the histories of a sample of
// incidents (the server's event times and the bench's own clock are the same machine clock).

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/** Medians over the sample, in ms, of the consecutive stretches from alert to first action. */
export interface FirstActionBreakdown {
  sampled: number;
  /** Alert sent -> the workflow execution started on the server (intake or client, signalWithStart). */
  toStartedMs: number;
  /** Started -> the first workflow task completed (the worker ran the workflow's first code). */
  firstTaskMs: number;
  /** First task completed -> the first activity scheduled (what the workflow waits on before it acts). */
  beforeFirstStepMs: number;
  /** First activity scheduled -> it began to run in the worker (task dispatch and poll). */
  dispatchMs: number;
  /** Workflow tasks completed and local activities run before the first activity was scheduled. */
  workflowTasksBefore: number;
  localActivitiesBefore: number;
  signalsBefore: number;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};

function stretches(events: HistoryEvent[], sentMs: number, firstActionMs: number) {
  const at = (e: HistoryEvent | undefined) => (e?.eventTime ? tsToMs(e.eventTime) : Number.NaN);
  const scheduled = events.findIndex((e) => e.activityTaskScheduledEventAttributes != null);
  const before = scheduled < 0 ? events : events.slice(0, scheduled);
  return {
    toStarted: at(events[0]) - sentMs,
    firstTask: at(events.find((e) => e.workflowTaskCompletedEventAttributes != null)) - at(events[0]),
    beforeFirstStep: at(events[scheduled]) - at(events.find((e) => e.workflowTaskCompletedEventAttributes != null)),
    dispatch: firstActionMs - at(events[scheduled]),
    tasks: before.filter((e) => e.workflowTaskCompletedEventAttributes != null).length,
    localActivities: before.filter((e) => e.markerRecordedEventAttributes != null).length,
    signals: before.filter((e) => e.workflowExecutionSignaledEventAttributes != null).length,
  };
}

/** Read the histories of these incidents (workflow id, alert sent, first action began). */
export async function firstActionBreakdown(
  stack: BenchStack,
  sample: { workflowId: string; sentMs: number; firstActionMs: number }[],
): Promise<FirstActionBreakdown> {
  const all = await withConcurrency(sample.length, 8, async (i) => {
    const s = sample[i] as (typeof sample)[number];
    const history = await stack.client.workflow.getHandle(s.workflowId).fetchHistory();
    return stretches(history.events ?? [], s.sentMs, s.firstActionMs);
  });
  const m = (pick: (x: ReturnType<typeof stretches>) => number) => round(median(all.map(pick)));
  return {
    sampled: all.length,
    toStartedMs: m((x) => x.toStarted),
    firstTaskMs: m((x) => x.firstTask),
    beforeFirstStepMs: m((x) => x.beforeFirstStep),
    dispatchMs: m((x) => x.dispatch),
    workflowTasksBefore: m((x) => x.tasks),
    localActivitiesBefore: m((x) => x.localActivities),
    signalsBefore: m((x) => x.signals),
  };
}
