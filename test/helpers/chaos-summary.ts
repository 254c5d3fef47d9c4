import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { SUMMARY_ENV, type ChaosRow } from '../../scripts/chaos-summary.js';
import type { IncidentResult } from '../../workflows/definitions.js';
import { within } from './deadline.js';
import { PROJECT_ROOT } from './processes.js';
import type { Finding } from './secret-scan.js';

// The figures of one chaos or security test, counted as the test goes from what the system did and
// answered, and written as one row of the run's summary table whether the test passes or fails.
// Nothing here is a planned number: a fault counts once it was done (the process is dead, the
// server restarted), an incident once its history says it completed, an alert once an answer or a
// timeline lists it, a secret once the scan found it.

/** One fault the test really injected, and whether the system's own output shows it survived. */
export interface Fault {
  readonly what: string;
  survived: boolean;
}

/** How an incident's run ended, as the server records it. */
export interface Completion {
  /** The server's status of the run: COMPLETED, TERMINATED, RUNNING (not closed in time), ... */
  status: string;
  /** The incident's result, when it completed. */
  result?: IncidentResult;
}

export class ChaosReport {
  private readonly faults: Fault[] = [];
  private readonly figures: Omit<ChaosRow, 'test' | 'status' | 'reason' | 'faultsInjected' | 'faultsSurvived'> = {};
  private written = false;

  constructor(readonly test: string) {}

  /** A fault that was done (call it after the kill or the restart happened, not before). */
  injected(what: string): Fault {
    const fault = { what, survived: false };
    this.faults.push(fault);
    return fault;
  }

  /** Whether the fault was survived, from what the system produced after it (a history, a timeline). */
  survived(fault: Fault, held: boolean): void {
    fault.survived = held;
  }

  expectIncidents(n: number): void {
    this.figures.incidentsExpected = (this.figures.incidentsExpected ?? 0) + n;
    this.figures.incidentsCompleted ??= 0;
  }

  /**
   * Wait (bounded) for an incident to close and count it as completed only if the server says its
   * run COMPLETED: a terminated, failed or still running incident is not. Rides out a server that
   * is briefly unreachable (a restart under test).
   */
  async completion(handle: WorkflowHandle, timeoutMs = 120_000): Promise<Completion> {
    const deadline = Date.now() + timeoutMs;
    const statusNow = () => runStatus(handle).catch(() => undefined);
    let result: IncidentResult | undefined;
    while (result === undefined && Date.now() < deadline) {
      try {
        result = (await within(handle.result(), deadline - Date.now(), 'the incident closing')) as IncidentResult;
      } catch {
        const status = await statusNow();
        if (status !== undefined && status !== 'RUNNING') break; // closed, but not with a result
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
    let status = await statusNow();
    for (let i = 0; status === undefined && i < 30; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      status = await statusNow();
    }
    if (status !== 'COMPLETED') return { status: status ?? 'UNKNOWN (the server did not answer)' };
    this.figures.incidentsCompleted = (this.figures.incidentsCompleted ?? 0) + 1;
    return { status, ...(result !== undefined && { result }) };
  }

  /** Alerts the intake answered 2xx for (count the ids in its answers). */
  accepted(n: number): void {
    this.figures.alertsAccepted = (this.figures.alertsAccepted ?? 0) + n;
  }

  /** Alerts found in the incidents' timelines. */
  recorded(n: number): void {
    this.figures.alertsRecorded = (this.figures.alertsRecorded ?? 0) + n;
  }

  /** Hostile inputs sent, and how many of them were refused as they should be. */
  hostile(tried: number, rejected: number): void {
    this.figures.hostileTried = (this.figures.hostileTried ?? 0) + tried;
    this.figures.hostileRejected = (this.figures.hostileRejected ?? 0) + rejected;
  }

  /**
   * What a secret scan found (call it before asserting there is nothing): one per secret per place
   * it leaked to, however many forms (raw, URL-encoded, base64) it showed there in.
   */
  secrets(findings: readonly Finding[]): void {
    const leaks = new Set(findings.map((f) => `${f.source}\u0000${f.secret}`));
    this.figures.secretsFound = (this.figures.secretsFound ?? 0) + leaks.size;
  }

  /** The row as it stands; `error` marks it failed with the first line of the error as the reason. */
  row(error?: unknown): ChaosRow {
    const row: ChaosRow = { test: this.test, status: error === undefined ? 'passed' : 'failed' };
    if (error !== undefined) row.reason = reasonOf(error);
    if (this.faults.length > 0) {
      row.faultsInjected = this.faults.length;
      row.faultsSurvived = this.faults.filter((f) => f.survived).length;
    }
    return { ...row, ...this.figures };
  }

  /** Append the row to the run's summary file, once. */
  write(error?: unknown): void {
    if (this.written) return;
    this.written = true;
    const file = process.env[SUMMARY_ENV] ?? join(PROJECT_ROOT, 'test-results', 'chaos-summary.jsonl');
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${JSON.stringify(this.row(error))}\n`);
  }
}

const STATUS = proto.temporal.api.enums.v1.WorkflowExecutionStatus;

/**
 * The server's status of the run (COMPLETED, TERMINATED, RUNNING...), read raw: describe() would
 * decode the run's summary and memo, which a client without the payload key cannot.
 */
async function runStatus(handle: WorkflowHandle): Promise<string> {
  const { workflowService, options } = handle.client;
  const raw = await workflowService.describeWorkflowExecution({ namespace: options.namespace, execution: { workflowId: handle.workflowId } });
  const code = raw.workflowExecutionInfo?.status ?? STATUS.WORKFLOW_EXECUTION_STATUS_UNSPECIFIED;
  return (STATUS[code] ?? String(code)).replace('WORKFLOW_EXECUTION_STATUS_', '');
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n').find((l) => l.trim() !== '')?.trim() ?? (error instanceof Error ? error.name : 'unknown error');
}

/**
 * Run a chaos or security test's body with a report, and write the report's row however the body
 * ends: passed, failed (with the reason), or cut off by the test runner's timeout.
 */
export async function reported(t: TestContext, test: string, body: (report: ChaosReport) => Promise<void>): Promise<void> {
  const report = new ChaosReport(test);
  // node:test aborts the context's signal when the test times out: the body may never settle then.
  const onAbort = () => report.write(new Error('the test runner cut the test off: its timeout passed, or the run was cancelled'));
  t.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await body(report);
    report.write();
  } catch (err) {
    report.write(err);
    throw err;
  } finally {
    t.signal.removeEventListener('abort', onAbort);
  }
}
