import { defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { DeterminismViolationError } from '@temporalio/workflow';
import type { RecordedHistory } from './replay-sources.js';

/** What went wrong replaying one run, in words for the engineer about to deploy. */
export interface ReplayFailure {
  /** `nondeterminism`: the new code does something else than the run did; `failure`: it failed outright. */
  kind: 'nondeterminism' | 'failure';
  /** What the new code did differently, in words. */
  explanation: string;
  /** The steps the recorded run had scheduled, in order (activity summaries). */
  recordedSteps: string[];
  toFix: string;
  /** Temporal's own message, for searching its docs. */
  temporalMessage: string;
}

type HistoryEvent = NonNullable<RecordedHistory['history']['events']>[number];

/** The core's message inside the SDK's wrapper ("... message: \"[TMPRL1100] ...\" ..."). */
function coreMessage(err: Error): string {
  return /message: "((?:[^"\\]|\\.)*)"/.exec(err.message)?.[1] ?? err.message;
}

function decodeSummary(e: HistoryEvent): string | undefined {
  const payload = e.userMetadata?.summary;
  if (payload === undefined || payload === null) return undefined;
  try {
    const value: unknown = defaultPayloadConverter.fromPayload(payload);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined; // an encrypted summary: the activity type still says what ran
  }
}

/** "activity isolate (isolate checkout-1)" for an event, as far as the history says. */
function describeEvent(e: HistoryEvent): string {
  const activity = e.activityTaskScheduledEventAttributes?.activityType?.name;
  if (activity !== undefined && activity !== null) {
    const summary = decodeSummary(e);
    return `step "${summary ?? activity}" (activity ${activity})`;
  }
  if (e.timerStartedEventAttributes) return `a timer${decodeSummary(e) !== undefined ? ` "${decodeSummary(e)}"` : ''}`;
  if (e.markerRecordedEventAttributes) return `a ${e.markerRecordedEventAttributes.markerName ?? ''} marker (a local activity such as a guard or kill-switch check, or a patch)`;
  if (e.upsertWorkflowSearchAttributesEventAttributes) return 'an update of its search attributes (its status as the Web UI shows it)';
  if (e.workflowPropertiesModifiedEventAttributes) return 'an update of its memo';
  if (e.signalExternalWorkflowExecutionInitiatedEventAttributes) return 'a signal to another workflow (such as a guard request)';
  const type = String(EVENT[Number(e.eventType ?? 0)] ?? 'an event')
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/_/g, ' ');
  return type;
}

/** The steps in the order the run took them; retries of one step (its summary says "attempt n of m") count once. */
function recordedSteps(h: RecordedHistory): string[] {
  const steps: string[] = [];
  for (const e of h.history.events ?? []) {
    if (!e.activityTaskScheduledEventAttributes) continue;
    const name = (decodeSummary(e) ?? e.activityTaskScheduledEventAttributes.activityType?.name ?? '?').replace(/ \(attempt \d+ of \d+\)$/, '');
    if (steps.at(-1) !== name) steps.push(name);
  }
  return steps;
}

function eventById(h: RecordedHistory, id: number): HistoryEvent | undefined {
  return (h.history.events ?? []).find((e) => Number(e.eventId) === id);
}

const MACHINE_WORDS: Record<string, string> = {
  Activity: 'a step (an activity)',
  LocalActivity: 'a local activity (a guard or kill-switch check, which runs before steps that change a target)',
  Timer: 'a timer (a wait, a backoff or a deadline)',
  ChildWorkflow: 'a child workflow',
  SignalExternal: 'a signal to another workflow (such as a guard request)',
};

/** Turn the core's nondeterminism message into what the new code did differently. */
function explainNondeterminism(message: string, h: RecordedHistory): string {
  const mismatch = /Activity type of scheduled event '([^']+)' does not match activity type of activity command '([^']+)'/.exec(message);
  if (mismatch) return `where the recorded run ran activity "${mismatch[1]}", the new code runs activity "${mismatch[2]}": a step was inserted, removed or reordered`;
  const missing = /Missing associated machine for (\w+)\((\d+)\)/.exec(message);
  if (missing) {
    return `the new code starts ${MACHINE_WORDS[missing[1] ?? ''] ?? `a ${missing[1]}`} that the recorded run never started at that point: a step, wait or check was inserted or moved earlier`;
  }
  const unhandled = /(\w+) machine does not handle this event: HistoryEvent\(id: (\d+)/.exec(message);
  const unhandledEvent = unhandled ? eventById(h, Number(unhandled[2])) : undefined;
  if (unhandled && unhandledEvent !== undefined) {
    return `the new code starts ${MACHINE_WORDS[unhandled[1] ?? ''] ?? `a ${unhandled[1]}`} where the recorded run did ${describeEvent(unhandledEvent)} (event ${String(unhandledEvent.eventId)}): a step was inserted or moved earlier`;
  }
  const eventId = /id: (\d+)/.exec(message);
  const event = eventId ? eventById(h, Number(eventId[1])) : undefined;
  if (event !== undefined) {
    return `the recorded run did ${describeEvent(event)} at event ${String(event.eventId)}, and the new code does not do that there: a step was removed, reordered or its condition changed`;
  }
  return 'the new code takes a different path than the recorded run did: a step, wait or check was added, removed or reordered, or a condition now reads something else';
}

const EVENT = proto.temporal.api.enums.v1.EventType;
const CLOSING = new Set<number>([
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EVENT.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** What a history that does not replay means for production: a stuck incident, or one like it. */
function consequence(h: RecordedHistory): string {
  const closed = CLOSING.has(Number(h.history.events?.at(-1)?.eventType ?? 0));
  if (h.workflowType === 'guardWorkflow') return 'A guard workflow like this one would be stuck on a worker with this code, and every incident waiting on its answers with it.';
  if (closed) return 'This run is closed, but an incident open at this point when the change is deployed would be stuck on a worker with this code (its every workflow task fails) until the code is fixed.';
  return 'This incident is still open: on a worker with this code it would be stuck (its every workflow task fails) until the code is fixed.';
}

/**
 * Explain why one run did not replay, with what to do. The advice is the one that keeps running
 * incidents safe: a worker with code that does not replay them would leave them stuck mid-recovery.
 */
export function explainReplayFailure(error: Error, h: RecordedHistory): ReplayFailure {
  const temporalMessage = coreMessage(error);
  const where = h.playbook !== '' ? `playbook "${h.playbook}"` : h.workflowType === 'guardWorkflow' ? 'the guard workflow' : `workflow ${h.workflowType}`;
  const stillRunning = h.playbook !== '' ? `\`medic incidents --playbook ${h.playbook}\` shows none of its incidents open` : 'no incident started before the change is open';
  if (error instanceof DeterminismViolationError) {
    return {
      kind: 'nondeterminism',
      explanation: `${explainNondeterminism(temporalMessage, h)}. ${consequence(h)}`,
      recordedSteps: recordedSteps(h),
      toFix: `in ${where}, guard the change with patched('<change-name>') from @temporalio/workflow so incidents that started before it keep the old path (if (patched('...')) { new code } else { old code }), or keep the old code path until ${stillRunning}; then run medic replay again`,
      temporalMessage,
    };
  }
  return {
    kind: 'failure',
    explanation: `the new code failed while replaying this run: ${temporalMessage}`,
    recordedSteps: recordedSteps(h),
    toFix: `make ${where} load and run again (is the workflow type "${h.workflowType}" still exported from the bundle's entry? does the code throw?), then run medic replay again`,
    temporalMessage,
  };
}
