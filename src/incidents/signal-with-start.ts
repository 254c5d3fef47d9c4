import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { encodeMapToPayloads, encodeToPayloadsWithContext, encodeUserMetadata } from '@temporalio/common/lib/internal-non-workflow/index.js';

/** temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL (the proto package is not a direct dependency). */
const TASK_QUEUE_KIND_NORMAL = 1;

export interface SignalWithStartRequest {
  workflowId: string;
  workflowType: string;
  taskQueue: string;
  args: unknown[];
  signalName: string;
  signalArgs: unknown[];
  memo?: Record<string, unknown>;
  staticSummary?: string;
  staticDetails?: string;
}

export interface SignalWithStartAnswer {
  runId: string;
  /** True when this call started the run; false when it signalled the one already running. */
  started: boolean;
}

/**
 * signalWithStart straight on the workflow service, because the server's answer says whether it
 * started a run (`started`) and the SDK's `client.workflow.signalWithStart` drops that flag: knowing
 * "opened" from "joined" would otherwise cost a second call per alert. The request is built as the
 * SDK builds it (the client's data converter and codecs, the same serialization context), with the
 * server's default policies, as the SDK leaves them: a running incident is signalled, a closed one
 * is started anew. Client interceptors are not run: medic installs none on the intake's client.
 *
 * Errors are the raw gRPC errors (`code` is the gRPC status), so a caller can tell a refusal for
 * good from unavailability (see src/intake/permanent-refusal.ts).
 */
export async function signalWithStartReportingStart(client: Client, r: SignalWithStartRequest): Promise<SignalWithStartAnswer> {
  const converter = client.options.loadedDataConverter;
  const namespace = client.options.namespace;
  const context = { type: 'workflow' as const, namespace, workflowId: r.workflowId };
  const [input, signalInput, memo, userMetadata] = await Promise.all([
    encodeToPayloadsWithContext(converter, context, r.args),
    encodeToPayloadsWithContext(converter, context, r.signalArgs),
    r.memo === undefined ? undefined : encodeMapToPayloads(converter, r.memo, context),
    encodeUserMetadata(converter, r.staticSummary, r.staticDetails, context),
  ]);
  const response = await client.workflowService.signalWithStartWorkflowExecution({
    namespace,
    identity: client.options.identity,
    requestId: randomUUID(),
    workflowId: r.workflowId,
    workflowType: { name: r.workflowType },
    taskQueue: { kind: TASK_QUEUE_KIND_NORMAL, name: r.taskQueue },
    input: { payloads: input ?? [] },
    signalName: r.signalName,
    signalInput: { payloads: signalInput ?? [] },
    ...(memo !== undefined && { memo: { fields: memo } }),
    header: { fields: {} },
    ...(userMetadata !== undefined && { userMetadata }),
  });
  return { runId: response.runId ?? '', started: response.started === true };
}
