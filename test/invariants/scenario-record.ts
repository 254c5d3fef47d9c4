import type { ActivityName } from '../../activities/contract.js';
import type { IncidentResult } from '../../workflows/definitions.js';

// What a generated scenario leaves behind: only facts observed from outside the engine (the fleet's
// calls, what the server answered, the workflows' results). The checkers read nothing else, so they
// keep working when the engine's code or its timeline wording changes.

/** One call of an activity on the fleet, with the driver's logical clock at its start and end. */
export interface CallRecord {
  id: number;
  activity: ActivityName;
  target: string;
  /** The workflow id of the incident that made the call (from the activity input). */
  incidentId: string;
  /** escalate only: trigger, acknowledge or resolve. */
  event?: string;
  start: number;
  end?: number;
  /** 'abandoned': still running when the scenario was over (its incident had ended), then stopped by the driver. */
  outcome: 'running' | 'ok' | 'failed' | 'cancelled' | 'abandoned';
  /** verify only: what it found. */
  healthy?: boolean;
  /** The server's (virtual) time the attempt was scheduled, for windows such as the restart budget. */
  atMs: number;
}

/** One run of an incident workflow (a fingerprint that fires again after its incident closed opens a new run). */
export interface RunRecord {
  incidentId: string;
  runId: string;
  playbook: string;
  target: string;
  /** Logical time the signal that opened this run was answered. */
  openedAt: number;
  /** Ids of the signals answered as recorded in this run. */
  signalIds: string[];
  /** Logical time an abort of this run was accepted, if one was. */
  abortAcceptedAt?: number;
  /** Temporal's status of the run after the scenario settled: COMPLETED, RUNNING, FAILED, ... */
  status: string;
  result?: IncidentResult;
}

export interface PauseRecord {
  /** Logical time `pause` answered. */
  answeredAt: number;
  /** Logical time `resume` was sent, if it was. */
  resumeSentAt?: number;
}

export interface ScenarioRecord {
  calls: CallRecord[];
  runs: RunRecord[];
  pauses: PauseRecord[];
  pools: Record<string, { members: string[]; maxIsolated: number }>;
  restartBudget: { max: number; windowMs: number };
  /** Targets out of rotation on the fleet when the scenario ended. */
  isolatedAtEnd: string[];
}

/** One broken promise, named by its DESIGN.md number. */
export interface Violation {
  invariant: number;
  check: string;
  message: string;
}

/** What one checker did: how many facts it looked at, and what it found wrong. */
export interface CheckResult {
  checked: number;
  violations: Violation[];
}
