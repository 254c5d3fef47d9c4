import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Signal } from '../src/signals/signal-schema.js';

// The public interface of an incident: what clients (CLI, intake, tests) may send to it
// and ask of it. Names here are contracts (see DESIGN.md): change them on purpose only.

export const TASK_QUEUE = 'medic';
export const incidentWorkflowId = (fingerprint: string): string => `incident-${fingerprint}`;

export const INCIDENT_STATUSES = [
  'open',
  'recovering',
  'awaiting-human',
  'recovered',
  'escalated',
  'failed',
  'aborted',
  'resolved',
] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** How an incident ended; also the last `MedicStatus` it carries. */
export type IncidentOutcome = Extract<
  IncidentStatus,
  'recovered' | 'escalated' | 'failed' | 'aborted' | 'resolved'
>;

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Params = Record<string, JsonValue>;

/** Arguments of the incident workflow, chosen by routing when the first signal arrives. */
export interface IncidentInput {
  fingerprint: string;
  playbook: string;
  /** Inventory name of what the playbook acts on; resolved by activities, never an address. */
  target: string;
  params: Params;
  /** Record what would be done; call no activity that has side effects. */
  dryRun: boolean;
  /** In a dry run: the outcome assumed per activity, in call order (workflows/runtime/dry-run-assumptions.ts). */
  assume?: Record<string, string[]>;
  service: string;
  alertname: string;
  severity: string;
}

export type TimelineKind =
  | 'incident-opened'
  | 'signal'
  | 'resolved'
  | 'status'
  | 'step-started'
  | 'step-succeeded'
  | 'step-failed'
  | 'step-dry-run'
  | 'compensation-started'
  | 'compensation-succeeded'
  | 'compensation-failed'
  | 'compensation-skipped'
  | 'approval-requested'
  | 'approved'
  | 'approval-timed-out'
  | 'escalated'
  | 'acked'
  | 'ack-timed-out'
  | 'retry'
  | 'abort'
  | 'note'
  | 'outcome';

export interface TimelineEntry {
  seq: number;
  /** ISO time, from workflow time (deterministic), so replays show the same timeline. */
  at: string;
  kind: TimelineKind;
  /** Who caused it: `medic`, a signal source, or the `by` of a human action. */
  actor: string;
  message: string;
  step?: string;
  attempt?: number;
  durationMs?: number;
  data?: Params;
}

export interface IncidentResult {
  incidentId: string;
  fingerprint: string;
  playbook: string;
  target: string;
  dryRun: boolean;
  outcome: IncidentOutcome;
  signals: number;
  timeline: TimelineEntry[];
}

/** Every human action says who did it and why: both go into the audit. */
export interface HumanAction {
  by: string;
  reason: string;
}

export interface IncidentState {
  status: IncidentStatus;
  playbook: string;
  target: string;
  runningStep?: string;
  pendingApproval?: string;
  awaitingAck: boolean;
  /** Distinct signals taken (firing and resolved). */
  signals: number;
  /** Repeats are counted, not listed: a fingerprint may fire thousands of times. */
  repeats: { firing: number; resolved: number; lastFiring?: string };
}

export const alertSignal = defineSignal<[Signal]>('alert');
export const resolvedSignal = defineSignal<[Signal]>('resolved');
export const timelineQuery = defineQuery<TimelineEntry[]>('timeline');
export const stateQuery = defineQuery<IncidentState>('state');

/** What the incident heard: counts, first and last, and the ids it still remembers (the last 500). */
export interface SignalsView {
  firing: { count: number; first?: string; last?: string };
  resolved: { count: number; first?: string; last?: string };
  /** Ids taken, oldest first: every one while there are at most 500, else the newest 500. */
  ids: string[];
}
export const signalsQuery = defineQuery<SignalsView>('signals');

export const approveUpdate = defineUpdate<IncidentState, [HumanAction]>('approve');
export const retryUpdate = defineUpdate<IncidentState, [HumanAction]>('retry');
export const abortUpdate = defineUpdate<IncidentState, [HumanAction]>('abort');
export const ackUpdate = defineUpdate<IncidentState, [HumanAction]>('ack');
export const noteUpdate = defineUpdate<IncidentState, [HumanAction]>('note');
