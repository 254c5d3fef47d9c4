import type { Client } from '@temporalio/client';
import { incidentWorkflow } from '../../workflows/index.js';
import { listExecutions } from './list-executions.js';
import { UNDO_MEMO, type ContinuedIncident, type UndoMemo } from '../../workflows/runtime/continued-incident.js';
import { MedicAlert, MedicFingerprint, MedicPlaybook, MedicService, MedicSeverity, MedicStatus } from '../../workflows/search-attributes.js';

// A playbook removed or renamed while incidents still run it: their histories no longer replay on
// this worker's code, so they would wedge (a nondeterminism error on every workflow task), holding
// their target and pool slot. `medic worker` takes each one over when it starts: it reads what is
// left to undo from the incident's memo, ends the old run with the reason, and starts a new run of
// the same incident id (so the guards still see the same holder) that does nothing on its own:
// it pages, holds for a human, and on abort undoes only what is safe. Both runs stay in the audit.

export interface TakenOver {
  incidentId: string;
  playbook: string;
  oldRunId: string;
  newRunId: string;
  undos: number;
}

/** Running incidents of this task queue whose playbook is not registered here. */
export async function findOrphans(client: Client, taskQueue: string, registered: readonly string[]): Promise<{ workflowId: string; runId: string; playbook: string }[]> {
  const found: { workflowId: string; runId: string; playbook: string }[] = [];
  const query = `WorkflowType = "incidentWorkflow" AND ExecutionStatus = "Running" AND TaskQueue = "${taskQueue.replace(/"/g, '')}"`;
  for await (const wf of listExecutions(client, query)) {
    const playbook = wf.keyword(MedicPlaybook.name);
    if (playbook !== '' && !registered.includes(playbook)) found.push({ workflowId: wf.workflowId, runId: wf.runId, playbook });
  }
  return found;
}

export async function takeOverOrphans(client: Client, taskQueue: string, registered: readonly string[]): Promise<TakenOver[]> {
  const taken: TakenOver[] = [];
  for (const orphan of await findOrphans(client, taskQueue, registered)) {
    const old = client.workflow.getHandle(orphan.workflowId, orphan.runId);
    const memo = (await old.describe()).memo?.[UNDO_MEMO] as UndoMemo | undefined;
    if (memo === undefined) continue; // not a medic incident of this version: left alone, and reported by the caller's log
    await old.terminate(`playbook "${orphan.playbook}" is no longer registered in this worker; medic took the incident over and holds it for a human`);
    const continued: ContinuedIncident = {
      stage: { at: 'run' },
      phase: { name: 'opening' },
      timeline: { entries: [], seq: 0, summarised: {} },
      signals: { firing: { count: 0, recent: [] }, resolved: { count: 0, recent: [] }, recentIds: [], thisRun: 0, openedBy: `${memo.openedBy ?? orphan.workflowId}/taken-over/${orphan.runId}` },
      journal: [],
      compensations: memo.compensations,
      facts: memo.facts,
      // Same incident id: the guards still count it as the target's holder until it releases.
      guards: { paused: null, pauseVersion: -1, sequence: 0, holding: true },
      gates: { awaitingAck: false, acked: false },
      escalations: { open: false, acked: false },
      resolvedWhileRunning: false,
      runs: 0,
      takenOver: { playbook: orphan.playbook, runId: orphan.runId },
    };
    const handle = await client.workflow.start(incidentWorkflow, {
      workflowId: orphan.workflowId,
      taskQueue,
      args: [memo.input, continued],
      staticSummary: `${memo.input.alertname} on ${memo.input.service} (taken over: playbook ${orphan.playbook} retired)`,
      typedSearchAttributes: [
        { key: MedicService, value: memo.input.service },
        { key: MedicAlert, value: memo.input.alertname },
        { key: MedicSeverity, value: memo.input.severity },
        { key: MedicPlaybook, value: memo.input.playbook },
        { key: MedicFingerprint, value: memo.input.fingerprint },
        { key: MedicStatus, value: 'awaiting-human' },
      ],
    });
    taken.push({ incidentId: orphan.workflowId, playbook: orphan.playbook, oldRunId: orphan.runId, newRunId: handle.firstExecutionRunId, undos: memo.compensations.length });
  }
  return taken;
}
