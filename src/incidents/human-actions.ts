import { randomUUID } from 'node:crypto';
import { ServiceError, type Client } from '@temporalio/client';
import type { UpdateDefinition } from '@temporalio/common';
import type { HumanAction, IncidentState } from '../../workflows/definitions.js';

const ATTEMPTS = 4;

/**
 * The server drops an update whose workflow task failed for an unrelated reason (e.g. an activity
 * finished while the task ran: "UnhandledCommand"); the update was never accepted, so sending it
 * again with the same update id is safe and cannot apply it twice.
 */
function isDroppedUpdate(err: unknown): boolean {
  return err instanceof ServiceError && /unexpected workflow task failure/i.test(err.cause?.message ?? err.message);
}

/** Send approve/retry/abort/ack/note to an incident, resending an update the server dropped. */
export async function sendHumanAction(
  client: Client,
  incidentId: string,
  update: UpdateDefinition<IncidentState, [HumanAction]>,
  action: HumanAction,
): Promise<IncidentState> {
  const handle = client.workflow.getHandle(incidentId);
  const updateId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await handle.executeUpdate(update, { args: [action], updateId });
    } catch (err) {
      if (attempt >= ATTEMPTS || !isDroppedUpdate(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}
