import { incidentWorkflowId } from '../workflows/definitions.js';
import type { BareInput } from './bare-workflow.js';
import { BENCH_ALERTS, alertmanagerBody, benchTarget } from './bench-routes.js';
import { BARE_QUEUE, type BenchStack } from './bench-stack.js';
import type { LoadClient } from './http-load.js';
import { wallClockMs } from './stats.js';

// How one bench incident is raised, for medic and for the bare floor: every latency measurement
// (rows 1, 2, 6, 7 and 9) and the CPU row (8) sends through here, so they all compare the same thing.

export type Kind = 'medic' | 'bare';

/** One alert sent: its workflow id, when it was sent and answered (wall clock), and whether it was accepted. */
export interface Sent {
  workflowId: string;
  sentMs: number;
  answeredMs?: number;
  ok: boolean;
}

const MEDIC_PATH = '/v1/signals/alertmanager';

/** The workflow an alert for `fp` starts: medic's incident, or the bare workflow. */
export const workflowIdOf = (kind: Kind, fp: string): string => (kind === 'medic' ? incidentWorkflowId(fp) : `bare-${fp}`);
const signalId = (fp: string) => `bare:${fp}:firing#1`;

/**
 * medic: an Alertmanager webhook to the intake, over the load generator's keep-alive connections.
 * bare: `signalWithStart` of the bare workflow straight from the load generator's Temporal client.
 * `sentMs` is taken by the caller just before, so a burst can share one instant.
 */
export async function sendIncident(stack: BenchStack, http: LoadClient, kind: Kind, fp: string, sleep: boolean, sentMs: number): Promise<Sent> {
  if (kind === 'medic') {
    const alertname = sleep ? BENCH_ALERTS.sleep : BENCH_ALERTS.outage;
    const answer = await http.post(MEDIC_PATH, alertmanagerBody(alertname, fp), sentMs).catch(() => undefined);
    return { workflowId: workflowIdOf(kind, fp), sentMs, ...(answer && { answeredMs: answer.answeredMs }), ok: answer?.status === 202 };
  }
  const workflowId = workflowIdOf(kind, fp);
  const input: BareInput = { target: benchTarget(fp, sleep), params: {} };
  try {
    await stack.client.workflow.signalWithStart('bareIncidentWorkflow', {
      workflowId,
      taskQueue: BARE_QUEUE,
      args: [input],
      signal: 'alert',
      signalArgs: [{ id: signalId(fp) }],
    });
    return { workflowId, sentMs, answeredMs: wallClockMs(), ok: true };
  } catch {
    return { workflowId, sentMs, ok: false };
  }
}
