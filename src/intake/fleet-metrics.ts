import { listExecutions } from '../incidents/list-executions.js';
import type { Client } from '@temporalio/client';
import { Gauge, type Registry } from 'prom-client';
import { guardStateQuery, guardWorkflowId } from '../../workflows/guards/definitions.js';
import type { GuardState } from '../../workflows/guards/guard-state.js';

// Figures about medic itself that only Temporal knows, read when Prometheus scrapes the intake:
// how many incidents are open and in which state, how long the oldest one has waited for a human,
// whether the guard workflow answers, and which targets used up their restart budget. The alerting
// rules in monitoring/ page on them.

/** Statuses of incidents still open (the others are outcomes). */
const OPEN_STATUSES = ['open', 'recovering', 'awaiting-human'] as const;
/** How long one scrape may spend asking Temporal; a slower answer counts as none. */
const ASK_TIMEOUT_MS = 3_000;
/** Incidents read to find the longest wait; enough for any sane fleet, bounded for a storm. */
const MAX_AWAITING = 2_000;

export interface FleetMetricsOptions {
  client: Client;
  taskQueue: string;
  restartBudget: { max: number; windowMs: number };
  now?: () => number;
}

function within<T>(what: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([what, late]).finally(() => clearTimeout(timer));
}

export function registerFleetMetrics(registry: Registry, o: FleetMetricsOptions): void {
  const now = o.now ?? Date.now;
  const incidents = `WorkflowType = "incidentWorkflow" AND ExecutionStatus = "Running" AND TaskQueue = "${o.taskQueue}"`;
  // prom-client calls collect() for every gauge of a scrape: they share one round of questions.
  const common = { registers: [registry], collect: () => collect() };

  const reachable = new Gauge({ name: 'medic_temporal_reachable', help: '1 when the last scrape could read incidents from Temporal, else 0', ...common });
  const open = new Gauge({ name: 'medic_incidents_open', help: 'Incidents open now, by status (open, recovering, awaiting-human)', labelNames: ['status'] as const, ...common });
  const oldest = new Gauge({
    name: 'medic_incidents_awaiting_human_oldest_seconds',
    help: 'How long the oldest incident now awaiting a human has been open, in seconds (0 when none waits)',
    ...common,
  });
  const answering = new Gauge({ name: 'medic_guard_answering', help: '1 when the guard workflow answered a query within 3 s (or none exists yet), else 0', ...common });
  const paused = new Gauge({ name: 'medic_guard_paused', help: '1 while the kill switch (medic pause) holds every automated action', ...common });
  const budget = new Gauge({
    name: 'medic_guard_restart_budget_remaining',
    help: 'Automated restarts a target may still have in the current budget window (targets restarted in the window only)',
    labelNames: ['target'] as const,
    ...common,
  });

  // One collect reads everything, so the gauges of a scrape agree with each other.
  let collecting: Promise<void> | undefined;
  const collectAll = async (): Promise<void> => {
    try {
      const { counts, earliest } = await within(readIncidents(), ASK_TIMEOUT_MS);
      OPEN_STATUSES.forEach((status, i) => open.set({ status }, counts[i] ?? 0));
      oldest.set(earliest === undefined ? 0 : Math.max(0, (now() - earliest) / 1000));
      reachable.set(1);
    } catch {
      reachable.set(0);
    }
    await collectGuard();
  };
  const readIncidents = async () => {
    const counts = await Promise.all(OPEN_STATUSES.map(async (s) => (await o.client.workflow.count(`${incidents} AND MedicStatus = "${s}"`)).count));
    let earliest: number | undefined;
    let read = 0;
    for await (const wf of listExecutions(o.client, `${incidents} AND MedicStatus = "awaiting-human"`)) {
      if (wf.startTime !== undefined) earliest = Math.min(earliest ?? Infinity, wf.startTime.getTime());
      if (++read >= MAX_AWAITING) break;
    }
    return { counts, earliest };
  };
  const collectGuard = async (): Promise<void> => {
    budget.reset();
    try {
      const state: GuardState = await within(o.client.workflow.getHandle(guardWorkflowId(o.taskQueue)).query(guardStateQuery), ASK_TIMEOUT_MS);
      answering.set(1);
      paused.set(state.paused === null ? 0 : 1);
      for (const [target, times] of Object.entries(state.restarts)) {
        const used = times.filter((t) => now() - t < o.restartBudget.windowMs).length;
        if (used > 0) budget.set({ target }, Math.max(0, o.restartBudget.max - used));
      }
    } catch (err) {
      // No guard workflow yet: no incident has asked it anything, so nothing waits on an answer.
      const notFound = (err as Error).name === 'WorkflowNotFoundError' || /not found/i.test((err as Error).message);
      answering.set(notFound ? 1 : 0);
      if (notFound) paused.set(0);
    }
  };
  const collect = async (): Promise<void> => {
    collecting ??= collectAll().finally(() => (collecting = undefined));
    await collecting;
  };
}
