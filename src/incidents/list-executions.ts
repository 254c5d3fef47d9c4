import type { Client } from '@temporalio/client';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes.js';
import { optionalTsToDate } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';

/** What a listing needs of one run: names, times and search attributes, which are never encrypted. */
export interface ExecutionRow {
  workflowId: string;
  runId: string;
  type: string;
  status: string;
  startTime?: Date;
  closeTime?: Date;
  /** A keyword search attribute, or '' when the run has none by that name. */
  keyword(name: string): string;
}

const STATUS = proto.temporal.api.enums.v1.WorkflowExecutionStatus;

/**
 * List runs matching a visibility query without decoding their memos. The SDK's list decodes every
 * memo with the data converter, so one incident encrypted with a key this process lacks would make
 * the whole listing fail; what is listed (search attributes, times) needs no key.
 */
export async function* listExecutions(client: Client, query: string, pageSize = 100): AsyncGenerator<ExecutionRow> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, ...(nextPageToken !== undefined && { nextPageToken }) });
    for (const e of page.executions ?? []) {
      const attrs = decodeTypedSearchAttributes(e.searchAttributes?.indexedFields);
      const startTime = optionalTsToDate(e.startTime);
      const closeTime = optionalTsToDate(e.closeTime);
      yield {
        workflowId: e.execution?.workflowId ?? '',
        runId: e.execution?.runId ?? '',
        type: e.type?.name ?? '',
        status: (STATUS[e.status ?? 0] ?? 'UNSPECIFIED').replace('WORKFLOW_EXECUTION_STATUS_', ''),
        ...(startTime !== undefined && { startTime }),
        ...(closeTime !== undefined && { closeTime }),
        keyword: (name) => {
          const value = attrs.getAll().find((p) => p.key.name === name)?.value;
          return typeof value === 'string' ? value : '';
        },
      };
    }
    nextPageToken = page.nextPageToken !== undefined && page.nextPageToken !== null && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken !== undefined);
}
