import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { listExecutions, type ExecutionRow } from './list-executions.js';

type History = temporal.api.history.v1.IHistory;

/** One run's history to replay, and what names it to a person. */
export interface RecordedHistory {
  /** The file it came from, or `cluster` for a history fetched from Temporal. */
  source: string;
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The incident's playbook (its MedicPlaybook search attribute), '' for the guard workflow. */
  playbook: string;
  history: History;
}

/** A history file or folder medic cannot replay from; the message names the file and says what to do. */
export class ReplayInputError extends Error {
  override readonly name = 'ReplayInputError';
  constructor(
    message: string,
    /** `empty`: nothing matched (no files, no incidents), as opposed to input that is wrong. */
    readonly kind: 'bad-input' | 'empty' = 'bad-input',
  ) {
    super(message);
  }
}

/** The JSON files under a folder (or the one file named), sorted so runs are repeatable. */
function historyFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new ReplayInputError(`${path} does not exist. To fix: name a folder of history JSON files (as \`temporal workflow show --output json\` writes them) or one such file`);
  }
  if (stat.isFile()) return [path];
  const files = readdirSync(path)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => join(path, f));
  if (files.length === 0) {
    throw new ReplayInputError(`${path} holds no .json history files. To fix: save histories there with \`temporal workflow show --workflow-id ID --output json > ${join(path, 'ID.json')}\`, or use --last N to fetch them from Temporal`, 'empty');
  }
  return files;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A history file in any of the shapes people have: `{ events: [...] }` as `temporal workflow show
 * --output json` and the SDK's `historyToJSON` write it, or medic's fixture `{ workflowId, history }`.
 * The workflow id matters (medic's workflows put it into what they send), so it comes from the
 * fixture or from the start event, where recent servers record it.
 */
export function readHistoryFile(file: string): RecordedHistory {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ReplayInputError(`${file} is not JSON (${(err as Error).message}). To fix: write it with \`temporal workflow show --workflow-id ID --output json\``);
  }
  const raw = isObject(json) && isObject(json['history']) ? json['history'] : json;
  if (!isObject(raw) || !Array.isArray(raw['events']) || raw['events'].length === 0) {
    throw new ReplayInputError(`${file} is not a workflow history: it has no "events" list. To fix: write it with \`temporal workflow show --workflow-id ID --output json\` (or save { workflowId, history })`);
  }
  let history: History;
  try {
    history = historyFromJSON(raw);
  } catch (err) {
    const message = (err as Error).message;
    // Two copies of protobufjs under the Temporal SDK's packages (npm put another version on top).
    if (/must be a Type/.test(message)) {
      throw new ReplayInputError(`${file} cannot be read here: the Temporal SDK's packages in this project use two copies of protobufjs (${message}). To fix: add protobufjs 8.8.1 to this project's dependencies (npm install protobufjs@8.8.1), as medic init does`);
    }
    throw new ReplayInputError(`${file} is not a workflow history Temporal can read: ${message}. To fix: write it again with \`temporal workflow show --workflow-id ID --output json\``);
  }
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  if (started === undefined || started === null) {
    throw new ReplayInputError(`${file} does not start with the workflow's start event, so it cannot be replayed. To fix: save the whole history (not --reverse, not a part of it)`);
  }
  const workflowId = (isObject(json) && typeof json['workflowId'] === 'string' ? json['workflowId'] : undefined) ?? started.workflowId ?? '';
  if (workflowId === '') {
    throw new ReplayInputError(`${file} does not say which workflow it is (its start event has no workflow id; older servers leave it out). To fix: save it as { "workflowId": "incident-...", "history": <the history> }`);
  }
  return {
    source: file,
    workflowId,
    runId: started.originalExecutionRunId ?? '',
    workflowType: started.workflowType?.name ?? '',
    playbook: playbookOf(history),
    history,
  };
}

/** Every history under a folder (or in one file), read and checked before any replay starts. */
export function readHistoryFolder(path: string): RecordedHistory[] {
  return historyFiles(path).map(readHistoryFile);
}

/** The MedicPlaybook search attribute as the run set it (search attributes are never encrypted). */
function playbookOf(history: History): string {
  for (const e of history.events ?? []) {
    const fields = e.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ?? e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const payload = fields?.['MedicPlaybook'];
    if (payload !== undefined && payload !== null) {
      try {
        const value: unknown = defaultPayloadConverter.fromPayload(payload);
        if (typeof value === 'string') return value;
      } catch {
        return '';
      }
    }
  }
  return '';
}

export interface ClusterSelection {
  taskQueue: string;
  /** The N most recently started incident runs. */
  last?: number;
  /** Incident runs started at or after this time. */
  since?: Date;
  /** Add the running guard workflow of the task queue (one change to it affects every incident). */
  guards: boolean;
}

/** The visibility query for the incident runs to replay: on this task queue, running or closed. */
export function replayQuery(selection: Pick<ClusterSelection, 'taskQueue' | 'since'>): string {
  if (!/^[\w.:@\/-]{1,200}$/.test(selection.taskQueue)) throw new ReplayInputError(`task queue "${selection.taskQueue}" has characters medic does not put in a query. To fix: use letters, digits and . _ : / @ -`);
  const parts = [`WorkflowType = "incidentWorkflow"`, `TaskQueue = "${selection.taskQueue}"`];
  if (selection.since !== undefined) parts.push(`StartTime >= "${selection.since.toISOString()}"`);
  return parts.join(' AND ');
}

/** Runs to replay, newest first. Visibility stores have no common ORDER BY, so sort here. */
export async function selectRuns(client: Client, selection: ClusterSelection): Promise<ExecutionRow[]> {
  const incidents: ExecutionRow[] = [];
  for await (const row of listExecutions(client, replayQuery(selection))) incidents.push(row);
  incidents.sort((a, b) => (b.startTime?.getTime() ?? 0) - (a.startTime?.getTime() ?? 0));
  const chosen = selection.last === undefined ? incidents : incidents.slice(0, selection.last);
  if (!selection.guards) return chosen;
  const guards: ExecutionRow[] = [];
  const guardQuery = `WorkflowType = "guardWorkflow" AND TaskQueue = "${selection.taskQueue}" AND ExecutionStatus = "Running"`;
  for await (const row of listExecutions(client, guardQuery)) guards.push(row);
  return [...chosen, ...guards];
}

/** Fetch each run's history as the replay asks for it: one run in memory at a time. */
export async function* fetchHistories(client: Client, runs: ExecutionRow[]): AsyncGenerator<RecordedHistory> {
  for (const run of runs) {
    const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    yield {
      source: 'cluster',
      workflowId: run.workflowId,
      runId: run.runId,
      workflowType: run.type,
      playbook: run.keyword('MedicPlaybook'),
      history,
    };
  }
}

/** A short name for a history's origin in messages: the file name, or the cluster. */
export function sourceLabel(h: Pick<RecordedHistory, 'source'>): string {
  return h.source === 'cluster' ? 'from Temporal' : basename(h.source);
}
