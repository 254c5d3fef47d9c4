import { WorkflowUpdateFailedError } from '@temporalio/client';
import { sendHumanAction } from '../src/incidents/human-actions.js';
import { approveUpdate, incidentWorkflowId } from '../workflows/definitions.js';
import { BENCH_ALERTS, alertmanagerBody } from './bench-routes.js';
import type { BenchStack } from './bench-stack.js';
import { withConcurrency, type LoadClient } from './http-load.js';
import { round } from './stats.js';

// Row 5: many incidents open at once, each waiting at http-service-outage's approval gate; the
// medic worker's memory while they wait, then the time to approve them all.

export interface OpenIncidentsResult {
  incidents: number;
  /** Resident set of the (fresh) medic worker process before the incidents, with them waiting, and its peak. */
  workerRssMiB: { idle: number; open: number; peak: number };
  /** First alert sent -> every incident waiting for approval. */
  openSeconds: number;
  /** First approve sent -> every approve answered (the update ran in each incident). */
  approveAllSeconds: number;
  /** First approve sent -> every incident recovered (its last step, rejoin, returned). */
  allRecoveredSeconds: number;
  failures: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const AWAITING = `MedicStatus = 'awaiting-human' AND ExecutionStatus = 'Running'`;

/** approve, waiting a little while the incident has not reached its gate yet (the validator refuses). */
async function approve(stack: BenchStack, incidentId: string): Promise<boolean> {
  for (let attempt = 1; attempt <= 50; attempt++) {
    try {
      await sendHumanAction(stack.client, incidentId, approveUpdate, { by: 'bench', reason: 'benchmark approves every restart' });
      return true;
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError && /nothing to approve/.test(err.cause?.message ?? ''))) return false;
      await sleep(200);
    }
  }
  return false;
}

async function waitForCount(stack: BenchStack, query: string, want: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    seen = (await stack.client.workflow.count(query)).count;
    if (seen >= want) return seen;
    await sleep(250);
  }
  return seen;
}

export async function measureOpenIncidents(
  stack: BenchStack,
  http: LoadClient,
  o: { prefix: string; incidents: number; concurrency: number; timeoutMs: number },
): Promise<OpenIncidentsResult> {
  // A fresh worker process: its memory is that of these incidents, not of earlier phases.
  await stack.restartMedicWorker();
  await sleep(2_000);
  const idle = stack.medicWorker.memory().rssMiB;
  const ids = Array.from({ length: o.incidents }, (_, i) => incidentWorkflowId(`${o.prefix}-${i}`));

  const t0 = performance.now();
  const answers = await withConcurrency(o.incidents, o.concurrency, (i) =>
    http.post('/v1/signals/alertmanager', alertmanagerBody(BENCH_ALERTS.approval, `${o.prefix}-${i}`)).catch(() => undefined),
  );
  let failures = answers.filter((a) => a?.status !== 202).length;
  await stack.timings.waitFor(ids, 'diagnose', o.timeoutMs);
  const waiting = await waitForCount(stack, AWAITING, o.incidents, o.timeoutMs);
  const openSeconds = (performance.now() - t0) / 1000;
  if (waiting < o.incidents) failures = Math.max(failures, o.incidents - waiting);

  // Let the worker settle (cache filled, GC run) before reading its memory.
  await sleep(3_000);
  const open = stack.medicWorker.memory().rssMiB;

  const t1 = performance.now();
  const approved = await withConcurrency(o.incidents, o.concurrency, (i) => approve(stack, ids[i] as string));
  const approveAllSeconds = (performance.now() - t1) / 1000;
  failures = Math.max(failures, approved.filter((ok) => !ok).length);
  const notRecovered = await stack.timings.waitFor(ids, 'rejoin', o.timeoutMs);
  const allRecoveredSeconds = (performance.now() - t1) / 1000;
  failures = Math.max(failures, notRecovered.length);
  await stack.settle(o.timeoutMs);

  return {
    incidents: o.incidents,
    workerRssMiB: { idle: round(idle, 1), open: round(open, 1), peak: round(stack.medicWorker.memory().peakRssMiB, 1) },
    openSeconds: round(openSeconds, 2),
    approveAllSeconds: round(approveAllSeconds, 2),
    allRecoveredSeconds: round(allRecoveredSeconds, 2),
    failures,
  };
}
