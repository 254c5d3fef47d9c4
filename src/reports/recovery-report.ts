import type { Client } from '@temporalio/client';
import type { IncidentResult } from '../../workflows/definitions.js';
import { recoverySeconds } from '../../workflows/runtime/recovery-time.js';
import { listIncidents, type IncidentFilter } from '../incidents/list-incidents.js';
import { isFalseAlarm, servicesReliability, type ClosedIncident, type ServiceReliability } from './service-reliability.js';

export interface StepStats {
  activity: string;
  attempts: number;
  failures: number;
  successRate: number;
  p50Ms: number;
  p95Ms: number;
}

export interface PlaybookReport {
  playbook: string;
  incidents: number;
  dryRuns: number;
  outcomes: Record<string, number>;
  /** Recovered / closed incidents (dry runs excluded). */
  recoverySuccessRate: number;
  /** Incidents that paged a human / closed incidents. */
  escalationRate: number;
  mttrSeconds: { count: number; mean: number; p50: number; p95: number } | null;
  steps: StepStats[];
}

export interface RecoveryReport {
  since: string;
  until: string;
  stillOpen: number;
  /** Closed incidents (dry runs excluded) a human aborted as a false alarm, and their share. */
  falseAlarms: { count: number; share: number };
  playbooks: PlaybookReport[];
  /** MTBF, MTTR and availability per service over the window, the least available first. */
  services: ServiceReliability[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? 0;
}

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** The figures of one playbook over closed incidents. Pure, so it is tested on its own. */
export function playbookReport(playbook: string, results: IncidentResult[]): PlaybookReport {
  const real = results.filter((r) => !r.dryRun);
  const outcomes: Record<string, number> = {};
  for (const r of real) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const mttr = real.map((r) => recoverySeconds(r.outcome, r.timeline)).filter((s): s is number => s !== undefined).sort((a, b) => a - b);
  const escalated = real.filter((r) => r.timeline.some((e) => e.kind === 'escalated')).length;

  const byActivity = new Map<string, { ok: number[]; failed: number }>();
  for (const r of real) {
    for (const e of r.timeline) {
      const activity = e.data?.['activity'];
      if (typeof activity !== 'string' || (e.kind !== 'step-succeeded' && e.kind !== 'step-failed')) continue;
      const stats = byActivity.get(activity) ?? { ok: [], failed: 0 };
      if (e.kind === 'step-succeeded') stats.ok.push(e.durationMs ?? 0);
      else stats.failed += 1;
      byActivity.set(activity, stats);
    }
  }
  const steps = [...byActivity.entries()]
    .map(([activity, s]) => {
      const durations = [...s.ok].sort((a, b) => a - b);
      const attempts = s.ok.length + s.failed;
      return { activity, attempts, failures: s.failed, successRate: round(s.ok.length / attempts), p50Ms: percentile(durations, 50), p95Ms: percentile(durations, 95) };
    })
    .sort((a, b) => a.activity.localeCompare(b.activity));

  return {
    playbook,
    incidents: results.length,
    dryRuns: results.length - real.length,
    outcomes,
    recoverySuccessRate: real.length === 0 ? 0 : round((outcomes['recovered'] ?? 0) / real.length),
    escalationRate: real.length === 0 ? 0 : round(escalated / real.length),
    mttrSeconds:
      mttr.length === 0
        ? null
        : { count: mttr.length, mean: round(mttr.reduce((a, b) => a + b, 0) / mttr.length), p50: round(percentile(mttr, 50)), p95: round(percentile(mttr, 95)) },
    steps,
  };
}

/** MTTR, success and escalation rates and step statistics per playbook, from visibility and results. */
export async function recoveryReport(client: Client, filter: IncidentFilter & { since: Date }): Promise<RecoveryReport> {
  const rows = await listIncidents(client, { ...filter, limit: filter.limit ?? 10_000 });
  const results = new Map<string, IncidentResult[]>();
  const closed: ClosedIncident[] = [];
  let stillOpen = 0;
  for (const row of rows) {
    if (row.workflowStatus === 'RUNNING') {
      stillOpen += 1;
      continue;
    }
    if (row.workflowStatus !== 'COMPLETED') continue;
    const result = (await client.workflow.getHandle(row.incidentId, row.runId).result()) as IncidentResult;
    results.set(result.playbook, [...(results.get(result.playbook) ?? []), result]);
    closed.push({ service: row.service, result });
  }
  const until = new Date();
  const real = closed.filter((c) => !c.result.dryRun);
  const falseAlarms = real.filter((c) => isFalseAlarm(c.result)).length;
  return {
    since: filter.since.toISOString(),
    until: until.toISOString(),
    stillOpen,
    falseAlarms: { count: falseAlarms, share: real.length === 0 ? 0 : Math.round((falseAlarms / real.length) * 1000) / 1000 },
    playbooks: [...results.entries()].map(([playbook, list]) => playbookReport(playbook, list)).sort((a, b) => a.playbook.localeCompare(b.playbook)),
    services: servicesReliability(closed, Math.max(0, (until.getTime() - filter.since.getTime()) / 1000)),
  };
}
