import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { guardShardId, guardStateQuery, guardWorkflowId, type GuardShard } from '../../workflows/guards/definitions.js';
import { emptyGuardState, RELEASES_KEPT, type GuardState } from '../../workflows/guards/guard-state.js';

/** Shards queried at once: a fleet of thousands of targets must not open thousands of calls. */
const CONCURRENT_QUERIES = 16;

export interface GuardScope {
  /** Targets whose shards to read, beside those of the incidents registered now. */
  targets?: readonly string[];
  /** Pools whose shards to read, beside those of the pinned limits. */
  pools?: readonly string[];
}

/** A guard workflow's state; undefined when it was never started (nothing has asked it anything). */
async function queryGuard(client: Client, workflowId: string): Promise<GuardState | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).query(guardStateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err as Error).name === 'WorkflowNotFoundError') return undefined;
    throw err;
  }
}

async function inBatches<T, R>(items: readonly T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

/**
 * The guards of a task queue as one state, read from the control and the shards: the kill switch,
 * the limits and the registered incidents from the control; locks, waiters and restarts from each
 * target's shard; members out of rotation from each pool's shard. What `medic guards`, the intake's
 * metrics and the tests read. Undefined when not even the control exists yet.
 */
export async function readGuards(client: Client, taskQueue: string, scope: GuardScope = {}): Promise<GuardState | undefined> {
  const control = await queryGuard(client, guardWorkflowId(taskQueue));
  const state: GuardState = control ?? emptyGuardState();
  const targets = [...new Set([...(scope.targets ?? []), ...Object.values(state.registered ?? {})])].sort();
  const pools = [...new Set([...(scope.pools ?? []), ...(state.limits?.limits.pools.map((p) => p.name) ?? [])])].sort();
  const shards: GuardShard[] = [...targets.map((target) => ({ target })), ...pools.map((pool) => ({ pool }))];
  // Many targets share a shard: each shard is read once.
  const ids = [...new Set(shards.map((shard) => guardShardId(taskQueue, shard)))];
  const read = await inBatches(ids, CONCURRENT_QUERIES, (id) => queryGuard(client, id));
  if (control === undefined && read.every((s) => s === undefined)) return undefined;
  const merged: GuardState = { ...state, holders: {}, waiters: {}, isolated: {}, restarts: {}, released: [...state.released] };
  // Own properties only (targets and pools are names from labels: `__proto__` is an ordinary one).
  const copy = <V>(to: Record<string, V>, from: Record<string, V>) => {
    for (const key of Object.keys(from)) Object.defineProperty(to, key, { value: from[key], writable: true, enumerable: true, configurable: true });
  };
  for (const shard of read) {
    if (shard === undefined) continue;
    copy(merged.holders, shard.holders);
    copy(merged.waiters, shard.waiters);
    copy(merged.isolated, shard.isolated);
    copy(merged.restarts, shard.restarts);
    merged.released.push(...shard.released);
  }
  merged.released.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0)).splice(0, Math.max(0, merged.released.length - RELEASES_KEPT));
  return merged;
}
